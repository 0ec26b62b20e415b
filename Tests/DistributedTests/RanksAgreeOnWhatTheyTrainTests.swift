import Foundation
import TestSupport
import XCTest

/// Ranks that would train different things stop before the parameters are broadcast, every one of
/// them, with one message naming the rank and what differs, and nothing written: mpirun's MPMD form
/// (`-np 1 A : -np 1 B`) starts two ranks with different `--set` values or different data. Before
/// the ranks compared fingerprints, a different model size corrupted the heap in the broadcast and
/// data in another order trained silently with different word ids on each rank.
final class RanksAgreeOnWhatTheyTrainTests: XCTestCase {
    func testADifferentModelSizeOnRankOneStopsBothRanksNamingTheKey() throws {
        let run = try mpmd(rankOne: ["--set", "encoder.word_dim=24"])
        try assertStoppedTogether(run, naming: [
            "Error: rank 1 of 2: what this rank would train differs from rank 0: config encoder.word_dim: 24 here, 16 on rank 0",
            "parameter layout: ",
        ])
    }

    func testADifferentLearningRateOnRankZeroIsNamedWithRankOne() throws {
        // rank 0 is the reference: the rank that differs from it is rank 1
        let run = try mpmd(rankZero: ["--set", "training.learning_rate=0.5"])
        try assertStoppedTogether(run, naming: [
            "Error: rank 1 of 2: what this rank would train differs from rank 0: config training.learning_rate: 1.0 here, 0.5 on rank 0.",
        ])
        XCTAssertFalse(run.stderr.contains("parameter layout"), "only the learning rate differs\n\(run)")
    }

    func testTheSameSentencesInAnotherOrderStopBothRanks() throws {
        let folder = try temporaryDirectory()
        let shuffled = try corpusCopy(in: folder, name: "shuffled") { sentences in
            // the first sentence moves to the end: same sentences, same tokens, other order
            Array(sentences.dropFirst()) + [sentences[0]]
        }
        let run = try mpmd(rankOne: ["--data-dir", shuffled.path], folder: folder)
        // same counts, other order: and so other word ids and label ids
        try assertStoppedTogether(run, naming: [
            "Error: rank 1 of 2: what this rank would train differs from rank 0: training data of corpus 'ewt': ",
            " tokens here and on rank 0, but different content or order; word vocabulary: ",
        ])
    }

    func testTheSameDataAtAnotherPathTrains() throws {
        let folder = try temporaryDirectory()
        let copy = try corpusCopy(in: folder, name: "copy") { $0 }
        let run = try mpmd(rankOne: ["--data-dir", copy.path], folder: folder)
        XCTAssertEqual(run.status, 0, "corpus paths are not compared, their content is\n\(run)")
        XCTAssertTrue(run.stdout.contains("training upos + ner on 2 ranks"), "\(run)")
    }

