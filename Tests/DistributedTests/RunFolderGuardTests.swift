import Foundation
import TestSupport
import XCTest

/// The run folder guarded, through the built binary: `--resume auto` never replaces a finished
/// run's `best/` or `metrics.jsonl`, a checkpoint directory is written by its own run only, two
/// trainings never share an `--output`, old checkpoints are removed by way of a leftover name, and
/// a resume into a new folder copies only what is proven to be the checkpoint's run. Every case
/// compares the earlier run's bytes before and after.
final class RunFolderGuardTests: XCTestCase {
    /// A tiny run on the embedded corpus: 8 steps, a dev evaluation every 4.
    private let run = MTLDist.tinyModel + MTLDist.settings([
        "training.max_steps": "8", "training.batch_size": "8", "training.log_every": "1", "training.eval_every": "4",
    ])

    private func train(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> ProcessRun {
        try MTLDist.run(["train"] + arguments, file: file, line: line)
    }

    /// The steps of the `train` lines of OUTPUT/metrics.jsonl.
    private func trainSteps(_ output: URL) throws -> [Int] {
        try metricsLines(output).filter { $0["type"] as? String == "train" }.compactMap { $0["step"] as? Int }
    }

    /// `train --resume auto --output OUTPUT SETTINGS` finishes, resuming at `step` (any step when nil).
    private func assertResumes(_ output: URL, _ settings: [String], at step: Int? = nil,
                               file: StaticString = #filePath, line: UInt = #line) throws {
        let resumed = try train(["--resume", "auto", "--output", output.path] + settings, file: file, line: line)
        XCTAssertEqual(resumed.status, 0, "\(resumed)", file: file, line: line)
        XCTAssertTrue(resumed.stdout.contains("resuming at step" + (step.map { " \($0)" } ?? "")), "\(resumed)", file: file, line: line)
    }

    /// `--resume auto` over a finished run without a checkpoint is refused, the run's files byte for
    /// byte as they were; in a new or empty folder it is a fresh start.
    func testResumeAutoRefusesAFinishedRunWithoutACheckpointAndStartsAnEmptyOrNewFolder() throws {
        let root = try temporaryDirectory()
        let finished = root.appendingPathComponent("finished")
        XCTAssertEqual(try train(["--output", finished.path] + run).status, 0)
        let before = try FolderBytes(finished, only: ["best", "metrics.jsonl"])
        XCTAssertFalse(before.files.isEmpty)
        // what launch/slurm.sbatch runs when the job is submitted again
        let again = try train(["--resume", "auto", "--output", finished.path] + run)
        XCTAssertNotEqual(again.status, 0, "\(again)")
        XCTAssertTrue(again.stderr.contains("holds a run (best/ (step "), "\(again)")
        XCTAssertTrue(again.stderr.contains("metrics.jsonl (") && again.stderr.contains("finished)"), "\(again)")
        XCTAssertTrue(again.stderr.contains("choose a new --output"), "\(again)")
        XCTAssertEqual(try FolderBytes(finished, only: ["best", "metrics.jsonl"]), before)
        // a new folder and an empty one: --resume auto is a fresh start
        for name in ["new/deeper", "empty"] {
            let output = root.appendingPathComponent(name)
            if name == "empty" { try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true) }
            let fresh = try train(["--resume", "auto", "--output", output.path] + run)
            XCTAssertEqual(fresh.status, 0, "\(name): \(fresh)")
            XCTAssertTrue(fresh.stdout.contains("starting from the beginning"), "\(name): \(fresh)")
            XCTAssertEqual(try trainSteps(output).last, 8, name)
        }
    }

