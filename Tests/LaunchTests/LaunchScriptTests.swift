import Foundation
import XCTest

/// The `launch/` scripts, run as a user runs them: `launch/mpirun.sh --dry-run` for the mpirun
/// command it computes (BLAS threads, binding, flags), and `launch/two-hosts-netns.sh` for real, two
/// ranks in two network namespaces talking TCP, skipped (its exit status 77) where namespaces cannot
/// be made. `launch/slurm.sbatch` runs under a real SLURM in `SlurmBatchTests`.
final class LaunchScriptTests: XCTestCase {
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    private var launch: URL { root.appendingPathComponent("launch") }

    // MARK: - mpirun.sh: OPENBLAS_NUM_THREADS = max(1, cores ÷ ranks per node), binding, flags

    func testTwoRanksOnTwoCoresRunOneThreadEachBoundToACore() throws {
        let command = try dryRun(["-np", "2", "--cores-per-node", "2", "train"])
        XCTAssertEqual(command.value(after: "-np"), "2")
        XCTAssertEqual(command.blasThreads, 1)
        XCTAssertEqual(command.values(after: "--bind-to"), ["core"])
        XCTAssertFalse(command.has("--oversubscribe"))
    }

    func testFewerRanksThanCoresShareTheCoresAsThreadsUnbound() throws {
        let one = try dryRun(["-np", "1", "--cores-per-node", "8", "train"])
        XCTAssertEqual(one.blasThreads, 8)
        XCTAssertEqual(one.values(after: "--bind-to"), ["none"])
        let three = try dryRun(["-np", "3", "--cores-per-node", "8", "train"])
        XCTAssertEqual(three.blasThreads, 2, "8 ÷ 3 rounds down")
        XCTAssertEqual(three.values(after: "--bind-to"), ["none"])
        XCTAssertFalse(three.has("--oversubscribe"))
    }

    func testMoreRanksThanCoresOversubscribeWithOneThreadUnbound() throws {
        let command = try dryRun(["-np", "5", "--cores-per-node", "2", "train"])
        XCTAssertEqual(command.blasThreads, 1)
        XCTAssertTrue(command.has("--oversubscribe"))
        // binding 5 ranks to 2 cores is an error in OpenMPI
        XCTAssertEqual(command.values(after: "--bind-to"), ["none"])
    }

    func testCoresComeFromNproc() throws {
        let nproc = try runScript(URL(fileURLWithPath: "/usr/bin/env"), ["nproc"])
        let cores = try XCTUnwrap(Int(nproc.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), "\(nproc)")
        let command = try dryRun(["-np", "1", "train"])
        XCTAssertEqual(command.blasThreads, cores)
        XCTAssertEqual(command.values(after: "--bind-to"), [cores > 1 ? "none" : "core"])
    }

    func testHostfileSlotsDecideRanksPerNode() throws {
        let hostfile = try temporaryFile("""
            # two nodes
            node01 slots=4
            node02 slots=4   # four each

            """)
        let eight = try dryRun(["-np", "8", "--hostfile", hostfile.path, "--cores-per-node", "8", "train"])
        XCTAssertEqual(eight.blasThreads, 2, "by slot: 4 ranks on each 8-core node")
        XCTAssertEqual(eight.values(after: "--bind-to"), ["none"])
        XCTAssertEqual(eight.values(after: "--hostfile"), [hostfile.path])
        XCTAssertFalse(eight.has("--oversubscribe"), "more ranks than one node's cores is fine over two nodes")

        let six = try dryRun(["-np", "8", "--hostfile", hostfile.path, "--cores-per-node", "6", "train"])
        XCTAssertEqual(six.blasThreads, 1, "6 ÷ 4 rounds down")
        XCTAssertEqual(six.values(after: "--bind-to"), ["core"])

        let two = try dryRun(["-np", "2", "--hostfile", hostfile.path, "--cores-per-node", "8", "train"])
        XCTAssertEqual(two.blasThreads, 4, "by slot both ranks land on node01")
    }

    func testMapByNodeAmongMpirunOptionsSpreadsRanksOverHosts() throws {
        let hostfile = try temporaryFile("node01 slots=4\nnode02 slots=4\n")
        let command = try dryRun(["-np", "4", "--cores-per-node", "6", "--hostfile", hostfile.path,
                                  "--map-by", "node", "--", "train"])
        XCTAssertEqual(command.blasThreads, 3, "round-robin: 2 ranks per 6-core node")
        XCTAssertEqual(command.values(after: "--map-by"), ["node"])
        XCTAssertEqual(command.values(after: "--hostfile"), [hostfile.path], "the hostfile is passed once")
    }