    /// A start that failed leaves nothing in --output, so the same command line, fixed, succeeds.
    func testARetryWithTheSameOutputAfterAFailedStartSucceeds() throws {
        let folder = try temporaryDirectory()
        let output = folder.appendingPathComponent("run")
        let failed = try mpmd(rankOne: ["--set", "encoder.word_dim=24"], folder: folder)
        XCTAssertNotEqual(failed.status, 0, "\(failed)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "nothing written to --output\n\(failed)")
        let retry = try mpmd(folder: folder)
        XCTAssertEqual(retry.status, 0, "\(retry)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("best/parameters.bin").path))
    }

    /// A start killed before training (no handler runs) leaves `resolved-config.yaml` and an empty
    /// `metrics.jsonl`; the next start with that --output takes the folder over, and says so.
    func testLeftoversOfAStartThatNeverTrainedDoNotBlockARetry() throws {
        let folder = try temporaryDirectory()
        let output = folder.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        try "stale: true\n".write(to: output.appendingPathComponent("resolved-config.yaml"), atomically: true, encoding: .utf8)
        XCTAssertTrue(FileManager.default.createFile(atPath: output.appendingPathComponent("metrics.jsonl").path, contents: nil))
        let run = try MTLDist.run(train(output) + ["--data-dir", MTLDist.defaultCorpus.path])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stdout.contains("note: --output held only resolved-config.yaml, metrics.jsonl (empty)"), "\(run)")
        let written = try String(contentsOf: output.appendingPathComponent("resolved-config.yaml"), encoding: .utf8)
        XCTAssertFalse(written.contains("stale"), "the run's own resolved config")
        XCTAssertEqual(try metricsLines(output).filter { $0["type"] as? String == "train" }.count, 3, "3 steps, logged every step")

        // a folder that holds anything else is still refused
        let other = folder.appendingPathComponent("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try "{}\n".write(to: other.appendingPathComponent("metrics.jsonl"), atomically: true, encoding: .utf8)
        let refused = try MTLDist.run(train(other) + ["--data-dir", MTLDist.defaultCorpus.path])
        XCTAssertNotEqual(refused.status, 0, "\(refused)")
        XCTAssertTrue(refused.stderr.contains("--output already holds files (metrics.jsonl)"), "\(refused)")
    }

    // MARK: - helpers

    /// `train` of the tiny model for 3 steps into `output`, logged every step.
    private func train(_ output: URL) -> [String] {
        ["train", "--output", output.path] + MTLDist.tinyModel
            + MTLDist.settings(["training.max_steps": "3", "training.log_every": "1"])
    }

    /// `mpirun -np 1 mtl-dist train … : -np 1 mtl-dist train …` on the default corpus, output in
    /// `folder/run`, with extra arguments for each rank (a later `--set` or `--data-dir` wins).
    private func mpmd(rankZero: [String] = [], rankOne: [String] = [], folder: URL? = nil,
                      file: StaticString = #filePath, line: UInt = #line) throws -> ProcessRun {
        let output = (try folder ?? temporaryDirectory()).appendingPathComponent("run")
        let binary = try MTLDist.binary()
        let common = train(output) + ["--data-dir", MTLDist.defaultCorpus.path]
        let contexts = [rankZero, rankOne].map { extra in ["-np", "1", binary] + common + extra }
        // a hang would be a rank waiting in a collective for one that has left: 60 s is ample
        let run = try ProcessRun(try ProcessRun.mpirun() + contexts[0] + [":"] + contexts[1],
                                 environment: MTLDist.environment, timeout: 60, file: file, line: line)
        XCTAssertFalse(run.timedOut, "\(run)", file: file, line: line)
        return run
    }

    /// Non-zero exit, each expected text exactly once (one rank printed it), no training, no output.
    private func assertStoppedTogether(_ run: ProcessRun, naming texts: [String],
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertNotEqual(run.status, 0, "\(run)", file: file, line: line)
        for text in texts {
            XCTAssertEqual(run.occurrences(of: text), 1, "'\(text)' printed once\n\(run)", file: file, line: line)
        }
        XCTAssertEqual(run.occurrences(of: "Error: "), 1, "one message\n\(run)", file: file, line: line)
        XCTAssertFalse(run.stdout.contains("training upos + ner"), "no rank started training\n\(run)", file: file, line: line)
        XCTAssertFalse(run.stderr.contains("corruption") || run.stderr.contains("free()"), "\(run)", file: file, line: line)
    }

    /// A copy of the default corpus in `folder/name` whose training sentences are `reorder`ed (dev as is).
    private func corpusCopy(in folder: URL, name: String, reorder: ([String]) -> [String]) throws -> URL {
        let copy = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        let source = MTLDist.defaultCorpus
        try FileManager.default.copyItem(at: source.appendingPathComponent("dev.tsv"), to: copy.appendingPathComponent("dev.tsv"))
        let train = try String(contentsOf: source.appendingPathComponent("train.tsv"), encoding: .utf8)
        let sentences = train.components(separatedBy: "\n\n").filter { !$0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
            .map { $0.trimmingCharacters(in: .newlines) }
        XCTAssertGreaterThan(sentences.count, 2)
        try (reorder(sentences).joined(separator: "\n\n") + "\n\n")
            .write(to: copy.appendingPathComponent("train.tsv"), atomically: true, encoding: .utf8)
        return copy
    }
}