    /// A checkpoint directory belongs to the run that first saved into it: another run (fresh,
    /// `--resume auto` in another folder, or resumed into a new folder) is refused naming the owner.
    func testACheckpointDirectoryIsWrittenByItsOwnRunOnly() throws {
        let root = try temporaryDirectory()
        let shared = root.appendingPathComponent("shared-checkpoints")
        let a = root.appendingPathComponent("a")
        let withShared = run + MTLDist.settings(["checkpoint.every": "4", "checkpoint.directory": shared.path])
        XCTAssertEqual(try train(["--output", a.path] + withShared).status, 0)
        let owner = try JSONSerialization.jsonObject(with: Data(contentsOf: shared.appendingPathComponent("owner.json"))) as? [String: Any]
        let runID = try String(contentsOf: a.appendingPathComponent("run-id"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(owner?["run_id"] as? String, runID)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: shared.appendingPathComponent("step-8/manifest.json"))) as? [String: Any]
        XCTAssertEqual((manifest?["training"] as? [String: Any])?["run_id"] as? String, runID)
        let before = try FolderBytes(shared), beforeA = try FolderBytes(a, only: ["best", "metrics.jsonl"])
        let cases: [(String, [String])] = [
            ("fresh", ["--output", root.appendingPathComponent("b").path]),
            ("auto", ["--resume", "auto", "--output", root.appendingPathComponent("c").path]),
            ("into-new", ["--resume", shared.appendingPathComponent("step-4").path, "--output", root.appendingPathComponent("d").path]),
        ]
        for (name, arguments) in cases {
            let second = try train(arguments + withShared)
            XCTAssertNotEqual(second.status, 0, "\(name): \(second)")
            XCTAssertTrue(second.stderr.contains(runID) || second.stderr.contains(a.path), "\(name): names the owner: \(second)")
            XCTAssertEqual(try FolderBytes(shared), before, name)
        }
        XCTAssertEqual(try FolderBytes(a, only: ["best", "metrics.jsonl"]), beforeA)
        // a directory without an owner (an older version's) that holds checkpoints is not taken over either
        try FileManager.default.removeItem(at: shared.appendingPathComponent("owner.json"))
        let unowned = try FolderBytes(shared)
        let fresh = try train(["--output", root.appendingPathComponent("e").path] + withShared)
        XCTAssertNotEqual(fresh.status, 0, "\(fresh)")
        XCTAssertTrue(fresh.stderr.contains("already holds checkpoints (step-4, step-8)"), "\(fresh)")
        XCTAssertEqual(try FolderBytes(shared), unowned)
        // the owner itself continues: a longer run resumed in place
        try assertResumes(a, withShared + MTLDist.settings(["training.max_steps": "12"]), at: 8)
    }

    /// A second training on a running one's `--output`, alone or under mpirun, is refused with the
    /// holder's PID, and the first run's metrics.jsonl holds every step once; a holder killed with
    /// SIGKILL leaves no lock behind.
    func testASecondTrainingOnTheSameFolderIsRefusedWithTheHoldersPID() throws {
        let root = try temporaryDirectory()
        let output = root.appendingPathComponent("run")
        let long = run + MTLDist.settings(["training.max_steps": "100000", "training.eval_every": "100000", "checkpoint.every": "5"])
        var seconds: [ProcessRun] = []
        var holder: Int32 = -1
        let first = try ProcessRun([try MTLDist.binary(), "train", "--output", output.path] + long,
                                   environment: MTLDist.environment, timeout: 30) { pid in
            holder = pid
            let metrics = output.appendingPathComponent("metrics.jsonl")
            for _ in 0..<5000 {
                if let text = try? String(contentsOf: metrics, encoding: .utf8), text.contains("\"step\":12,") { break }
                usleep(2000)
            }
            for np in [1, 2] {
                if let second = try? MTLDist.ranks(np, ["train", "--output", output.path] + long, timeout: 20) { seconds.append(second) }
            }
            kill(pid, SIGKILL)
        }
        XCTAssertEqual(first.status, 9, "\(first)")
        XCTAssertEqual(seconds.count, 2)
        for second in seconds {
            XCTAssertNotEqual(second.status, 0, "\(second)")
            XCTAssertTrue(second.stderr.contains("in use by another training (PID \(holder) holds"), "\(second)")
        }
        let steps = try trainSteps(output)
        XCTAssertEqual(steps, Array(1...steps.count), "every step once, in order")
        // the kernel released the lock with the process: the run continues from its checkpoint
        try assertResumes(output, long + MTLDist.settings(["training.max_steps": "\(steps.count + 2)"]))
    }

