import Foundation
import TestSupport
import XCTest

/// `train --resume` without `--config`/`--set` continues with the config the checkpoint stored, so
/// the command the stop message prints works as printed; a refused resume says "cannot resume"
/// and names every key that would change.
final class ResumeFromStoredConfigTests: XCTestCase {
    /// A run started with `--config C` and `--set`s (a learning rate the built-in config does not
    /// have): 100 steps, a checkpoint every 25.
    private let started = ["--config", MTLDist.defaultConfig.path] + MTLDist.tinyModel + MTLDist.settings([
        "training.max_steps": "100", "training.batch_size": "8", "training.learning_rate": "0.07",
        "training.log_every": "1", "training.seed": "3", "checkpoint.every": "25",
    ])

    func testTheStopMessagesResumeCommandWorksAsPrinted() throws {
        let root = try temporaryDirectory()
        let straight = root.appendingPathComponent("straight")
        XCTAssertEqual(try MTLDist.run(["train", "--output", straight.path] + started).status, 0)
        // a folder name a shell would split: the printed command must quote it
        let output = root.appendingPathComponent("stopped run")
        let stopped = try ProcessRun([try MTLDist.binary(), "train", "--output", output.path] + started,
                                     environment: MTLDist.environment, timeout: MTLDist.timeout) { pid in
            let metrics = output.appendingPathComponent("metrics.jsonl")
            for _ in 0..<3000 {
                if let text = try? String(contentsOf: metrics, encoding: .utf8), text.contains("\"step\":3,") { break }
                usleep(2000)
            }
            kill(pid, SIGUSR1)
        }
        XCTAssertEqual(stopped.status, 75, "\(stopped)")
        let printed = try XCTUnwrap(stopped.stdout.components(separatedBy: "\n").first { $0.hasPrefix("resume with: ") },
                                    "no resume command in \(stopped)").dropFirst("resume with: ".count)
        XCTAssertFalse(printed.contains("--config") || printed.contains("--set"), String(printed))
        // run exactly what was printed, by a shell that finds mtl-dist on PATH
        // the binary under its own name (MTL_DIST_BINARY may name a copy)
        let binaryFolder = root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: binaryFolder, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: binaryFolder.appendingPathComponent("mtl-dist").path,
                                                   withDestinationPath: try MTLDist.binary())
        let resumed = try ProcessRun(["/bin/sh", "-c", String(printed)],
                                     environment: MTLDist.environment.merging(
                                        ["PATH": binaryFolder.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]) { $1 },
                                     timeout: MTLDist.timeout)
        XCTAssertEqual(resumed.status, 0, "\(resumed)")
        XCTAssertTrue(resumed.stdout.contains("config: stored with the run (--resume auto)"), "\(resumed)")
        XCTAssertFalse(resumed.stdout.contains("config changes allowed"), "\(resumed)")
        // the continued run is the straight one, bit for bit
        XCTAssertEqual(try CheckpointState(output, step: 100).bytes, try CheckpointState(straight, step: 100).bytes)
        let steps = try metricsLines(output).filter { $0["type"] as? String == "train" }.compactMap { $0["step"] as? Int }
        XCTAssertEqual(steps, Array(1...100))
    }

    func testARefusedResumeSaysCannotResumeAndListsEveryKey() throws {
        let root = try temporaryDirectory()
        let first = root.appendingPathComponent("first")
        XCTAssertEqual(try MTLDist.run(["train", "--output", first.path] + started).status, 0)
        let checkpoint = first.appendingPathComponent("checkpoints/step-50").path
        let refused = try MTLDist.run(["train", "--resume", checkpoint, "--output", root.appendingPathComponent("refused").path,
                                       "--set", "training.learning_rate=0.5", "--set", "encoder.word_dim=32"])
        XCTAssertNotEqual(refused.status, 0, "\(refused)")
        let message = refused.stdout + refused.stderr
        for text in ["cannot resume:", checkpoint, "training.learning_rate: 0.07 → 0.5", "encoder.word_dim: 16 → 32", "checkpoint.*"] {
            XCTAssertTrue(message.contains(text), "'\(text)' missing from \(refused)")
        }
        XCTAssertFalse(message.contains("not a usable model"), "\(refused)")
        // safe changes are listed, booleans as true/false
        let allowed = try MTLDist.run(["train", "--resume", checkpoint, "--output", root.appendingPathComponent("allowed").path,
                                       "--set", "training.max_steps=60", "--set", "training.sharded_update=true"])
        XCTAssertEqual(allowed.status, 0, "\(allowed)")
        for text in ["training.max_steps: 100 → 60", "training.sharded_update: false → true"] {
            XCTAssertTrue(allowed.stdout.contains(text), "'\(text)' missing from \(allowed)")
        }
    }
}
