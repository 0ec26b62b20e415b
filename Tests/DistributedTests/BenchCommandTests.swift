import Foundation
import TestSupport
import XCTest

/// `bench`'s modes as subcommands, through the release binary: each prints its own report, the
/// bare `bench` is `bench kernel`, and the former mode flags are refused by name.
final class BenchCommandTests: XCTestCase {
    private static let tinyKernel = ["--steps", "1", "--warmup", "0", "--batch", "2", "--tokens", "3",
                                     "--input", "4", "--hidden", "4", "--tags", "3", "--json"]

    func testStepTimesTrainingStepsOfTheConfig() throws {
        let run = try MTLDist.run(["bench", "step", "--steps", "2", "--warmup", "0", "--json"] + MTLDist.tinyModel
                                  + MTLDist.settings(["training.batch_size": "8"]), timeout: 30)
        XCTAssertEqual(run.status, 0, "\(run)")
        let report = try XCTUnwrap(run.jsonLines.first, "\(run)")
        XCTAssertEqual(report["steps"] as? Int, 2, "\(run)")
        XCTAssertEqual(report["batch_size"] as? Int, 8, "\(run)")
        XCTAssertNotNil(report["median_step_ms"], "\(run)")
    }

    /// With overlapped buckets on 2 ranks the bench says when each bucket's sum started, as a fraction
    /// of backward (the cost model's ready times): one per bucket, in order, within backward; none
    /// on one rank or without overlap.
    func testOverlappedStepsSayWhenEachBucketStarted() throws {
        let overlap = MTLDist.tinyModel + MTLDist.settings(["training.batch_size": "8", "training.allreduce_bucket_mb": "0.05",
                                                             "training.overlap_allreduce": "true"])
        let run = try MTLDist.mpirun(2, ["bench", "step", "--steps", "3", "--warmup", "1", "--json"] + overlap)
        XCTAssertEqual(run.status, 0, "\(run)")
        let report = try XCTUnwrap(run.jsonLines.first, "\(run)")
        let buckets = try XCTUnwrap(report["allreduce_bucket_bytes"] as? [Int], "\(run)")
        let ready = try XCTUnwrap(report["allreduce_bucket_ready"] as? [Double], "\(run)")
        XCTAssertGreaterThan(buckets.count, 1, "\(run)")
        XCTAssertEqual(ready.count, buckets.count, "\(run)")
        XCTAssertTrue(ready.allSatisfy { $0 >= 0 && $0 <= 1 }, "\(ready)")
        XCTAssertEqual(ready, ready.sorted(), "buckets start in order")
        // the last bucket holds the word embedding, final only once backward reached the first layer
        XCTAssertGreaterThan(ready.last ?? 0, 0.5, "\(ready)")
        let single = try MTLDist.run(["bench", "step", "--steps", "1", "--warmup", "0", "--json"] + overlap)
        XCTAssertEqual(single.status, 0, "\(single)")
        XCTAssertEqual(single.jsonLines.first?["allreduce_bucket_ready"] as? [Double], [], "\(single)")
    }

