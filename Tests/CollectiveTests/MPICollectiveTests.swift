import Foundation
import TestSupport
import XCTest

/// Real multi-rank runs: the built `mtl-dist collective-check` started by `mpirun` through
/// `Process` (MPI_Init never runs in the XCTest process). Skipped when `mpirun` is absent.
///
/// mpirun flags: `--oversubscribe` (3 ranks on a 2-core machine), `--allow-run-as-root` when the
/// tests run as uid 0 (containers). No BTL setting is needed here: the large-message check
/// (`allreduce_sum_large`, 4 MiB) passes with OpenMPI's default CMA single-copy. Containers that
/// forbid `process_vm_readv` (no CAP_SYS_PTRACE) fail it with "Read -1, expected …" errors;
/// there, export `OMPI_MCA_btl_vader_single_copy_mechanism=none`, which these runs inherit.
final class MPICollectiveTests: XCTestCase {
    /// The checks every rank must report, in order (`collective-check`'s fixed list).
    private let expectedChecks = [
        "ranks", "allreduce_sum_float", "allreduce_sum_large", "allreduce_sum_double", "allreduce_max_double",
        "broadcast_float", "broadcast_bytes", "broadcast_empty", "invalid_root_throws", "barrier",
        "allreduce_sum_bucketed_1", "allreduce_sum_bucketed_3", "allreduce_sum_bucketed_4",
        "allreduce_sum_bucketed_10", "allreduce_sum_bucketed_64",
        "reduce_scatter_sum_0", "reduce_scatter_sum_1", "reduce_scatter_sum_7", "reduce_scatter_sum_64",
        "allgather_0", "allgather_1", "allgather_7", "allgather_64", "iallreduce_sum", "background_progress",
        "overlapped_sum_bucketed",
        "shared_sum_7", "shared_sum_1000", "shared_counter",
        "allreduce_mean", "sum_helper",
        "agree_on_success", "agree_on_lowest_failing_rank", "agree_on_empty_message", "use_after_finalize_throws",
    ]

    func testTwoRanksPassEveryCheck() throws {
        try assertEveryRankPasses(worldSize: 2)
    }

    func testThreeRanksPassEveryCheck() throws {
        try assertEveryRankPasses(worldSize: 3)
    }

    func testFailureOnOneRankStopsEveryRankWithOneMessage() throws {
        for worldSize in [2, 3] {
            let run = try ProcessRun(try mpirun(worldSize) + [try binary().path, "collective-check", "--fail-on-rank", "1"])
            XCTAssertNotEqual(run.status, 0, "np \(worldSize): a failed rank must fail the job\n\(run)")
            let reports = run.jsonLines
            XCTAssertEqual(reports.compactMap { $0["rank"] as? Int }.sorted(), Array(0..<worldSize),
                           "np \(worldSize): every rank reaches the agreement and reports\n\(run)")
            for report in reports {
                XCTAssertEqual(report["ok"] as? Bool, false, "np \(worldSize)\n\(run)")
                XCTAssertEqual(report["failed_rank"] as? Int, 1, "np \(worldSize)\n\(run)")
            }
            XCTAssertEqual(run.occurrences(of: "injected failure (--fail-on-rank 1)"), 1,
                           "np \(worldSize): the message is printed once, by rank 0\n\(run)")
            XCTAssertTrue(run.stderr.contains("Error: collective-check failed on rank 1: injected failure"), "\(run)")
        }
    }

    // mpirun reports only the first non-zero status and then ends the job, so each rank's status
    // is recorded by a shell around it, with that ending turned off (the job then exits 0).
    func testEveryRankExitsNonZeroOnFailure() throws {
        let script = #""$0" "$@"; s=$?; echo "{\"exit_status\":$s,\"rank\":$OMPI_COMM_WORLD_RANK}"; exit $s"#
        let run = try ProcessRun(try mpirun(3) + ["--mca", "orte_abort_on_non_zero_status", "0", "/bin/sh", "-c", script,
                                                  try binary().path, "collective-check", "--fail-on-rank", "1"])
        let statuses = run.jsonLines.filter { $0["exit_status"] != nil }
        XCTAssertEqual(statuses.compactMap { $0["rank"] as? Int }.sorted(), [0, 1, 2], "\(run)")
        for status in statuses { XCTAssertEqual(status["exit_status"] as? Int, 1, "\(run)") }
    }

