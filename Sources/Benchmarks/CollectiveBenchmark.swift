import Collective
import Foundation
import Reporting
import Training

/// `mtl-dist bench collective`: the time of the collectives the exchange strategies use, at several
/// sizes, on every rank of the run, for the scaling kit's latency–bandwidth fits: the in-place
/// `MPI_Allreduce` (float sum) of the dense and touched-rows sums, the reduce-scatter + all-gather
/// pair of the sharded update, and the non-blocking all-reduce (started, then waited for) of the
/// overlapped buckets. Each call starts after a barrier; a call's time is the slowest rank's, and
/// each size reports the median over its repetitions. With a pause, every rank sleeps that long
/// before each call of 256 KiB and more (the barrier after it), as a step's exchange comes after
/// its forward and backward: over TCP, calls back to back stall more often than calls spaced out
/// (BENCHMARKS.md, 2026-12-06), so the spaced calls are what a step's exchange costs.
public struct CollectiveBenchmark {
    /// Buffer sizes in bytes, each a multiple of 4.
    let sizes: [Int]
    let warmup: Int
    /// Seconds before each call of 256 KiB and more.
    let pause: Double

    /// A benchmark of every operation at each of `sizes` (bytes; the all-reduce at all of them, the
    /// others at those of 256 KiB and more, the sizes exchanges move), after `warmup` untimed calls,
    /// each call of 256 KiB and more after `pause` seconds.
    public init(sizes: [Int], warmup: Int, pause: Double = 0) {
        self.sizes = sizes
        self.warmup = warmup
        self.pause = max(0, pause)
    }

    /// The smallest of the sizes exchanges move: the other collectives start there, and a pause
    /// comes before these calls only.
    static let exchangeSizesFrom = 256 << 10

    /// 4 KiB to 16 MiB in steps of 4×.
    public static let defaultSizes = sizes(upToMiB: 16)

    /// 4 KiB, then ×4 while at most `mib` MiB, then `mib` MiB itself where the steps of 4× miss it:
    /// the largest size is what a step exchanges at once (the scaling kit passes the gradient's
    /// MiB), since a sum of the whole gradient can cost more per byte than one that stays in cache.
    public static func sizes(upToMiB mib: Int) -> [Int] {
        let largest = max(1, mib) << 20
        var sizes = [4 << 10]
        while sizes[sizes.count - 1] * 4 <= largest { sizes.append(sizes[sizes.count - 1] * 4) }
        if sizes[sizes.count - 1] != largest { sizes.append(largest) }
        return sizes
    }

    /// Repetitions of a size: about 64 MiB moved in all, between 5 and 200 calls; with a pause
    /// before each, no more calls than fit 5 s of pauses (at least 5).
    static func repetitions(bytes: Int, pause: Double = 0) -> Int {
        let moved = min(200, max(5, (64 << 20) / max(bytes, 1)))
        return pause > 0 ? max(5, min(moved, Int(5 / pause))) : moved
    }

    public struct Report {
        var worldSize: Int
        var pauseSeconds: Double
        var rows: [(operation: CollectiveOperation, bytes: Int, medianSeconds: Double, repetitions: Int)]

        /// `{"world_size": W, "pause_ms": P, "allreduce": [{"bytes": n, "median_s": t, "repetitions": k}, ...],
        /// "reduce_scatter_allgather": [...], "iallreduce": [...]}`.
        public var dictionary: [String: Any] {
            var d: [String: Any] = ["world_size": worldSize, "pause_ms": (1000 * pauseSeconds).rounded()]
            for operation in CollectiveOperation.allCases {
                d[operation.rawValue] = rows.filter { $0.operation == operation }
                    .map { ["bytes": $0.bytes, "median_s": $0.medianSeconds, "repetitions": $0.repetitions] }
            }
            return d
        }

        public var table: String {
            rows.map { String(format: "%@ %9d bytes on %d rank(s): median %.3f ms over %d calls",
                              $0.operation.rawValue, $0.bytes, worldSize, 1000 * $0.medianSeconds, $0.repetitions) }
                .joined(separator: "\n")
        }
    }

    public func run(communicator: Communicator) throws -> Report {
        var rows: [(operation: CollectiveOperation, bytes: Int, medianSeconds: Double, repetitions: Int)] = []
        for operation in CollectiveOperation.allCases {
            for bytes in sizes where operation == .allReduce || bytes >= CollectiveBenchmark.exchangeSizesFrom {
                // zeros stay zeros under summation: no overflow however often the buffer is summed
                var buffer = [Float](repeating: 0, count: bytes / MemoryLayout<Float>.size)
                // the in-place sum needs its own window (every rank on one host; none elsewhere, on all ranks alike)
                var shared: SharedSum? = nil
                if operation == .sharedSum {
                    guard let made = try communicator.makeSharedSum(count: buffer.count) else { continue }
                    shared = made
                }
                let pause = bytes >= CollectiveBenchmark.exchangeSizesFrom ? self.pause : 0
                let count = CollectiveBenchmark.repetitions(bytes: bytes, pause: pause)
                var seconds = [Double](repeating: 0, count: count)
                try buffer.withUnsafeMutableBufferPointer { pointer in
                    for i in 0..<(warmup + count) {
                        if pause > 0 { Thread.sleep(forTimeInterval: pause) }
                        try communicator.barrier()
                        let start = DispatchTime.now().uptimeNanoseconds
                        if let shared { try shared.sum() } else { try communicator.perform(operation, on: pointer) }
                        if i >= warmup { seconds[i - warmup] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
                    }
                }
                try seconds.withUnsafeMutableBufferPointer { try communicator.allReduceMax($0) }
                rows.append((operation, bytes, median(seconds), count))
            }
        }
        return Report(worldSize: communicator.worldSize, pauseSeconds: pause, rows: rows)
    }
}