    func testCollectiveTimesTheAllReduceAlone() throws {
        let run = try MTLDist.run(["bench", "collective", "--warmup", "0", "--json"])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.jsonLines.count, 1, "\(run)")
        XCTAssertEqual(run.jsonLines.first?["pause_ms"] as? Double, 0, "\(run)")
    }

    /// `--pause-ms`: every rank waits before each call of 256 KiB and more (as a step's exchange
    /// follows its compute), said in the JSON; bounded.
    func testCollectivePausesBeforeTheLargeCalls() throws {
        let run = try MTLDist.run(["bench", "collective", "--warmup", "0", "--pause-ms", "3", "--json"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let report = try XCTUnwrap(run.jsonLines.first, "\(run)")
        XCTAssertEqual(report["pause_ms"] as? Double, 3)
        // 256 KiB is paused: at most 5 s of pauses, at least 5 calls; 4 KiB is not
        let sizes = try XCTUnwrap(report["allreduce"] as? [[String: Any]])
        XCTAssertEqual(sizes.first { $0["bytes"] as? Int == 4096 }?["repetitions"] as? Int, 200)
        XCTAssertEqual(sizes.first { $0["bytes"] as? Int == 16 << 20 }?["repetitions"] as? Int, 5)
        for bad in ["10001", "-1"] {
            let refused = try MTLDist.run(["bench", "collective", "--pause-ms", bad])
            XCTAssertNotEqual(refused.status, 0, "\(refused)")
            XCTAssertTrue(refused.stderr.contains("--pause-ms"), "\(refused)")
        }
    }

    /// `--max-mib`: sizes from 4 KiB in steps of 4× up to it, and it itself where those steps miss
    /// it (the scaling kit passes the gradient's size); bounded.
    func testCollectiveTimesUpToTheLargestSizeAsked() throws {
        let run = try MTLDist.run(["bench", "collective", "--warmup", "0", "--max-mib", "2", "--json"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let report = try XCTUnwrap(run.jsonLines.first, "\(run)")
        let sizes = try XCTUnwrap(report["allreduce"] as? [[String: Any]]).compactMap { $0["bytes"] as? Int }
        XCTAssertEqual(sizes, [4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 2 << 20], "\(run)")
        let others = try XCTUnwrap(report["iallreduce"] as? [[String: Any]]).compactMap { $0["bytes"] as? Int }
        XCTAssertEqual(others, [256 << 10, 1 << 20, 2 << 20], "\(run)")
        for bad in ["0", "1025"] {
            let refused = try MTLDist.run(["bench", "collective", "--max-mib", bad])
            XCTAssertNotEqual(refused.status, 0, "\(refused)")
            XCTAssertTrue(refused.stderr.contains("--max-mib"), "\(refused)")
        }
    }

    /// On 2 ranks with sizes up to 4 MiB, the compute beside 4 MiB sums in flight is timed against
    /// the same compute alone (the overlapped buckets' cost to backward, `overlap_stretch`); not on
    /// one rank, nor where the sizes stop short of a bucket.
    func testCollectiveTimesComputeBesideASumInFlight() throws {
        let run = try MTLDist.mpirun(2, ["bench", "collective", "--warmup", "0", "--max-mib", "4", "--json"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let stretch = try XCTUnwrap(run.jsonLines.first?["overlap_stretch"] as? [String: Any], "\(run)")
        XCTAssertEqual(stretch["bytes"] as? Int, 4 << 20)
        let sums = try XCTUnwrap(stretch["sums"] as? Int), alone = try XCTUnwrap(stretch["alone_s"] as? Double)
        let during = try XCTUnwrap(stretch["during_s"] as? Double), x = try XCTUnwrap(stretch["stretch"] as? Double)
        XCTAssertTrue((1...16).contains(sums), "\(stretch)")
        XCTAssertGreaterThan(alone, 0)
        XCTAssertEqual(x, max(0, during / alone - 1), accuracy: 1e-9, "\(stretch)")
        XCTAssertTrue(run.stdout.contains("\"overlap_stretch\"") && !run.stdout.contains("compute with"), "JSON only: \(run)")
        let short = try MTLDist.mpirun(2, ["bench", "collective", "--warmup", "0", "--max-mib", "2", "--json"])
        XCTAssertEqual(short.status, 0, "\(short)")
        XCTAssertNil(short.jsonLines.first?["overlap_stretch"], "\(short)")
        let single = try MTLDist.run(["bench", "collective", "--warmup", "0", "--max-mib", "4", "--json"])
        XCTAssertNil(single.jsonLines.first?["overlap_stretch"], "\(single)")
    }

    func testTransformerTimesAPretrainedFolder() throws {
        let tiny = EncodeReference.fixtures.appendingPathComponent("tiny-bert").path
        let run = try MTLDist.run(["bench", "transformer", tiny, "--steps", "1", "--warmup", "0", "--batch", "2", "--tokens", "3", "--json"])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.jsonLines.count, 1, "\(run)")
        XCTAssertEqual(run.jsonLines.first?["precision"] as? String, "fp32", "\(run)")
        XCTAssertTrue(run.jsonLines.first?["bf16_gflops_linear_maps"] is NSNull, "\(run)")
        // bf16: said as asked and as run; where it ran, its products on the linear maps' shapes are timed
        let bf16 = try MTLDist.run(["bench", "transformer", tiny, "--steps", "1", "--warmup", "0", "--batch", "2", "--tokens", "3",
                                    "--json", "--precision", "bf16"])
        XCTAssertEqual(bf16.status, 0, "\(bf16)")
        let report = try XCTUnwrap(bf16.jsonLines.first, "\(bf16)")
        XCTAssertEqual(report["precision"] as? String, "bf16")
        let ranAs = try XCTUnwrap(report["precision_ran_as"] as? String)
        XCTAssertEqual(ranAs == "bf16", (report["bf16_gflops_linear_maps"] as? Double ?? 0) > 0, "\(bf16)")
        let refused = try MTLDist.run(["bench", "transformer", tiny, "--precision", "fp16"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("'fp32' and 'bf16'"), "\(refused)")
    }

    func testTheBareBenchIsTheKernelBenchmark() throws {
        let bare = try MTLDist.run(["bench"] + Self.tinyKernel, timeout: 30)
        let kernel = try MTLDist.run(["bench", "kernel"] + Self.tinyKernel, timeout: 30)
        XCTAssertEqual(bare.status, 0, "\(bare)")
        XCTAssertEqual(kernel.status, 0, "\(kernel)")
        XCTAssertEqual(bare.jsonLines.first?.keys.sorted(), kernel.jsonLines.first?.keys.sorted(), "\(bare)\n\(kernel)")
    }

    func testTheFormerModeFlagsAreRefusedByName() throws {
        for flag in ["--config", "--transformer", "--collective", "--weak"] {
            let run = try MTLDist.run(["bench", flag] + (flag == "--collective" || flag == "--weak" ? [] : ["x"]))
            XCTAssertNotEqual(run.status, 0, "\(run)")
            XCTAssertEqual(run.occurrences(of: "Unknown option '\(flag)'"), 1, "\(run)")
        }
    }
}
