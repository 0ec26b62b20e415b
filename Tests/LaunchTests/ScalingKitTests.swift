import Foundation
import TestSupport
import XCTest

/// `launch/scaling.sh` for real in its quick mode: np 1 and 2, both modes, two timed steps of the
/// default config, one round; then the files it must leave and their columns.
final class ScalingKitTests: XCTestCase {
    private var kit: URL { ProcessRun.packageRoot.appendingPathComponent("launch/scaling.sh") }

    func testQuickSweepWritesResultsReportAndBothPlots() throws {
        _ = try ProcessRun.mpirun()   // skips without mpirun
        let binary = try ProcessRun.mtlDist(candidates: [ProcessRun.packageRoot.appendingPathComponent(".build/release/mtl-dist")])
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("scaling-kit-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: output) }
        let config = ProcessRun.packageRoot.appendingPathComponent("configs/default.yaml").path
        let run = try runScript(kit, ["--config", config, "--np", "1,2", "--mode", "both", "--steps", "2", "--rounds", "1",
                                      "--collective-rounds", "2",
                                      "--binary", binary.path, "--set", "encoder.shared_hidden=16", "--output", output.path],
                                timeout: 240)
        XCTAssertEqual(run.status, 0, "\(run)")

        let csv = try String(contentsOf: output.appendingPathComponent("results.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        XCTAssertEqual(csv.first, ["mode", "round", "np", "hosts", "blas_threads", "global_batch", "per_rank_batch",
                                   "sentences_per_s", "tokens_per_s", "step_ms", "forward_ms", "backward_ms",
                                   "allreduce_ms", "update_ms", "allreduce_bytes", "peak_rss_mib_max", "peak_rss_mib_per_rank",
                                   "strategy", "ranks_per_host", "link_rate_bits_per_s", "oversubscription", "auto", "others_running"])
        let rows = csv.dropFirst()
        XCTAssertEqual(rows.count, 4, "strong and weak at np 1 and 2\n\(csv)")
        let column = { (name: String) in csv[0].firstIndex(of: name)! }
        for row in rows {
            XCTAssertEqual(row.count, csv[0].count, "\(row)")
            let np = Int(row[column("np")]) ?? 0
            XCTAssertEqual(row[column("peak_rss_mib_per_rank")].split(separator: ";").count, np, "one RSS per rank: \(row)")
            XCTAssertGreaterThan(Double(row[column("sentences_per_s")]) ?? 0, 0, "\(row)")
            // bytes summed per step: none on one rank, the gradient on more
            XCTAssertEqual((Double(row[column("allreduce_bytes")]) ?? -1) > 0, np > 1, "\(row)")
            XCTAssertEqual(row[column("blas_threads")], "1")
            let weak = row[column("mode")] == "weak"
            XCTAssertEqual(Int(row[column("global_batch")]), weak ? 32 * np : 32, "default batch 32: \(row)")
        }
        let report = try String(contentsOf: output.appendingPathComponent("report.md"), encoding: .utf8)
        // one host: no network was timed, so no projection between hosts
        for part in ["## Strong scaling", "## Weak scaling", "## All-reduce cost model", "## No projection beyond one host",
                     "Reproduce with:", "launch/scaling.sh", "cpu:"] {
            XCTAssertTrue(report.contains(part), "report.md lacks \(part):\n\(report)")
        }
        for name in ["scaling.svg", "projection.svg"] {
            let svg = try String(contentsOf: output.appendingPathComponent(name), encoding: .utf8)
            XCTAssertTrue(svg.hasPrefix("<?xml") && svg.contains("</svg>"), name)
        }
        let collective = try String(contentsOf: output.appendingPathComponent("collective.jsonl"), encoding: .utf8)
        XCTAssertTrue(collective.contains("\"world_size\":2"), collective)
        // --collective-rounds 2: np = 2 timed in two runs, each with its log; the report takes their median
        XCTAssertEqual(collective.split(separator: "\n").filter { $0.contains("\"world_size\":2") }.count, 2, collective)
        for log in ["allreduce-np2-run1.log", "allreduce-np2-run2.log"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("logs/\(log)").path), log)
        }
        // timed after a pause of np = 1's median step (--collective-pause step, the default), said where the report shows it
        XCTAssertTrue(collective.contains("\"pause_ms\":"), collective)
        XCTAssertFalse(collective.contains("\"pause_ms\":0"), "np = 1's step is more than half a millisecond: \(collective)")
        // sizes up to the gradient's where it is larger than 16 MiB: the default config's is smaller
        XCTAssertTrue(collective.contains("\"bytes\":16777216"), collective)
        XCTAssertFalse(collective.contains("\"bytes\":67108864"), collective)
        let machine = try String(contentsOf: output.appendingPathComponent("machine.txt"), encoding: .utf8)
        XCTAssertTrue(machine.contains("collectives: every call of 256 KiB and more after a pause of"), machine)
        XCTAssertTrue(machine.contains("every link timed in 2 runs (--collective-rounds), each size the median over them"), machine)
        XCTAssertTrue(report.contains("after a pause of"), "the report shows machine.txt: \(report)")
    }

    /// `launch/sharded-ab.sh` in a quick mode: np 1, 2 replicated and 2 sharded, one line each in
    /// the JSON file, and the table of medians with the sharded run's all-gather.
    func testShardedABWritesOneLinePerRunAndATableOfMedians() throws {
        _ = try ProcessRun.mpirun()   // skips without mpirun
        let binary = try ProcessRun.mtlDist(candidates: [ProcessRun.packageRoot.appendingPathComponent(".build/release/mtl-dist")])
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sharded-ab-\(UUID().uuidString).jsonl")
        addTeardownBlock { try? FileManager.default.removeItem(at: output) }
        let config = ProcessRun.packageRoot.appendingPathComponent("configs/default.yaml").path
        let run = try runScript(ProcessRun.packageRoot.appendingPathComponent("launch/sharded-ab.sh"),
                                ["--config", config, "--mode", "weak", "--steps", "2", "--rounds", "1", "--binary", binary.path,
                                 "--set", "encoder.shared_hidden=16", "--output", output.path], timeout: 240)
        XCTAssertEqual(run.status, 0, "\(run)")
        let lines = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(lines.compactMap { $0["variant"] as? String }, ["np1", "replicated", "sharded"])
        let plans = lines.compactMap { ($0["bench"] as? [String: Any])?["allreduce_plan"] as? String }
        XCTAssertEqual(plans.count, 3)
        XCTAssertTrue(plans[2].hasPrefix("sharded update"), "\(plans)")
        let rows = run.stdout.split(separator: "\n").filter { $0.hasPrefix("| weak |") }
        XCTAssertEqual(rows.count, 3, run.stdout)
        XCTAssertTrue(rows.contains { $0.hasPrefix("| weak | sharded (np=2) | 1 |") }, run.stdout)
        // a second run never overwrites the first
        let again = try runScript(ProcessRun.packageRoot.appendingPathComponent("launch/sharded-ab.sh"),
                                  ["--config", config, "--binary", binary.path, "--output", output.path], timeout: 30)
        XCTAssertNotEqual(again.status, 0)
        XCTAssertTrue(again.stderr.contains("exists"), "\(again)")
    }

    /// The kit's srun mode under a real one-node SLURM (`launch/slurm-local.sh`): each run is a
    /// job step of `srun --mpi=pmix -n N`, outside any batch script (srun makes the allocation).
    func testSrunModeRunsUnderARealSlurm() throws {
        let slurm = try startLocalSlurm()
        let binary = try ProcessRun.mtlDist(candidates: [ProcessRun.packageRoot.appendingPathComponent(".build/release/mtl-dist")])
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("scaling-kit-srun-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: output) }
        let config = ProcessRun.packageRoot.appendingPathComponent("configs/default.yaml").path
        let run = try runScript(kit, ["--config", config, "--np", "1,2", "--mode", "strong", "--steps", "2", "--rounds", "1",
                                      "--launcher", "srun", "--binary", binary.path, "--set", "encoder.shared_hidden=16",
                                      "--output", output.path],
                                setting: slurm.merging(["SRUN_OPTIONS": "--time=5"]) { $1 }, timeout: 240)
        XCTAssertEqual(run.status, 0, "\(run)")
        let csv = try String(contentsOf: output.appendingPathComponent("results.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 3, "a header and np 1 and 2\n\(csv)")
        let runs = try String(contentsOf: output.appendingPathComponent("runs.jsonl"), encoding: .utf8)
        XCTAssertEqual(runs.components(separatedBy: "\"launcher\":\"srun\"").count - 1, 2, runs)
        XCTAssertTrue(runs.contains("\"world_size\":2"), runs)
        let machine = try String(contentsOf: output.appendingPathComponent("machine.txt"), encoding: .utf8)
        XCTAssertTrue(machine.contains("launcher:  srun"), machine)
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("projection.svg").path))
    }

    func testBadArgumentsStopBeforeAnyRun() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("scaling-kit-\(UUID().uuidString)")
        let config = ProcessRun.packageRoot.appendingPathComponent("configs/default.yaml").path
        // two hosts: one line with two slots, one line counting as one
        let hostfile = FileManager.default.temporaryDirectory.appendingPathComponent("hostfile-\(UUID().uuidString)")
        try Data("# hosts\na slots=2\nb\n".utf8).write(to: hostfile)
        defer { try? FileManager.default.removeItem(at: hostfile) }
        for (arguments, message) in [
            (["--output", output.path], "--config is required"),
            (["--config", config, "--output", output.path, "--np", "2,4"], "lacks 1"),
            (["--config", config, "--output", output.path, "--mode", "sideways"], "strong, weak or both"),
            (["--config", config, "--output", output.path, "--launcher", "srun", "--hostfile", config], "--hostfile goes with"),
            (["--config", config, "--output", output.path, "--emulate", "1gbit", "--np", "1,2"], "--np goes without --emulate"),
            (["--config", config, "--output", output.path, "--emulate", "1gbit", "--mode", "strong"], "weak scaling only"),
            (["--config", config, "--output", output.path, "--emulate", "fast"], "tc rates"),
            (["--config", config, "--output", output.path, "--emulate", "1gbit", "--strategies", "dense,magic"], "--strategies expects"),
            (["--config", config, "--output", output.path, "--np", "1,1000"], "pass --force"),
            (["--config", config, "--output", output.path, "--collective-pause", "soon"], "--collective-pause expects"),
            (["--config", config, "--output", output.path, "--collective-pause", "20000"], "--collective-pause expects"),
            (["--config", config, "--output", output.path, "--collective-max-mib", "8"], "--collective-max-mib expects 16 to 1024"),
            (["--config", config, "--output", output.path, "--collective-max-mib", "2048"], "--collective-max-mib expects 16 to 1024"),
            (["--config", config, "--output", output.path, "--collective-max-mib", "lots"], "--collective-max-mib expects 16 to 1024"),
            (["--config", config, "--output", output.path, "--collective-rounds", "0"], "--collective-rounds expects 1 to 9"),
            (["--config", config, "--output", output.path, "--collective-rounds", "10"], "--collective-rounds expects 1 to 9"),
            (["--config", config, "--output", output.path, "--collective-rounds", "twice"], "--collective-rounds expects 1 to 9"),
            (["--config", config, "--output", output.path, "--np", "1,4", "--hostfile", hostfile.path], "the 3 slots of"),
        ] {
            let run = try runScript(kit, arguments + ["--binary", "/bin/true"])
            XCTAssertEqual(run.status, 2, "\(arguments)\n\(run)")
            XCTAssertTrue(run.stderr.contains(message), "\(arguments): expected \(message)\n\(run)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "nothing written")
    }
}
