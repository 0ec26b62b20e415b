import Checkpointing
import Collective
import Foundation
import ModelFiles
@testable import Training
import XCTest

/// Checkpoints and resume in one process (W = 1): a run stopped by a signal and resumed ends
/// bit-identical to a straight run, metrics.jsonl has every step once, config changes that alter
/// the model are refused with what differs, safe ones are listed.
final class ResumeTests: TinyCorpusTestCase {
    /// Word dropout, dropout and unknown-word replacement on, so every random stream matters.
    let settings = ["training.max_steps=12", "checkpoint.every=4", "training.log_every=1",
                    "encoder.dropout=0.2", "encoder.word_dropout=0.05"]

    /// Runs into `output`; `stopAfter` polls of the stop signal (one per step) it reports SIGUSR1.
    func run(_ output: String, overrides: [String] = [], resume: String? = nil, stopAfter: Int? = nil) throws -> (Trainer.Summary, String) {
        var log = ""
        var request = TrainingSession.Request(configFile: folder.appendingPathComponent("tiny.yaml"),
                                              overrides: settings + overrides, dataDir: nil,
                                              output: folder.appendingPathComponent(output), resume: resume)
        var polls = 0
        if let stopAfter {
            request.stopSignal = {
                polls += 1
                return polls >= stopAfter ? SIGUSR1 : nil
            }
        }
        let summary = try TrainingSession.run(request, communicator: SingleProcessCommunicator(), interactive: false) { log += $0 }
        return (summary, log)
    }

    func shard(_ output: String, step: Int) throws -> Data {
        try Data(contentsOf: folder.appendingPathComponent("\(output)/checkpoints/step-\(step)/shard-0-of-1.bin"))
    }

