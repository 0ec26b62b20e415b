import Foundation
import TestSupport
import XCTest

/// `train --trace FILE` through the binary on two ranks: one track per rank with every step's
/// phases (numbered), the exchange each strategy makes, evaluation and checkpoint saves; a folder
/// as the trace file is refused before anything runs.
final class TraceTests: XCTestCase {
    private func events(_ url: URL) throws -> [[String: Any]] {
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        return try XCTUnwrap(document["traceEvents"] as? [[String: Any]])
    }

    private func spans(_ events: [[String: Any]], rank: Int, named name: String) -> [[String: Any]] {
        events.filter { $0["pid"] as? Int == rank && $0["ph"] as? String == "X" && $0["name"] as? String == name }
    }

    func testTwoRanksTraceEveryPhaseOfEveryStepForEachExchange() throws {
        let root = try temporaryDirectory()
        let strategies: [(String, [String: String], [String])] = [
            ("dense", [:], ["waiting for ranks", "all-reduce"]),
            ("touched", ["training.sparse_allreduce": "true"], ["waiting for ranks", "all-reduce of the touched rows"]),
            ("sharded", ["training.sharded_update": "true"], ["waiting for ranks", "reduce-scatter", "all-gather"]),
            ("overlap", ["training.allreduce_bucket_mb": "0.05", "training.overlap_allreduce": "true"], ["waiting for the bucket exchanges"]),
        ]
        for (name, settings, exchange) in strategies {
            let trace = root.appendingPathComponent("\(name).json")
            let run = try MTLDist.mpirun(2, ["train", "--output", root.appendingPathComponent(name).path, "--trace", trace.path]
                                         + MTLDist.tinyModel + MTLDist.settings(settings.merging(
                                            ["training.max_steps": "4", "training.batch_size": "8", "checkpoint.every": "2"]) { $1 }))
            XCTAssertEqual(run.status, 0, "\(name)\n\(run)")
            XCTAssertTrue(run.stdout.contains("trace: \(trace.path)"), "\(run)")
            let all = try events(trace)
            for rank in 0..<2 {
                for phase in ["forward", "backward", "update"] + exchange {
                    let steps = spans(all, rank: rank, named: phase).compactMap { ($0["args"] as? [String: Any])?["step"] as? Int }
                    XCTAssertEqual(Set(steps), Set(1...4), "\(name), rank \(rank), \(phase)")
                }
                XCTAssertEqual(spans(all, rank: rank, named: "checkpoint save").count, 2, "\(name), rank \(rank)")
                XCTAssertFalse(spans(all, rank: rank, named: "evaluation").isEmpty, "\(name), rank \(rank)")
            }
            if name == "overlap" {
                XCTAssertTrue(all.contains { ($0["name"] as? String)?.hasPrefix("bucket 1 exchange started") == true && $0["pid"] as? Int == 1 })
            }
        }
    }

    func testAFolderAsTheTraceFileIsRefusedBeforeTraining() throws {
        let root = try temporaryDirectory()
        let run = try MTLDist.run(["train", "--output", root.appendingPathComponent("r").path, "--trace", root.path])
        XCTAssertNotEqual(run.status, 0, "\(run)")
        XCTAssertTrue(run.stderr.contains("is a folder: give a file name"), "\(run)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("r").path))
    }
}
