import Foundation
import TestSupport
import XCTest

/// Preemption under a real SLURM (the one-node cluster `launch/slurm-local.sh` runs; `launch/test.sh`
/// starts it): `launch/slurm.sbatch` is submitted with a checkpoint interval, its batch shell gets
/// USR1 (`scancel --signal=USR1 --batch`, what `--signal=B:USR1@120` sends before a time limit), the
/// ranks save and exit 75, the script requeues the job, and the requeued job resumes with
/// `--resume auto` and finishes with every step logged once. Skips, saying why, when no local
/// SLURM runs.
final class SlurmPreemptionTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    func testAPreemptedJobIsRequeuedAndResumesFromItsCheckpoint() throws {
        let script = root.appendingPathComponent("launch/slurm-local.sh")
        guard FileManager.default.isExecutableFile(atPath: script.path) else {
            throw XCTSkip("no launch/slurm-local.sh in this tree: no local SLURM to submit to")
        }
        let status = try ProcessRun(["/bin/bash", script.path, "status"], timeout: 30)
        guard status.status == 0 else {
            throw XCTSkip("no local SLURM running (launch/slurm-local.sh status exited \(status.status); launch/test.sh starts one, or run launch/slurm-local.sh start)")
        }
        let env = try ProcessRun(["/bin/bash", script.path, "env"], timeout: 30)
        let conf = try XCTUnwrap(env.stdout.components(separatedBy: "SLURM_CONF=").last?
            .trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: "'\"")), "\(env)")
        let binary = try ProcessRun.mtlDist(candidates: [root.appendingPathComponent(".build/release/mtl-dist")]).path
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-dist-slurm-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: work) }
        let output = work.appendingPathComponent("run"), jobLog = work.appendingPathComponent("job.out")
        let slurm = ["SLURM_CONF": conf]
        func slurmCommand(_ arguments: [String]) throws -> ProcessRun {
            try ProcessRun(["/usr/bin/env"] + arguments, environment: slurm, timeout: 30)
        }

        // one node, two ranks of one core; the embedded corpus with a tiny model, 300 steps
        let submit = try ProcessRun(["/usr/bin/env", "sbatch", "--parsable", "--nodes=1", "--ntasks-per-node=2", "--cpus-per-task=1",
                                     "--open-mode=append", "--output=\(jobLog.path)", "--chdir=\(root.path)",
                                     "--export=ALL,MTL_DIST_BINARY=\(binary)",
                                     root.appendingPathComponent("launch/slurm.sbatch").path,
                                     "--output", output.path] + MTLDistSettings.tiny + [
                                        "--set", "training.max_steps=300", "--set", "checkpoint.every=50", "--set", "training.log_every=1"],
                                    environment: slurm, timeout: 30)
        XCTAssertEqual(submit.status, 0, "\(submit)")
        let job = submit.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ";").first.map(String.init) ?? ""
        addTeardownBlock { _ = try? ProcessRun(["/usr/bin/env", "scancel", job], environment: slurm, timeout: 30) }

        // once the job has trained a few steps, the time-limit warning
        XCTAssertTrue(wait(seconds: 120) { (try? String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8))?.contains("\"step\":5,") == true },
                      "the job did not start training: \(log(jobLog))")
        let signal = try slurmCommand(["scancel", "--signal=USR1", "--batch", job])
        XCTAssertEqual(signal.status, 0, "\(signal)")
        // the requeued job waits for its begin time (SLURM holds a requeued job about two minutes): start it now
        XCTAssertTrue(wait(seconds: 60) {
            (try? slurmCommand(["scontrol", "show", "job", job]))?.stdout.contains("Reason=BeginTime") == true
        }, "job \(job) was not requeued: \(log(jobLog))")
        let release = try slurmCommand(["scontrol", "update", "JobId=\(job)", "StartTime=now"])
        XCTAssertEqual(release.status, 0, "\(release)")
        XCTAssertTrue(wait(seconds: 240) {
            (try? slurmCommand(["scontrol", "show", "job", job]))?.stdout.contains("JobState=COMPLETED") == true
        }, "job \(job) did not complete: \((try? slurmCommand(["scontrol", "show", "job", job]))?.stdout ?? "")\n\(log(jobLog))")

        let text = log(jobLog)
        for expected in ["(SIGUSR1 received: stopping)", "srun exited with status 75", "requeueing job \(job)",
                         "resume auto: continuing from \(output.path)/checkpoints/step-", "done: 300 steps"] {
            XCTAssertTrue(text.contains(expected), "expected '\(expected)' in the job log:\n\(text)")
        }
        XCTAssertTrue((try slurmCommand(["scontrol", "show", "job", job])).stdout.contains("Restarts=1"))
        let steps = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["type"] as? String == "train" }.compactMap { $0["step"] as? Int }
        XCTAssertEqual(steps, Array(1...300))
    }

    private func log(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "(no job log yet)" }

    /// Polls `condition` every 0.2 s for up to `seconds`.
    private func wait(seconds: Double, _ condition: () -> Bool) -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if condition() { return true }
            usleep(200_000)
        }
        return condition()
    }
}

/// A model small enough that 300 steps take seconds: `--set` pairs (as the distributed tests use).
enum MTLDistSettings {
    static let tiny = ["--set", "encoder.word_dim=16", "--set", "encoder.char_dim=8", "--set", "encoder.char_hidden=8",
                       "--set", "encoder.shared_hidden=16"]
}
