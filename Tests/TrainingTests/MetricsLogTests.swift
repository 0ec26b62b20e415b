import Foundation
import TestSupport
import Training
import XCTest

/// What a resumed run keeps of `metrics.jsonl`: the lines of the steps up to the checkpoint, never
/// the records of the end of a run (`test`, `throughput`), which the resumed run writes again once.
final class MetricsLogTests: XCTestCase {
    func testResumeKeepsStepLinesAndDropsEndOfRunRecords() throws {
        let folder = try temporaryDirectory()
        let source = folder.appendingPathComponent("metrics.jsonl"), kept = folder.appendingPathComponent("kept.jsonl")
        let log = try MetricsLog(url: source)
        try log.append(["type": "train", "step": 5, "loss": ["ner": 1.5]])
        try log.append(["type": "eval", "split": "dev", "step": 10, "tasks": [String: Any](), "main_score": 0.5])
        try log.append(["type": "train", "step": 15, "loss": ["ner": 1.0]])
        try log.append(["type": "test", "split": "test", "best_step": 10, "tasks": [String: Any](), "main_score": 0.4])
        try log.append(["type": "throughput", "sentences": 10])
        for (step, expected) in [(10, ["train", "eval"]), (20, ["train", "eval", "train"])] {
            try MetricsLog.keepLines(upTo: step, from: source, to: kept)
            let types = try String(contentsOf: kept, encoding: .utf8).split(separator: "\n").map { line in
                (try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])?["type"] as? String ?? "?"
            }
            XCTAssertEqual(types, expected, "kept up to step \(step)")
        }
    }
}
