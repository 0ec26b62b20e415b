import Collective
import Foundation
import MultiTask
import RunConfig
import Training
import XCTest

/// What ranks compare before the parameter broadcast (`RunFingerprint`) and what a start leaves in
/// its output folder (`RunDirectory`), in one process; the multi-rank behaviour is in
/// DistributedTests' `RanksAgreeOnWhatTheyTrainTests`.
final class RunFingerprintTests: XCTestCase {
    private var folder: URL!

    private let sentences = [
        ["Mary\tPROPN\tB-PER", "lives\tVERB\tO", "in\tADP\tO", "Paris\tPROPN\tB-LOC"],
        ["the\tDET\tO", "cat\tNOUN\tO", "sleeps\tVERB\tO"],
        ["John\tPROPN\tB-PER", "sleeps\tVERB\tO"],
    ]

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-fingerprint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try corpus("data", sentences)
        let yaml = """
            corpora:
              tiny: {format: columns, columns: [text, upos, ner], separator: tab, train: train.tsv, dev: dev.tsv}
            tasks:
              upos: {corpus: tiny, label: upos, head: softmax, hidden: 0, metric: accuracy}
              ner: {corpus: tiny, label: ner, head: crf, hidden: 0, metric: span_f1}
            encoder: {word_dim: 8, char_dim: 4, char_hidden: 4, case_dim: 2, shared_hidden: 8}
            training: {max_steps: 2, batch_size: 2, learning_rate: 0.1}
            """
        try yaml.write(to: folder.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func testTheSameRunHasTheSameFingerprintWhereverItsDataLies() throws {
        try corpus("copy", sentences)
        let here = try fingerprint()
        let there = try fingerprint(data: "copy")
        XCTAssertEqual(here.differences(from: there, reference: "rank 0"), [])
        XCTAssertEqual(here, there, "corpus paths are not part of it")
        XCTAssertFalse(here.config.contains { $0.hasPrefix("corpora.tiny.train") || $0.hasPrefix("data_dir") }, "\(here.config)")
        XCTAssertTrue(here.config.contains("training.learning_rate: 0.1"), "\(here.config)")
        XCTAssertEqual(here.parts.map(\.name), [
            "training data of corpus 'tiny'", "dev data of corpus 'tiny'", "word vocabulary", "character vocabulary",
            "label dictionary of task 'upos'", "label dictionary of task 'ner'", "parameter layout",
        ])
        XCTAssertEqual(here.parts[0].summary, "3 sentences, 9 tokens")
    }

    func testAnOverrideIsNamedWithBothValues() throws {
        let differences = try fingerprint(overrides: ["training.learning_rate=0.2"]).differences(from: fingerprint(), reference: "rank 0")
        XCTAssertEqual(differences, ["config training.learning_rate: 0.2 here, 0.1 on rank 0"])
    }

    func testTheUpdateModeIsPartOfIt() throws {
        // ranks started with and without the sharded update would call different collectives
        let differences = try fingerprint(overrides: ["training.sharded_update=true"]).differences(from: fingerprint(), reference: "rank 0")
        XCTAssertEqual(differences, ["config training.sharded_update: true here, false on rank 0"])
    }

    func testAnotherModelSizeChangesConfigAndParameterLayout() throws {
        let differences = try fingerprint(overrides: ["encoder.word_dim=12"]).differences(from: fingerprint(), reference: "the checkpoint")
        XCTAssertEqual(differences.count, 2, "\(differences)")
        XCTAssertEqual(differences.first, "config encoder.word_dim: 12 here, 8 on the checkpoint")
        XCTAssertTrue(differences.last?.hasPrefix("parameter layout: ") == true, "\(differences)")
        XCTAssertTrue(differences.last?.hasSuffix(" tensors on the checkpoint") == true, "\(differences)")
    }

    func testTheSameSentencesInAnotherOrderDiffer() throws {
        try corpus("reversed", sentences.reversed())
        let differences = try fingerprint(data: "reversed").differences(from: fingerprint(), reference: "rank 0")
        XCTAssertEqual(differences.first,
                       "training data of corpus 'tiny': 3 sentences, 9 tokens here and on rank 0, but different content or order")
    }

    func testOtherDataNamesSizesAndVocabularies() throws {
        try corpus("more", sentences + [["a\tDET\tO", "dog\tNOUN\tO"]])
        let differences = try fingerprint(data: "more").differences(from: fingerprint(), reference: "rank 0")
        XCTAssertTrue(differences.contains("training data of corpus 'tiny': 4 sentences, 11 tokens here, 3 sentences, 9 tokens on rank 0"),
                      "\(differences)")
        XCTAssertTrue(differences.contains { $0.hasPrefix("word vocabulary: ") }, "\(differences)")
        XCTAssertTrue(differences.contains { $0.hasPrefix("parameter layout: ") }, "\(differences)")
    }

    func testAMismatchMessageNamesTheReferenceAndTheFix() throws {
        let mismatch = RunFingerprint.Mismatch(reference: "rank 0", differences: (1...10).map { "d\($0)" }, hint: "Fix it.")
        XCTAssertEqual(mismatch.description,
                       "what this rank would train differs from rank 0: d1; d2; d3; d4; d5; d6; d7; d8; and 2 more. Fix it.")
    }

    func testTheFingerprintSurvivesJSON() throws {
        let original = try fingerprint()
        let decoded = try JSONDecoder().decode(RunFingerprint.self, from: JSONEncoder().encode(original))
        XCTAssertEqual(decoded, original)
    }

    // MARK: - RunDirectory: a start that never trained does not block a retry

    func testStartFilesAreTakenOverAndAnythingElseIsRefused() throws {
        let output = folder.appendingPathComponent("run")
        XCTAssertEqual(try RunDirectory.check(output), [], "a missing folder is fine")
        XCTAssertTrue(try RunDirectory.create(output))
        XCTAssertFalse(try RunDirectory.create(output), "already there")
        try "x: 1\n".write(to: output.appendingPathComponent("resolved-config.yaml"), atomically: true, encoding: .utf8)
        XCTAssertTrue(FileManager.default.createFile(atPath: output.appendingPathComponent("metrics.jsonl").path, contents: nil))
        XCTAssertTrue(RunDirectory.holdsOnlyStartFiles(output))
        XCTAssertEqual(try RunDirectory.check(output), ["resolved-config.yaml", "metrics.jsonl (empty)"])
        XCTAssertFalse(try RunDirectory.create(output))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: output.path), [], "create clears them")