    func testMpirunOptionsComeBeforeTheBinaryAndMtlDistArgumentsAfterIt() throws {
        let command = try dryRun(["-np", "2", "--cores-per-node", "2", "--mca", "btl", "tcp,self", "--bind-to", "socket",
                                  "--", "train", "--set", "training.max_steps=3"],
                                 removing: ["MTL_DIST_BINARY"])
        let binary = root.appendingPathComponent(".build/release/mtl-dist").path
        let at = try XCTUnwrap(command.words.firstIndex(of: binary), "the release binary by default: \(command.words)")
        XCTAssertEqual(Array(command.words[(at + 1)...]), ["train", "--set", "training.max_steps=3"])
        XCTAssertEqual(command.words.first, "mpirun")
        XCTAssertEqual(command.values(after: "--mca"), ["btl"])
        XCTAssertEqual(command.values(after: "btl"), [#"tcp\,self"#], "printed quoted for a shell")
        XCTAssertEqual(command.values(after: "--bind-to"), ["socket"], "the caller's binding replaces the wrapper's")
        XCTAssertEqual(command.has("--allow-run-as-root"), getuid() == 0)
        XCTAssertLessThan(command.words.firstIndex(of: "-x") ?? .max, at)
    }

    /// The switches ranks read from their environment reach every rank (remote ones too) with `-x`,
    /// only when the caller set them.
    func testTheRanksSwitchesAreExportedWhenSet() throws {
        let set = try dryRun(["-np", "2", "--cores-per-node", "2", "train"],
                             setting: ["MTL_DIST_PROGRESS_THREAD": "off", "MTL_DIST_OPENMPI_DEFAULTS": "off"])
        XCTAssertEqual(set.values(after: "-x").filter { $0.hasPrefix("MTL_DIST_") },
                       ["MTL_DIST_OPENMPI_DEFAULTS=off", "MTL_DIST_PROGRESS_THREAD=off"])
        let unset = try dryRun(["-np", "2", "--cores-per-node", "2", "train"],
                               removing: ["MTL_DIST_PROGRESS_THREAD", "MTL_DIST_OPENMPI_DEFAULTS"])
        XCTAssertEqual(unset.values(after: "-x").filter { $0.hasPrefix("MTL_DIST_") }, [])
    }

    func testBlasThreadsOptionWinsAndAnExportedValueIsReplaced() throws {
        let chosen = try dryRun(["-np", "2", "--cores-per-node", "2", "--blas-threads", "3", "train"])
        XCTAssertEqual(chosen.blasThreads, 3)
        XCTAssertEqual(chosen.values(after: "--bind-to"), ["none"])
        let exported = try dryRun(["-np", "2", "--cores-per-node", "8", "train"], setting: ["OPENBLAS_NUM_THREADS": "1"])
        XCTAssertEqual(exported.blasThreads, 4)
        XCTAssertTrue(exported.stderr.contains("OPENBLAS_NUM_THREADS=1 in the environment is replaced by 4"), exported.stderr)
    }

    func testMistakesAreRefusedWithStatus2() throws {
        let script = launch.appendingPathComponent("mpirun.sh")
        let cases: [([String], String)] = [
            (["--dry-run", "train"], "-np N is required"),
            (["-np", "0", "--dry-run", "train"], "-np expects a positive integer, got '0'"),
            (["-np", "2", "--dry-run"], "no mtl-dist arguments"),
            (["-np", "2", "--dry-run", "--mca", "btl", "tcp", "train"], "end mpirun options with --"),
            (["-np", "2", "--dry-run", "--map-by", "node", "-n", "3", "--", "train"], "give -np before the mpirun options"),
            (["-np", "2", "--dry-run", "--hostfile", "/nonexistent/hosts", "train"], "cannot read hostfile '/nonexistent/hosts'"),
        ]
        for (arguments, message) in cases {
            let run = try runScript(script, arguments)
            XCTAssertEqual(run.status, 2, "\(arguments)\n\(run)")
            XCTAssertTrue(run.stderr.contains(message), "\(arguments): expected '\(message)'\n\(run)")
        }
    }

    // MARK: - slurm.sbatch under stand-ins for srun and scontrol

    /// Ranks that stop with a checkpoint exit 75: the script requeues its job (`scontrol requeue`,
    /// a stand-in here) and ends with 0; with MTL_DIST_REQUEUE=0 it returns 75.
    func testSlurmBatchRequeuesTheJobWhenTheRanksStopWithACheckpoint() throws {
        let directory = try temporaryDirectory()
        let log = directory.appendingPathComponent("calls.log")
        for (name, body) in [("srun", "exit 75"), ("scontrol", "echo \"scontrol $*\" >> \"\(log.path)\"")] {
            let url = directory.appendingPathComponent(name)
            try "#!/bin/sh\n\(body)\n".write(to: url, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }
        let path = directory.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let environment = ["PATH": path, "SLURM_SUBMIT_DIR": directory.path, "SLURM_JOB_ID": "42", "MTL_DIST_BINARY": "/bin/true"]
        let run = try runScript(launch.appendingPathComponent("slurm.sbatch"), ["--output", "runs/x"], setting: environment)
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(try String(contentsOf: log, encoding: .utf8), "scontrol requeue 42\n", "\(run)")
        XCTAssertTrue(run.stdout.contains("requeueing job 42"), "\(run)")
        let kept = try runScript(launch.appendingPathComponent("slurm.sbatch"), ["--output", "runs/x"],
                                 setting: environment.merging(["MTL_DIST_REQUEUE": "0"]) { $1 })
        XCTAssertEqual(kept.status, 75, "\(kept)")
    }

    // MARK: - two ranks in two network namespaces, for real

    func testTwoRanksInTwoNetworkNamespacesTrainOverTCP() throws {
        let steps = 4
        let run = try runScript(launch.appendingPathComponent("two-hosts-netns.sh"),
                                ["--binary", try binary().path, "--steps", "\(steps)", "--timeout", "45"],
                                removing: ["OPENBLAS_NUM_THREADS"], timeout: 60)
        if run.status == 77 {
            throw XCTSkip(run.lines.last { $0.hasPrefix("SKIP: ") } ?? "two-hosts-netns.sh skipped: \(run)")
        }
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.lines.last, "PASS: 2 ranks in 2 network namespaces trained \(steps) steps over TCP (10.77.0.1 <-> 10.77.0.2)",
                       "\(run)")
        XCTAssertTrue(run.stdout.contains("training upos + ner on 2 ranks"), "\(run)")
        // "... mtl-dist-v1 sent S bytes and received R bytes (at least Q required each way)"
        let figures = try XCTUnwrap(run.lines.first { $0.contains("mtl-dist-v1 sent") }, "\(run)")
            .split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.suffix(3)
        XCTAssertEqual(figures.count, 3, "\(run)")
        if let required = figures.last {
            XCTAssertGreaterThan(required, 0)
            for moved in figures.dropLast() { XCTAssertGreaterThanOrEqual(moved, required, "\(run)") }
        }
        let namespaces = try runScript(URL(fileURLWithPath: "/usr/bin/env"), ["ip", "netns", "list"])
        XCTAssertFalse(namespaces.stdout.contains("mtl-dist-h"), "the namespaces are removed on exit\n\(namespaces)")
    }

    // MARK: - helpers

    /// `launch/mpirun.sh ARGS` with `--dry-run` added, its printed command split into words.
    private func dryRun(_ arguments: [String], setting: [String: String] = [:], removing: [String] = [],
                        file: StaticString = #filePath, line: UInt = #line) throws -> DryRun {
        var arguments = arguments
        if !arguments.contains("--dry-run") { arguments.insert("--dry-run", at: 0) }
        let run = try runScript(launch.appendingPathComponent("mpirun.sh"), arguments, setting: setting,
                                removing: ["OPENBLAS_NUM_THREADS"] + removing)
        XCTAssertEqual(run.status, 0, "\(arguments)\n\(run)", file: file, line: line)
        XCTAssertEqual(run.lines.count, 1, "one command line\n\(run)", file: file, line: line)
        return DryRun(words: (run.lines.first ?? "").split(separator: " ").map(String.init), stderr: run.stderr)
    }

    /// The built `mtl-dist`: `$MTL_DIST_BINARY`, else `.build/release/mtl-dist`, else `.build/debug/mtl-dist`.
    private func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["MTL_DIST_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        let candidates = [".build/release/mtl-dist", ".build/debug/mtl-dist"].map { root.appendingPathComponent($0) }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw MissingBinary(searched: candidates.map(\.path))
        }
        return found
    }

    private func temporaryFile(_ text: String) throws -> URL {
        let file = try temporaryDirectory().appendingPathComponent("hostfile")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}

/// A command printed by `launch/mpirun.sh --dry-run`, as words.
private struct DryRun {
    let words: [String]
    let stderr: String

    func has(_ word: String) -> Bool { words.contains(word) }

    func value(after flag: String) -> String? { values(after: flag).first }

    /// The word after each occurrence of `flag`.
    func values(after flag: String) -> [String] {
        words.indices.filter { words[$0] == flag && $0 + 1 < words.count }.map { words[$0 + 1] }
    }

    /// The value of `-x OPENBLAS_NUM_THREADS=K`.
    var blasThreads: Int? {
        values(after: "-x").first { $0.hasPrefix("OPENBLAS_NUM_THREADS=") }
            .flatMap { Int($0.dropFirst("OPENBLAS_NUM_THREADS=".count)) }
    }
}

/// Fails a test that needs the built binary when there is none.
private struct MissingBinary: Error, CustomStringConvertible {
    let searched: [String]
    var description: String { "no built mtl-dist at \(searched); run `swift build` first or set MTL_DIST_BINARY" }
}
