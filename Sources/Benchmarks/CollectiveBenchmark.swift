import Autodiff
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

    /// The size of the sum in flight while `overlapStretch` computes: the overlapped sum's bucket
    /// (`training.allreduce_bucket_mb`'s default, 4 MiB).
    static let stretchBytes = 4 << 20

    /// How much longer a rank's compute takes while a non-blocking sum is in flight than alone:
    /// what the overlapped buckets cost the backward they hide behind (the sum's TCP work and the
    /// progress thread's tests run on the rank's core). Both are timed `count` times, alternating,
    /// each pair after `pause`, each after a barrier: the same number of single-precision 192×192 products,
    /// as many as take about 0.8 of the sums' own time, at least one. Where one sum (`sumSeconds`)
    /// is shorter than 20 ms, up to 16 sums of 4 MiB are started at once, each on its own buffer,
    /// so the compute is long enough to time (buckets also overlap in training). Returns the median
    /// of each, the slowest rank's.
    func overlapStretch(communicator: Communicator, sumSeconds: Double) throws -> OverlapStretch {
        let side = 192
        let a = [Float](repeating: 0.5, count: side * side), b = [Float](repeating: 0.25, count: side * side)
        var c = [Float](repeating: 0, count: side * side)
        let sums = max(1, min(16, Int((0.02 / max(sumSeconds, 1e-6)).rounded(.up))))
        let floats = CollectiveBenchmark.stretchBytes / MemoryLayout<Float>.size
        var buffer = [Float](repeating: 0, count: sums * floats)
        func compute(_ products: Int) {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        guard let x = pa.baseAddress, let y = pb.baseAddress, let z = pc.baseAddress else { return }
                        for _ in 0..<products {
                            // C = A·B, beta 0: the same work every time
                            gemm(transA: false, transB: false, m: side, n: side, k: side, a: x, lda: side, b: y, ldb: side,
                                 beta: 0, c: z, ldc: side)
                        }
                    }
                }
            }
        }
        // one product's time on the slowest rank, so that every rank computes the same number
        compute(8)
        let calibrate = 32
        var each = [0.0]
        let start = DispatchTime.now().uptimeNanoseconds
        compute(calibrate)
        each[0] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 / Double(calibrate)
        try each.withUnsafeMutableBufferPointer { try communicator.allReduceMax($0) }
        let products = max(1, min(1_000_000, Int(0.8 * Double(sums) * sumSeconds / max(each[0], 1e-9))))
        let count = CollectiveBenchmark.repetitions(bytes: CollectiveBenchmark.stretchBytes, pause: pause)
        var alone = [Double](repeating: 0, count: count), during = alone
        try buffer.withUnsafeMutableBufferPointer { pointer in
            for i in 0..<count {
                if pause > 0 { Thread.sleep(forTimeInterval: pause) }
                try communicator.barrier()
                var t = DispatchTime.now().uptimeNanoseconds
                compute(products)
                alone[i] = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
                try communicator.barrier()
                let started = try (0..<sums).map { j in
                    try communicator.startAllReduceSum(UnsafeMutableBufferPointer(rebasing: pointer[j * floats ..< (j + 1) * floats]))
                }
                t = DispatchTime.now().uptimeNanoseconds
                compute(products)
                during[i] = Double(DispatchTime.now().uptimeNanoseconds - t) / 1e9
                try communicator.wait(started)
            }
        }
        var medians = [median(alone), median(during)]
        try medians.withUnsafeMutableBufferPointer { try communicator.allReduceMax($0) }
        return OverlapStretch(bytes: CollectiveBenchmark.stretchBytes, sums: sums, aloneSeconds: medians[0], duringSeconds: medians[1],
                              products: products, repetitions: count)
    }

    /// `overlapStretch`'s result: the compute's median time alone and with the sum in flight.
    public struct OverlapStretch {
        var bytes: Int
        /// Sums in flight at once.
        var sums: Int
        var aloneSeconds: Double
        var duringSeconds: Double
        var products: Int
        var repetitions: Int

        /// during ÷ alone − 1, at least 0.
        var stretch: Double { aloneSeconds > 0 ? max(0, duringSeconds / aloneSeconds - 1) : 0 }
    }

    public struct Report {
        var worldSize: Int
        var pauseSeconds: Double
        var rows: [(operation: CollectiveOperation, bytes: Int, medianSeconds: Double, repetitions: Int)]
        var stretch: OverlapStretch?

        /// `{"world_size": W, "pause_ms": P, "allreduce": [{"bytes": n, "median_s": t, "repetitions": k}, ...],
        /// "reduce_scatter_allgather": [...], "iallreduce": [...], "overlap_stretch": {"bytes": n, "sums": m,
        /// "stretch": x, "alone_s": t, "during_s": t, "products": k, "repetitions": r}}`, the last on more
        /// than one rank when the sizes reach 4 MiB.
        public var dictionary: [String: Any] {
            var d: [String: Any] = ["world_size": worldSize, "pause_ms": (1000 * pauseSeconds).rounded()]
            if let stretch {
                d["overlap_stretch"] = ["bytes": stretch.bytes, "sums": stretch.sums, "stretch": stretch.stretch, "alone_s": stretch.aloneSeconds,
                                        "during_s": stretch.duringSeconds, "products": stretch.products, "repetitions": stretch.repetitions]
            }
            for operation in CollectiveOperation.allCases {
                d[operation.rawValue] = rows.filter { $0.operation == operation }
                    .map { ["bytes": $0.bytes, "median_s": $0.medianSeconds, "repetitions": $0.repetitions] }
            }
            return d
        }

        public var table: String {
            let lines = rows.map { String(format: "%@ %9d bytes on %d rank(s): median %.3f ms over %d calls",
                                          $0.operation.rawValue, $0.bytes, worldSize, 1000 * $0.medianSeconds, $0.repetitions) }
            guard let stretch else { return lines.joined(separator: "\n") }
            return (lines + [String(format: "compute with %d non-blocking sum(s) of %d bytes in flight: %.3f ms against %.3f ms alone (+%.1f%%) over %d calls",
                                    stretch.sums, stretch.bytes, 1000 * stretch.duringSeconds, 1000 * stretch.aloneSeconds, 100 * stretch.stretch,
                                    stretch.repetitions)]).joined(separator: "\n")
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
        // the compute beside a bucket's sum in flight, where a bucket's size was timed
        var stretch: OverlapStretch?
        if communicator.worldSize > 1,
           let sum = rows.first(where: { $0.operation == .nonBlockingAllReduce && $0.bytes == CollectiveBenchmark.stretchBytes }) {
            stretch = try overlapStretch(communicator: communicator, sumSeconds: sum.medianSeconds)
        }
        return Report(worldSize: communicator.worldSize, pauseSeconds: pause, rows: rows, stretch: stretch)
    }
}
