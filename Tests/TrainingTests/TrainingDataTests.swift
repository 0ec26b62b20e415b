import CoNLL
import Foundation
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
        XCTAssertEqual(task.predictedTags(ids), ["B-PER", "O", "B-LOC", "I-LOC"])
    }

    func testAFileInAnotherSchemeIsRefusedWithTheKeyThatSaysSo() throws {
        XCTAssertThrowsError(try load("""
            corpora: {c: {columns: [text, ner], separator: tab, train: train.tsv}}
            tasks: {ner: {label: ner}}
            """)) { error in
            XCTAssertTrue("\(error)".contains("train.tsv:1"), "\(error)")
        }
    }
}
