import CoNLL
import Foundation
import RunConfig
import TestSupport
@testable import Training
import XCTest

/// What `TrainingData` builds from the config's real types: reader options, tag schemes, heads.
final class TrainingDataTests: XCTestCase {
    /// Loads `yaml` with the BIOES file `train.tsv` (token, NER) beside it.
    private func load(_ yaml: String) throws -> TrainingData {
        let fixture = try ConfigFixture(self)
        try fixture.write("Mary\tS-PER\nlives\tO\nin\tO\nNew\tB-LOC\nYork\tE-LOC\n\nthe\tO\ndog\tO\n\n", to: "train.tsv")
        return try TrainingData(resolved: ConfigLoader.load(file: fixture.write(yaml, to: "x.yaml")))
    }

    func testEveryTagSchemeIsReadAndTrainedAsWritten() throws {
        let data = try load("""
            corpora: {c: {columns: [text, ner], separator: tab, train: train.tsv}}
            tasks: {ner: {label: ner, input_scheme: bioes, train_scheme: iob1}}
            """)
        let task = try XCTUnwrap(data.encoder.tasks.first)
        XCTAssertEqual(task.inputScheme, .bioes)
        XCTAssertEqual(task.trainScheme, .iob1)
        // the head learns IOB1 tags; evaluation reads the gold tags as IOB2
        XCTAssertEqual(Set(task.labels.entries.dropFirst()), ["I-PER", "O", "I-LOC"])
        XCTAssertEqual(task.goldTags(["S-PER", "O", "B-LOC", "E-LOC"]), ["B-PER", "O", "B-LOC", "I-LOC"])
        let ids = try ["I-PER", "O", "I-LOC", "I-LOC"].map { Int32(try XCTUnwrap(task.labels.id(of: $0))) }
        XCTAssertEqual(task.predictedTags(ids, forms: ["Ann", "in", "New", "York"]), ["B-PER", "O", "B-LOC", "I-LOC"])
    }

    func testATagOfAnotherSchemeIsRefusedWithItsLine() throws {
        XCTAssertThrowsError(try load("""
            corpora: {c: {columns: [text, ner], separator: tab, train: train.tsv}}
            tasks: {ner: {label: ner}}
            """)) { error in
            XCTAssertTrue("\(error)".contains("train.tsv:1"), "\(error)")
        }
    }

    /// An IOB2 file with an `I-LOC` after `O` on line 3 and no blank line after its last sentence.
    private let illFormed = "Mary\tB-PER\nlives\tO\nParis\tI-LOC\n\nthe\tO\ndog\tO\n"

    private func loadIllFormed(_ corpusSettings: String) throws -> TrainingData {
        let fixture = try ConfigFixture(self)
        try fixture.write(illFormed, to: "train.tsv")
        let yaml = "corpora: {c: {columns: [text, ner], separator: tab, train: train.tsv\(corpusSettings)}}\ntasks: {ner: {label: ner}}\n"
        return try TrainingData(resolved: ConfigLoader.load(file: fixture.write(yaml, to: "x.yaml")))
    }

    func testIllFormedSpansAndAMissingFinalBlankLineAreReadAndReported() throws {
        let data = try loadIllFormed("")
        XCTAssertEqual(data.train[0].map { $0.labels["ner"] }, [["B-PER", "O", "B-LOC"], ["O", "O"]])
        let notes = data.notes.joined(separator: "\n")
        XCTAssertTrue(notes.contains("read 1 ill-formed 'ner' tags as conlleval does"), notes)
        XCTAssertTrue(notes.contains("train.tsv:3;"), notes)
        XCTAssertTrue(notes.contains("corpora.c.repair_tags: false refuses them"), notes)
        XCTAssertTrue(notes.contains("the last sentence has no blank line after it"), notes)
    }

    func testTheStrictSwitchesRefuseWithTheirConfigKeyPaths() throws {
        for (setting, hint) in [(", repair_tags: false", "set corpora.c.repair_tags: true in the config"),
                                (", repair_tags: false, missing_final_blank_line: error", "train.tsv:3: expected B-LOC")] {
            XCTAssertThrowsError(try loadIllFormed(setting)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(hint), message)
                XCTAssertFalse(message.contains("ReaderOptions"), message)
            }
        }
        let fixture = try ConfigFixture(self)
        try fixture.write("Mary\tB-PER\nlives\tO", to: "train.tsv")
        let yaml = "corpora: {c: {columns: [text, ner], separator: tab, train: train.tsv, missing_final_blank_line: error}}\n"
            + "tasks: {ner: {label: ner}}\n"
        XCTAssertThrowsError(try TrainingData(resolved: ConfigLoader.load(file: fixture.write(yaml, to: "x.yaml")))) { error in
            XCTAssertTrue("\(error)".contains("set corpora.c.missing_final_blank_line: accept in the config"), "\(error)")
        }
    }
}