    /// Rank 0 killed after an old checkpoint was renamed to its leftover name and before it was
    /// deleted: the directory holds complete checkpoints and a leftover, which loading ignores and
    /// the next save removes.
    func testAKillDuringTheRemovalOfAnOldCheckpointLeavesALeftoverTheNextSaveRemoves() throws {
        let root = try temporaryDirectory()
        let output = root.appendingPathComponent("run")
        let settings = run + MTLDist.settings(["training.max_steps": "16", "checkpoint.every": "4", "checkpoint.keep": "1"])
        let killed = try ProcessRun([try MTLDist.binary(), "train", "--output", output.path] + settings,
                                    environment: MTLDist.environment.merging(["MTL_DIST_TEST_KILL_AT": "old-renamed:0:12"]) { $1 },
                                    timeout: MTLDist.timeout)
        XCTAssertNotEqual(killed.status, 0, "\(killed)")
        let checkpoints = output.appendingPathComponent("checkpoints")
        let names = try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).sorted()
        XCTAssertEqual(names, [".step-8.removing", "latest", "owner.json", "step-12"])
        let verify = try MTLDist.run(["checkpoint", "verify", checkpoints.path])
        XCTAssertEqual(verify.status, 0, "\(verify)")
        XCTAssertTrue(verify.stdout.contains("step 12,"), "\(verify)")
        try assertResumes(output, settings, at: 12)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: checkpoints.path).sorted(), ["latest", "owner.json", "step-16"])
    }

    /// `--resume DIR --output NEW` copies the original folder's `best/` and metrics only when they
    /// are proven to be the checkpoint's run: not from another run written to the same path since,
    /// and not a `best/` other than the one the checkpoint records.
    func testAResumeIntoANewFolderCopiesOnlyWhatIsProvenToBeTheSameRun() throws {
        let root = try temporaryDirectory()
        let a = root.appendingPathComponent("a")
        let settings = run + MTLDist.settings(["checkpoint.every": "4"])
        XCTAssertEqual(try train(["--output", a.path] + settings).status, 0)
        let saved = root.appendingPathComponent("saved-step-8")
        try FileManager.default.copyItem(at: a.appendingPathComponent("checkpoints/step-8"), to: saved)
        // the same run: metrics up to step 8 and best/ copied
        let b = root.appendingPathComponent("b")
        let same = try train(["--resume", saved.path, "--output", b.path] + settings)
        XCTAssertEqual(same.status, 0, "\(same)")
        XCTAssertFalse(same.stdout.contains("not copied"), "\(same)")
        XCTAssertEqual(try FolderBytes(b, only: ["best"]), try FolderBytes(a, only: ["best"]))
        XCTAssertEqual(try trainSteps(b).prefix(8), Array(1...8)[...])
        // best/ of the same run but not the recorded model (another run's best/ put there): metrics only
        let other = root.appendingPathComponent("other")
        XCTAssertEqual(try train(["--output", other.path] + settings + MTLDist.settings(["training.seed": "7"])).status, 0)
        try FileManager.default.removeItem(at: a.appendingPathComponent("best"))
        try FileManager.default.copyItem(at: other.appendingPathComponent("best"), to: a.appendingPathComponent("best"))
        let c = root.appendingPathComponent("c")
        let swapped = try train(["--resume", saved.path, "--output", c.path] + settings)
        XCTAssertEqual(swapped.status, 0, "\(swapped)")
        XCTAssertTrue(swapped.stdout.contains("best/ not copied"), "\(swapped)")
        XCTAssertNotEqual(try? Data(contentsOf: c.appendingPathComponent("best/parameters.bin")),
                          try Data(contentsOf: other.appendingPathComponent("best/parameters.bin")))
        // another run written to the original path since: nothing copied, and the log says why
        try FileManager.default.removeItem(at: a)
        XCTAssertEqual(try train(["--output", a.path] + settings + MTLDist.settings(["training.seed": "9", "training.max_steps": "4"])).status, 0)
        let d = root.appendingPathComponent("d")
        let foreign = try train(["--resume", saved.path, "--output", d.path] + settings + MTLDist.settings(["training.max_steps": "10"]))
        XCTAssertEqual(foreign.status, 0, "\(foreign)")
        XCTAssertTrue(foreign.stdout.contains("not copied from \(a.path)"), "\(foreign)")
        XCTAssertEqual(try trainSteps(d).first, 9)
        XCTAssertNotEqual(try? Data(contentsOf: d.appendingPathComponent("best/parameters.bin")),
                          try Data(contentsOf: a.appendingPathComponent("best/parameters.bin")))
    }
}

/// Every regular file under a folder (or only under some of its entries), by relative path, with its bytes.
struct FolderBytes: Equatable {
    let files: [String: Data]

    init(_ folder: URL, only entries: [String]? = nil) throws {
        var files: [String: Data] = [:]
        let base = folder.standardizedFileURL.path + "/"
        for entry in entries ?? [""] {
            let start = entry.isEmpty ? folder : folder.appendingPathComponent(entry)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: start.path, isDirectory: &isDirectory) else { continue }
            let urls = isDirectory.boolValue
                ? (FileManager.default.enumerator(at: start, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? [])
                : [start]
            for url in urls {
                var dir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &dir), !dir.boolValue else { continue }
                files[String(url.standardizedFileURL.path.dropFirst(base.count))] = try Data(contentsOf: url)
            }
        }
        self.files = files
    }
}