        try "{}\n".write(to: output.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        XCTAssertFalse(RunDirectory.holdsOnlyStartFiles(output), "a logged step")
        XCTAssertThrowsError(try RunDirectory.check(output)) { error in
            XCTAssertTrue("\(error)".contains("--output already holds files (metrics.jsonl)"), "\(error)")
        }
        try FileManager.default.removeItem(at: output.appendingPathComponent("metrics.jsonl"))
        try FileManager.default.createDirectory(at: output.appendingPathComponent("best"), withIntermediateDirectories: true)
        XCTAssertThrowsError(try RunDirectory.check(output), "a saved model")
    }

    func testDiscardingAStartRemovesTheFolderOnlyWhenItMadeIt() throws {
        let made = folder.appendingPathComponent("made")
        XCTAssertTrue(try RunDirectory.create(made))
        try "x: 1\n".write(to: made.appendingPathComponent("resolved-config.yaml"), atomically: true, encoding: .utf8)
        RunDirectory.discardStart(made, removingFolder: true)
        XCTAssertFalse(FileManager.default.fileExists(atPath: made.path))

        let given = folder.appendingPathComponent("given")
        try FileManager.default.createDirectory(at: given, withIntermediateDirectories: true)
        XCTAssertFalse(try RunDirectory.create(given))
        try "x: 1\n".write(to: given.appendingPathComponent("resolved-config.yaml"), atomically: true, encoding: .utf8)
        RunDirectory.discardStart(given, removingFolder: false)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: given.path), [], "the user's empty folder stays")
    }

    // MARK: - helpers

    /// Writes `sentences` as `folder/name/train.tsv` and `dev.tsv`.
    private func corpus<S: Sequence>(_ name: String, _ sentences: S) throws where S.Element == [String] {
        let directory = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let text = sentences.map { $0.joined(separator: "\n") + "\n\n" }.joined()
        try text.write(to: directory.appendingPathComponent("train.tsv"), atomically: true, encoding: .utf8)
        try self.sentences.map { $0.joined(separator: "\n") + "\n\n" }.joined()
            .write(to: directory.appendingPathComponent("dev.tsv"), atomically: true, encoding: .utf8)
    }

    /// The fingerprint of the tiny config with `overrides`, reading the corpus in `folder/data`.
    private func fingerprint(data: String = "data", overrides: [String] = []) throws -> RunFingerprint {
        let resolved = try ConfigLoader.load(file: folder.appendingPathComponent("tiny.yaml"), overrides: overrides,
                                             dataDir: folder.appendingPathComponent(data))
        let training = try TrainingData(resolved: resolved)
        let spec = Trainer.modelSpec(config: resolved.config, encoder: training.encoder)
        let model = MultiTaskModel(spec: spec, seed: 1)
        return try RunFingerprint(resolved: resolved, data: training, parameters: model.store.parameters)
    }
}
