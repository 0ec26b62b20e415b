import Foundation
import TestSupport
import XCTest

/// `training.exchange` through the binary at np 2: `auto` logs what it measured, each strategy's
/// predicted step and its choice, and trains exactly what the chosen fixed value trains; a fixed
/// value trains what its switches train; a switch beside a non-manual value is refused.
final class ExchangeChoiceTests: XCTestCase {
    private let run = MTLDist.tinyModel + MTLDist.settings([
        "training.max_steps": "4", "training.batch_size": "8", "training.log_every": "1", "encoder.dropout": "0.2",
    ])

    private func train(_ output: URL, _ settings: [String: String]) throws -> (ProcessRun, String) {
        let result = try MTLDist.mpirun(2, ["train", "--output", output.path] + run + MTLDist.settings(settings))
        XCTAssertEqual(result.status, 0, "\(settings)\n\(result)")
        let losses = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").filter { $0.contains("\"type\":\"train\"") }
            .map { line -> String in
                let o = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                let loss = (o["loss"] as! [String: Double]).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                return "\(o["step"]!) " + loss.joined(separator: ", ")
            }
        return (result, losses.joined(separator: "\n"))
    }

    func testAutoLogsItsPredictionsAndTrainsWhatItsChoiceTrains() throws {
        let root = try temporaryDirectory()
        let (auto, autoLosses) = try train(root.appendingPathComponent("auto"), ["training.exchange": "auto"])
        for part in ["exchange auto: all-reduce", "-> alpha", "(slowest rank)", "predicted step dense"] {
            XCTAssertTrue(auto.stdout.contains(part), "\(part)\n\(auto)")
        }
        let line = try XCTUnwrap(auto.stdout.split(separator: "\n").first { $0.contains("exchange auto: predicted step") })
        let chosen = try XCTUnwrap(line.components(separatedBy: "-> ").last).trimmingCharacters(in: .whitespaces)
        XCTAssertTrue(["dense", "touched", "overlap", "sharded"].contains(chosen), "\(line)")
        let (_, fixedLosses) = try train(root.appendingPathComponent("fixed"), ["training.exchange": chosen])
        XCTAssertEqual(autoLosses, fixedLosses, "auto chose \(chosen)")
    }

    func testFixedValuesTrainWhatTheirSwitchesTrain() throws {
        let root = try temporaryDirectory()
        for (value, switches, plan) in [("touched", ["training.sparse_allreduce": "true"], "touched embedding rows"),
                                        ("sharded", ["training.sharded_update": "true"], "sharded update")] {
            let (fixed, a) = try train(root.appendingPathComponent(value), ["training.exchange": value])
            let (_, b) = try train(root.appendingPathComponent(value + "-switch"), switches)
            XCTAssertEqual(a, b, value)
            XCTAssertTrue(fixed.stdout.contains(plan), "\(fixed)")
        }
        let refused = try MTLDist.run(["config", "check", MTLDist.defaultConfig.path, "--set", "training.exchange=dense", "--set", "training.sparse_allreduce=true"])
        XCTAssertNotEqual(refused.status, 0, "\(refused)")
        XCTAssertTrue(refused.stderr.contains("training.exchange decides the exchange unless it is manual"), "\(refused)")
    }
}
