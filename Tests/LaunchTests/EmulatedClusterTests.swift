import Foundation
import TestSupport
import XCTest

/// `launch/emulated-cluster.sh` for real: two emulated hosts (network namespaces behind a bridge,
/// each link held to a rate by tc tbf) run a few training steps of `bench step --config` over TCP,
/// traced (`--trace`) on both ranks.
/// Skipped (exit status 77) without root or tc.
final class EmulatedClusterTests: XCTestCase {
    private var script: URL { ProcessRun.packageRoot.appendingPathComponent("launch/emulated-cluster.sh") }

    func testTwoEmulatedHostsOnAShapedLinkExchangeTheirGradientsOverIt() throws {
        _ = try ProcessRun.mpirun()   // skips without mpirun
        let binary = try ProcessRun.mtlDist(candidates: [ProcessRun.packageRoot.appendingPathComponent(".build/release/mtl-dist")])
        let record = FileManager.default.temporaryDirectory.appendingPathComponent("emulated-\(UUID().uuidString).json")
        let trace = FileManager.default.temporaryDirectory.appendingPathComponent("emulated-trace-\(UUID().uuidString).json")
        addTeardownBlock {
            try? FileManager.default.removeItem(at: record)
            try? FileManager.default.removeItem(at: trace)
        }
        let rate = 200e6
        let run = try runScript(script, ["--hosts", "2", "--rate", "200mbit", "--binary", binary.path, "--timeout", "45",
                                         "--record", record.path, "--",
                                         "bench", "step", "--config", ProcessRun.packageRoot.appendingPathComponent("configs/default.yaml").path,
                                         "--steps", "3", "--warmup", "1", "--json", "--trace", trace.path,
                                         // the dense sum: the same bytes every step (the default `exchange: auto`
                                         // takes touched rows here, whose bytes follow the batch; ExchangeChoiceTests)
                                         "--set", "training.exchange=dense"],
                                removing: ["OPENBLAS_NUM_THREADS"], timeout: 55)
        if run.status == 77 { throw XCTSkip(run.lines.last { $0.hasPrefix("SKIP: ") } ?? "emulated-cluster.sh skipped: \(run)") }
        XCTAssertEqual(run.status, 0, "\(run)")
        let bench = try XCTUnwrap(run.stdout.split(separator: "\n").last { $0.hasPrefix("{") }, "\(run)")
        let b = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bench.utf8)) as? [String: Any])
        XCTAssertEqual(b["hosts"] as? Int, 2, "each emulated host has its own name: \(bench)")
        XCTAssertEqual(b["world_size"] as? Int, 2)
        let bytes = try XCTUnwrap((b["allreduce_bytes"] as? NSNumber)?.doubleValue)
        XCTAssertGreaterThan(bytes, 0)
        // every step's sum crossed a link held to 200 Mbit/s: at least bytes·8/rate each way
        let exchangeMs = try XCTUnwrap((b["median_allreduce_ms"] as? NSNumber)?.doubleValue)
        XCTAssertGreaterThan(exchangeMs, 0.8 * 1000 * bytes * 8 / rate, "the link is shaped: \(bench)")

        let r = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: record)) as? [String: Any], "\(run)")
        XCTAssertEqual(r["hosts"] as? Int, 2)
        XCTAssertEqual(r["ranks_per_host"] as? Int, 1)
        XCTAssertEqual((r["rate_bits_per_s"] as? NSNumber)?.doubleValue, rate)
        XCTAssertNotNil(r["oversubscription"] as? NSNumber)
        XCTAssertEqual(r["queue"] as? String, "5ms", "the links' queue, as fq_codel keeps a host's: \(r)")
        XCTAssertTrue((r["traffic_check"] as? String)?.hasPrefix("passed") == true, "\(r)")
        let links = try XCTUnwrap(r["links"] as? [[String: Any]])
        XCTAssertEqual(links.count, 2)
        for link in links {
            for key in ["tx_bytes", "rx_bytes"] {
                XCTAssertGreaterThanOrEqual((link[key] as? NSNumber)?.doubleValue ?? 0, 3 * bytes, "3 steps of sums: \(link)")
            }
        }
        XCTAssertTrue(run.stderr.contains("emulated-cluster: {\"hosts\":2"), "\(run)")
        // the trace: both ranks' tracks, each timed step's exchange with its bytes after the wait for the other rank
        let document = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: trace)) as? [String: Any])
        let events = try XCTUnwrap(document["traceEvents"] as? [[String: Any]])
        for rank in 0..<2 {
            let mine = events.filter { $0["pid"] as? Int == rank && $0["ph"] as? String == "X" }
            for name in ["forward", "backward", "waiting for ranks", "all-reduce", "update"] {
                XCTAssertEqual(mine.filter { $0["name"] as? String == name }.count, 3, "rank \(rank), \(name): \(mine)")
            }
            let sums = mine.filter { $0["name"] as? String == "all-reduce" }
            XCTAssertTrue(sums.allSatisfy { (($0["args"] as? [String: Any])?["bytes"] as? NSNumber)?.doubleValue == bytes }, "\(sums)")
        }
        let namespaces = try runScript(URL(fileURLWithPath: "/usr/bin/env"), ["ip", "netns", "list"])
        XCTAssertFalse(namespaces.stdout.contains("mtl-ec-"), "the namespaces are removed on exit\n\(namespaces)")
    }

    func testBadArgumentsExitTwoAndNameTheOption() throws {
        for (arguments, message) in [(["--hosts", "1", "--rate", "1gbit", "--", "bench"], "--hosts expects 2 to 16"),
                                     (["--hosts", "2", "--rate", "fast", "--", "bench"], "--rate 'fast'"),
                                     (["--hosts", "2", "--rate", "1gbit", "--rate-host", "3=1gbit", "--", "bench"], "host 3 does not exist"),
                                     (["--hosts", "2", "--rate", "1gbit"], "no mtl-dist command")] {
            let run = try runScript(script, arguments)
            XCTAssertEqual(run.status, 2, "\(arguments): \(run)")
            XCTAssertTrue(run.stderr.contains(message), "\(arguments): expected \(message)\n\(run)")
        }
    }

    /// Ranks across hosts write OpenMPI's rules for rings (`OpenMPIDefaults`); one that cannot (its
    /// TMPDIR missing) would run a large sum another way than the others: every rank stops at start
    /// with the fix instead of hanging or mixing in the first large sum.
    func testRanksOfWhichOneCannotWriteTheRingRulesStopWithTheFix() throws {
        _ = try ProcessRun.mpirun()   // skips without mpirun
        let binary = try ProcessRun.mtlDist(candidates: [ProcessRun.packageRoot.appendingPathComponent(".build/release/mtl-dist")])
        let wrapper = FileManager.default.temporaryDirectory.appendingPathComponent("rank1-no-tmpdir-\(UUID().uuidString).sh")
        addTeardownBlock { try? FileManager.default.removeItem(at: wrapper) }
        try """
            #!/bin/sh
            [ "$OMPI_COMM_WORLD_RANK" = 1 ] && export TMPDIR=/nonexistent-mtl-dist-test
            exec "\(binary.path)" "$@"

            """.write(to: wrapper, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: wrapper.path)
        let run = try runScript(script, ["--hosts", "2", "--rate", "1gbit", "--binary", wrapper.path, "--timeout", "45", "--",
                                         "bench", "collective"], removing: ["OPENBLAS_NUM_THREADS"], timeout: 55)
        if run.status == 77 { throw XCTSkip(run.lines.last { $0.hasPrefix("SKIP: ") } ?? "emulated-cluster.sh skipped: \(run)") }
        XCTAssertNotEqual(run.status, 0, "\(run)")
        XCTAssertNotEqual(run.status, 124, "stopped at start, not by the timeout: \(run)")
        XCTAssertTrue(run.stderr.contains("only 1 of 2 ranks could write OpenMPI's rules file"), "\(run)")
        XCTAssertTrue(run.stderr.contains("MTL_DIST_OPENMPI_DEFAULTS=off"), "\(run)")
        XCTAssertFalse(run.stdout.contains("allreduce"), "no collective was timed: \(run)")
    }
}
