import Foundation
import TestSupport
import XCTest

/// `training.exchange` through the binary at np 2: `auto` (the default) on one host takes the dense sum without
/// measuring; across two emulated hosts it logs what it measured, each strategy's predicted step and
/// its choice, and trains exactly what the chosen fixed value trains; a fixed value trains what its
/// switches train; a switch beside a non-manual value is refused.
final class ExchangeChoiceTests: XCTestCase {
    private let run = MTLDist.tinyModel + MTLDist.settings([
        "training.max_steps": "4", "training.batch_size": "8", "training.log_every": "1", "encoder.dropout": "0.2",
    ])

    private func train(_ output: URL, _ settings: [String: String], hosts: Int = 1) throws -> (ProcessRun, String) {
        let arguments = ["train", "--output", output.path] + run + MTLDist.settings(settings)
        let result: ProcessRun
        if hosts == 1 {
            result = try MTLDist.mpirun(2, arguments)
        } else {
            // two emulated hosts (network namespaces, a shaped link): skipped without root or tc
            let script = ProcessRun.packageRoot.appendingPathComponent("launch/emulated-cluster.sh")
            result = try ProcessRun(["/bin/bash", script.path, "--hosts", "\(hosts)", "--rate", "100mbit", "--binary", try MTLDist.binary(),
                                     "--timeout", "80", "--"] + arguments, removing: ["OPENBLAS_NUM_THREADS"], timeout: MTLDist.timeout)
            if result.status == 77 { throw XCTSkip(result.lines.last { $0.hasPrefix("SKIP: ") } ?? "emulated-cluster.sh skipped: \(result)") }
        }
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

    func testAutoOnOneHostTakesTheDenseSumWithoutMeasuring() throws {
        let root = try temporaryDirectory()
        // no `exchange` set: `auto` is the default
        let (auto, autoLosses) = try train(root.appendingPathComponent("auto"), [:])
        XCTAssertTrue(auto.stdout.contains("exchange auto: the 2 ranks share one host (shared memory): dense"), "\(auto)")
        XCTAssertFalse(auto.stdout.contains("predicted step"), "nothing measured on one host\n\(auto)")
        let (_, denseLosses) = try train(root.appendingPathComponent("dense"), ["training.exchange": "dense"])
        XCTAssertEqual(autoLosses, denseLosses)
    }

    func testAutoAcrossHostsLogsItsPredictionsAndTrainsWhatItsChoiceTrains() throws {
        let root = try temporaryDirectory()
        let (auto, autoLosses) = try train(root.appendingPathComponent("auto"), ["training.exchange": "auto"], hosts: 2)
        for part in ["exchange auto: 2 ranks on 2 hosts; all-reduce", "-> alpha", "reduce-scatter + all-gather",
                     "non-blocking all-reduce", "(slowest rank)", "predicted step dense"] {
            XCTAssertTrue(auto.stdout.contains(part), "\(part)\n\(auto)")
        }
        // when each bucket of the overlapped sum could start, measured in the probe's backward: in order, within it
        let compute = try XCTUnwrap(auto.stdout.split(separator: "\n").first { $0.contains("(slowest rank)") })
        let fractions = try XCTUnwrap(compute.components(separatedBy: " ready after ").last?.components(separatedBy: " of backward").first,
                                      "\(compute)").components(separatedBy: ", ").compactMap(Double.init)
        XCTAssertFalse(fractions.isEmpty, "\(compute)")
        XCTAssertEqual(fractions, fractions.sorted(), "\(compute)")
        XCTAssertTrue(fractions.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(compute)")
        let line = try XCTUnwrap(auto.stdout.split(separator: "\n").first { $0.contains("exchange auto: predicted step") })
        let chosen = try XCTUnwrap(line.components(separatedBy: "-> ").last).trimmingCharacters(in: .whitespaces)
        XCTAssertTrue(["dense", "touched", "overlap", "sharded"].contains(chosen), "\(line)")
        let (_, fixedLosses) = try train(root.appendingPathComponent("fixed"), ["training.exchange": chosen], hosts: 2)
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