    func testWithoutMPIRunTheBinaryRunsAsOneProcess() throws {
        let run = try ProcessRun([try binary().path, "collective-check"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let report = try XCTUnwrap(run.jsonLines.first, "\(run)")
        XCTAssertEqual(run.jsonLines.count, 1)
        XCTAssertEqual(report["world_size"] as? Int, 1)
        XCTAssertEqual(report["ok"] as? Bool, true, "\(run)")
        let detail = check("invalid_root_throws", in: report)?["detail"] as? String
        XCTAssertEqual(detail, "broadcast: root 1 is not a rank, expected 0..<1", "the single-process communicator ran")

        let failed = try ProcessRun([try binary().path, "collective-check", "--fail-on-rank", "0"])
        XCTAssertEqual(failed.status, 1, "\(failed)")
        XCTAssertEqual(failed.occurrences(of: "injected failure (--fail-on-rank 0)"), 1, "\(failed)")
    }

    private func assertEveryRankPasses(worldSize: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try ProcessRun(try mpirun(worldSize) + [try binary().path, "collective-check"])
        XCTAssertEqual(run.status, 0, "np \(worldSize)\n\(run)", file: file, line: line)
        let reports = run.jsonLines
        XCTAssertEqual(reports.compactMap { $0["rank"] as? Int }.sorted(), Array(0..<worldSize), "\(run)",
                       file: file, line: line)
        for report in reports {
            let rank = report["rank"] as? Int ?? -1
            XCTAssertEqual(report["world_size"] as? Int, worldSize, file: file, line: line)
            XCTAssertEqual(report["ok"] as? Bool, true, "rank \(rank)\n\(run)", file: file, line: line)
            let checks = report["checks"] as? [[String: Any]] ?? []
            XCTAssertEqual(checks.compactMap { $0["name"] as? String }, expectedChecks, "rank \(rank)",
                           file: file, line: line)
            for check in checks where check["ok"] as? Bool != true {
                XCTFail("rank \(rank): \(check)", file: file, line: line)
            }
            // the invalid root came back from MPI as a return code (MPI_ERRORS_RETURN), not an abort
            let detail = check("invalid_root_throws", in: report)?["detail"] as? String ?? ""
            XCTAssertTrue(detail.hasPrefix("MPI_Bcast(MPI_FLOAT, count: 1, root: \(worldSize)) failed with MPI error"),
                          "rank \(rank): \(detail)", file: file, line: line)
            // by default a thread advanced the started sum while the caller slept
            let progress = check("background_progress", in: report)?["detail"] as? String ?? ""
            XCTAssertTrue(progress.hasPrefix("progress thread every 1000 µs: "), "rank \(rank): \(progress)",
                          file: file, line: line)
        }
    }

    /// `MTL_DIST_PROGRESS_THREAD=off`: no thread tests the sums (they complete in the caller's wait),
    /// and every check still passes.
    func testTheProgressThreadCanBeSwitchedOff() throws {
        let run = try ProcessRun(try mpirun(2) + ["-x", "MTL_DIST_PROGRESS_THREAD=off", try binary().path, "collective-check"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let reports = run.jsonLines
        XCTAssertEqual(reports.count, 2, "\(run)")
        for report in reports {
            XCTAssertEqual(report["ok"] as? Bool, true, "\(run)")
            XCTAssertEqual(check("background_progress", in: report)?["detail"] as? String,
                           "progress thread off: 0 background tests", "\(run)")
        }
    }

    private func check(_ name: String, in report: [String: Any]) -> [String: Any]? {
        (report["checks"] as? [[String: Any]])?.first { $0["name"] as? String == name }
    }

    /// `mpirun --oversubscribe [--allow-run-as-root] -np N`, or a skip when there is no mpirun.
    private func mpirun(_ worldSize: Int) throws -> [String] {
        try ProcessRun.mpirun() + ["-np", "\(worldSize)"]
    }

    /// The built `mtl-dist`: `$MTL_DIST_BINARY`, else next to the test bundle (the products
    /// directory of this build configuration), else `<package root>/.build/debug/mtl-dist`.
    private func binary() throws -> URL {
        #if os(macOS)
        let products = Bundle.allBundles.first { $0.bundlePath.hasSuffix(".xctest") }?.bundleURL.deletingLastPathComponent()
        #else
        let products: URL? = Bundle.main.bundleURL
        #endif
        return try ProcessRun.mtlDist(candidates: [products?.appendingPathComponent("mtl-dist"),
                                                   ProcessRun.packageRoot.appendingPathComponent(".build/debug/mtl-dist")]
            .compactMap { $0 })
    }
}
