import Foundation
import TestSupport
import XCTest

/// `launch/slurm.sbatch` submitted with `sbatch` to a real one-node SLURM (`launch/slurm-local.sh`:
/// munge, slurmctld and slurmd on this machine), the ranks started by `srun --mpi=pmix`. Skipped,
/// with the script's reason, where the daemons cannot run (status 77: not root, no apt-get...).
/// When the cluster is not running already (CI's `launch/test.sh` starts it), the test starts it
/// and stops it again at the end. A requeued job appends to its output file (`--open-mode=append`).
final class SlurmBatchTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    private var sbatchScript: URL { root.appendingPathComponent("launch/slurm.sbatch") }
    /// `SLURM_CONF` of the local cluster, for every SLURM command the test runs.
    private var slurmEnvironment: [String: String] = [:]

    /// Two tasks train a tiny model for a few steps: the job completes with exit code 0, its output
    /// holds rank 0's log once (the other rank prints nothing) and the run's model is written.
    func testTwoTasksTrainUnderSrunAndOnlyRankZeroPrints() throws {
        try startCluster()
        let folder = try temporaryDirectory()
        let output = folder.appendingPathComponent("run")
        let job = try submit(folder, train: ["--output", output.path, "--set", "training.max_steps=4"])
        let state = try waitForEnd(of: job)
        let log = try jobOutput(folder, job)
        XCTAssertEqual(state.state, "COMPLETED", "\(state.line)\n\(log)")
        XCTAssertEqual(state.exitCode, "0:0", "\(state.line)\n\(log)")
        XCTAssertTrue(log.contains("slurm.sbatch: job \(job): 2 ranks on 1 nodes, OPENBLAS_NUM_THREADS=1"), log)
        XCTAssertEqual(log.occurrences(of: "training upos + ner on 2 ranks"), 1, "rank 0's log, once\n\(log)")
        XCTAssertEqual(log.occurrences(of: "training sentences per task"), 1, "only rank 0 prints\n\(log)")
        XCTAssertEqual(log.occurrences(of: "done: 4 steps"), 1, log)
        XCTAssertTrue(log.contains("slurm.sbatch: srun exited with status 0"), log)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("best/parameters.bin").path),
                      "the run's model\n\(log)")
    }

    /// Preemption: what SLURM does before the time limit with `--signal=B:USR1@120`, sent now with
    /// `scancel --signal=USR1 --batch`. USR1 reaches the batch shell only, which forwards it to
    /// srun, which passes it to every rank; the ranks agree at the next step, save a checkpoint and
    /// exit 75; the script requeues the job; the requeued job resumes with `--resume auto` from that
    /// checkpoint and finishes, with every step in metrics.jsonl once.
    func testAPreemptedJobSavesIsRequeuedAndResumesFromItsCheckpoint() throws {
        try startCluster()
        let folder = try temporaryDirectory()
        let output = folder.appendingPathComponent("run")
        let job = try submit(folder, train: ["--output", output.path, "--set", "training.max_steps=300",
                                             "--set", "checkpoint.every=50", "--set", "training.log_every=1"])
        // the ranks are past start-up once rank 0 has logged training step 5
        let metrics = output.appendingPathComponent("metrics.jsonl")
        XCTAssertTrue(poll(seconds: 60) { (try? String(contentsOf: metrics, encoding: .utf8))?.contains("\"step\":5,") == true },
                      "the job did not start training within 60 s\n\((try? jobOutput(folder, job)) ?? "")")
        let scancel = try slurm("scancel", ["--signal=USR1", "--batch", job])
        XCTAssertEqual(scancel.status, 0, "\(scancel)")
        // SLURM holds a requeued job (Reason=BeginTime, about two minutes) before it starts again by
        // itself, as on a cluster. Releasing it early with `scontrol update StartTime=now` made the
        // second batch launch fail now and then (exit 1, no output), so the test waits as a job would.
        XCTAssertTrue(poll(seconds: 60) {
            ((try? slurm("scontrol", ["show", "job", "--oneliner", job]))?.stdout ?? "").contains("Restarts=1")
        }, "job \(job) was not requeued\n\((try? jobOutput(folder, job)) ?? "")")
        let state = try waitForEnd(of: job, seconds: 400)
        let log = try jobOutput(folder, job)
        XCTAssertEqual(state.state, "COMPLETED", "\(state.line)\n\(log)")
        XCTAssertEqual(state.exitCode, "0:0", "\(state.line)\n\(log)")
        XCTAssertEqual(field("Restarts", state.line), "1", state.line)
        for expected in ["slurm.sbatch: USR1 (time limit or preemption near): forwarding to the ranks",
                         "(SIGUSR1 received: stopping)", "slurm.sbatch: srun exited with status 75",
                         "requeueing job \(job)", "resume auto: continuing from \(output.path)/checkpoints/step-",
                         "done: 300 steps", "slurm.sbatch: srun exited with status 0"] {
            XCTAssertTrue(log.contains(expected), "expected '\(expected)' in the job log:\n\(log)")
        }
        let steps = try String(contentsOf: metrics, encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["type"] as? String == "train" }.compactMap { $0["step"] as? Int }
        XCTAssertEqual(steps, Array(1...300), "every step logged once across the two runs of the job")
    }

    /// Polls `condition` every 0.25 s for up to `seconds`.
    private func poll(seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.25)
        }
        return condition()
    }

    // MARK: - helpers

    /// Starts the local cluster unless it runs; throws XCTSkip when it cannot run here.
    private func startCluster() throws {
        slurmEnvironment = try startLocalSlurm()
    }

    /// `sbatch launch/slurm.sbatch TRAIN-ARGS` with one node, two tasks of one core each, the job's
    /// output in `folder`; returns the job id. The job is cancelled when the test ends.
    private func submit(_ folder: URL, train: [String]) throws -> String {
        let binary = try ProcessRun.mtlDist(candidates: [root.appendingPathComponent(".build/release/mtl-dist")])
        let tiny = ["encoder.word_dim=16", "encoder.char_dim=8", "encoder.char_hidden=8", "encoder.shared_hidden=16"]
            .flatMap { ["--set", $0] }
        let run = try slurm("sbatch", ["--parsable", "--nodes=1", "--ntasks=2", "--ntasks-per-node=2", "--cpus-per-task=1",
                                       "--time=5", "--chdir=\(folder.path)", "--output=\(folder.path)/job-%j.out", "--open-mode=append",
                                       "--export=ALL,MTL_DIST_BINARY=\(binary.path)", sbatchScript.path]
                                      + tiny + train)
        let job = run.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        guard run.status == 0, !job.isEmpty, job.allSatisfy(\.isNumber) else {
            XCTFail("sbatch: \(run)")
            throw SlurmTestFailure(description: "sbatch did not submit the job")
        }
        addTeardownBlock { [self] in _ = try? slurm("scancel", [job]) }
        return job
    }

    /// Polls `scontrol show job` until the job has ended (at most 120 s).
    private func waitForEnd(of job: String, seconds: TimeInterval = 120) throws -> (state: String, exitCode: String, line: String) {
        let deadline = Date().addingTimeInterval(seconds)
        var line = ""
        while Date() < deadline {
            line = try slurm("scontrol", ["show", "job", "--oneliner", job]).stdout
            let state = field("JobState", line)
            if !["PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", ""].contains(state) {
                return (state, field("ExitCode", line), line)
            }
            Thread.sleep(forTimeInterval: 0.25)
        }
        XCTFail("job \(job) still not finished after \(Int(seconds)) s: \(line)")
        throw SlurmTestFailure(description: "job \(job) did not end")
    }

    /// The value of `NAME=value` in scontrol's one-line output.
    private func field(_ name: String, _ line: String) -> String {
        line.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix(name + "=") }
            .map { String($0.dropFirst(name.count + 1)) } ?? ""
    }

    private func jobOutput(_ folder: URL, _ job: String) throws -> String {
        try String(contentsOf: folder.appendingPathComponent("job-\(job).out"), encoding: .utf8)
    }

    /// A SLURM command against the local cluster.
    private func slurm(_ command: String, _ arguments: [String]) throws -> ProcessRun {
        try runScript(URL(fileURLWithPath: "/usr/bin/env"), [command] + arguments, setting: slurmEnvironment)
    }
}

private struct SlurmTestFailure: Error, CustomStringConvertible {
    let description: String
}

private extension String {
    func occurrences(of text: String) -> Int { components(separatedBy: text).count - 1 }
}