    func trainLosses(_ output: String) throws -> [(step: Int, loss: [String: Double])] {
        let text = try String(contentsOf: folder.appendingPathComponent("\(output)/metrics.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            guard o["type"] as? String == "train" else { return nil }
            return (o["step"] as! Int, o["loss"] as! [String: Double])
        }
    }

    func testStoppedAndResumedRunEqualsTheStraightRunBitForBit() throws {
        _ = try run("straight")
        // stopped after step 6 (not a multiple of checkpoint.every: the signal writes its own)
        let (stopped, log) = try run("resumed", stopAfter: 6)
        XCTAssertEqual(stopped.stoppedBy, SIGUSR1)
        XCTAssertEqual(stopped.steps, 6)
        XCTAssertEqual(stopped.checkpoint?.lastPathComponent, "step-6")
        XCTAssertTrue(log.contains("SIGUSR1 received"), log)
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("resumed/checkpoints/latest"), encoding: .utf8), "step-6\n")
        // pretend the run went on logging after the checkpoint before it died: resume drops those lines
        let metrics = folder.appendingPathComponent("resumed/metrics.jsonl")
        let handle = try FileHandle(forWritingTo: metrics)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"type":"train","step":7,"loss":{"upos":9}}"#.utf8 + [0x0A]))
        try handle.close()

        let (finished, resumeLog) = try run("resumed", resume: "auto")
        XCTAssertNil(finished.stoppedBy)
        XCTAssertEqual(finished.steps, 12)
        XCTAssertTrue(resumeLog.contains("resuming at step 6"), resumeLog)
        // parameters and optimizer state: byte-identical at the checkpoint both runs wrote
        XCTAssertEqual(try shard("straight", step: 12), try shard("resumed", step: 12))
        XCTAssertEqual(try shard("straight", step: 8), try shard("resumed", step: 8))
        // every step logged once, with the same losses
        let a = try trainLosses("straight"), b = try trainLosses("resumed")
        XCTAssertEqual(b.map(\.step), Array(1...12))
        XCTAssertEqual(a.map(\.step), b.map(\.step))
        for (x, y) in zip(a, b) { XCTAssertEqual(x.loss, y.loss, "step \(x.step)") }
        // keep: 3 of the checkpoints 4, 6, 8, 12, and the file naming the run they belong to
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("resumed/checkpoints").path).sorted()
        XCTAssertEqual(names, ["latest", "owner.json", "step-12", "step-6", "step-8"])
    }

    /// (type, step) of each train and eval line of a run's metrics.jsonl, in file order.
    func loggedSteps(_ output: String) throws -> [String] {
        let text = try String(contentsOf: folder.appendingPathComponent("\(output)/metrics.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").compactMap { line in
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            guard let type = o["type"] as? String, type == "train" || type == "eval" else { return nil }
            return "\(type) \(o["step"] as! Int)"
        }
    }

    func testAFinishedRunResumedWithMoreStepsLogsAsTheStraightRun() throws {
        let longer = ["training.max_steps=20", "training.log_every=5"]
        _ = try run("straight", overrides: longer)
        // ends at step 12, not a multiple of log_every: its end-of-run line carries a partial window
        let (short, shortLog) = try run("extended", overrides: ["training.log_every=5"])
        XCTAssertEqual(short.steps, 12)
        XCTAssertTrue(try loggedSteps("extended").contains("train 12"), shortLog)
        let (extended, log) = try run("extended", overrides: longer, resume: "auto")
        XCTAssertEqual(extended.steps, 20, log)
        XCTAssertTrue(log.contains("resuming at step 12"), log)
        XCTAssertEqual(try loggedSteps("extended"), try loggedSteps("straight"))
        let a = try trainLosses("straight"), b = try trainLosses("extended")
        XCTAssertEqual(a.map(\.step), [5, 10, 15, 20])
        for (x, y) in zip(a, b) { XCTAssertEqual(x.loss, y.loss, "step \(x.step)") }
        XCTAssertEqual(try shard("straight", step: 20), try shard("extended", step: 20))
    }

    func testResumeIntoANewFolderLeavesTheOriginalUntouched() throws {
        _ = try run("first", stopAfter: 4)
        let original = try Data(contentsOf: folder.appendingPathComponent("first/metrics.jsonl"))
        let checkpoint = folder.appendingPathComponent("first/checkpoints/step-4").path
        let (summary, log) = try run("second", overrides: ["training.log_every=2"], resume: checkpoint)
        XCTAssertEqual(summary.steps, 12)
        XCTAssertTrue(log.contains("config changes allowed: training.log_every: 1 → 2"), log)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("first/metrics.jsonl")), original)
        XCTAssertEqual(try trainLosses("second").map(\.step), [1, 2, 3, 4, 6, 8, 10, 12])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("first/checkpoints/step-8").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("second/checkpoints/step-12").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("second/best/model.json").path))
    }

    func testConfigChangesThatAlterTheRunAreRefusedWithWhatDiffers() throws {
        _ = try run("first", stopAfter: 4)
        let checkpoint = folder.appendingPathComponent("first/checkpoints").path
        XCTAssertThrowsError(try run("second", overrides: ["encoder.word_dim=12", "training.learning_rate=0.5"], resume: checkpoint)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("encoder.word_dim: 8 → 12"), text)
            XCTAssertTrue(text.contains("training.learning_rate: 0.02 → 0.5"), text)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("second/metrics.jsonl").path))
        // the bound on sentence lengths changes the data; the bound on file sizes does not
        XCTAssertThrowsError(try run("third", overrides: ["training.max_sentence_tokens=2"], resume: checkpoint)) { error in
            XCTAssertTrue("\(error)".contains("training.max_sentence_tokens: 500 → 2"), "\(error)")
        }
        let (_, log) = try run("fourth", overrides: ["corpora.tiny.max_file_mb=1024"], resume: checkpoint)
        XCTAssertTrue(log.contains("config changes allowed: corpora.tiny.max_file_mb: 256 → 1024"), log)
    }

    func testDataThatBuildsOtherVocabulariesIsRefused() throws {
        _ = try run("first", stopAfter: 4)
        // one more training sentence with a new word and a new NER label
        let train = folder.appendingPathComponent("train.tsv")
        try (try String(contentsOf: train, encoding: .utf8) + "Zed\tPROPN\tB-ORG\n\n").write(to: train, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try run("first", resume: "auto")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("other vocabularies or label dictionaries"), text)
            XCTAssertTrue(text.contains("words:"), text)
            XCTAssertTrue(text.contains("task ner:"), text)
        }
    }

    func testResumeAutoWithoutACheckpointStartsFresh() throws {
        let (summary, log) = try run("fresh", resume: "auto")
        XCTAssertEqual(summary.steps, 12)
        XCTAssertTrue(log.contains("no complete checkpoint"), log)
    }

    func testLoadersAcceptACheckpointAndRefuseFuzzedManifests() throws {
        _ = try run("run", stopAfter: 4)
        let step = folder.appendingPathComponent("run/checkpoints/step-4")
        let model = try TrainedModel(url: step)
        XCTAssertEqual(model.metadata.step, 4)
        let reader = try CheckpointReader<CheckpointRecord>(directory: step)
        try reader.verify()
        var params = [Float](repeating: 0, count: model.model.store.count)
        try params.withUnsafeMutableBufferPointer { try reader.read(floats: 0..<$0.count, into: $0.baseAddress!) }
        XCTAssertEqual(params, Array(model.model.store.values.pointer))
        try ModelLoadingTests.fuzz(self, file: CheckpointReader<CheckpointRecord>.manifestURL(in: step), iterations: 1000, seed: 0x636B_7074) {
            let r = try CheckpointReader<CheckpointRecord>(directory: step)
            try r.verify()
            return try TrainedModel(url: step)
        }
    }
}
