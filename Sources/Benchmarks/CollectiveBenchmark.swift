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
/// each size reports the median over its repetitions, which are spread over `passes` passes through
/// the sizes of each operation. With a pause, every rank sleeps that long
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

    /// Passes over the sizes of one operation: each size's repetitions are spread evenly over them
    /// (the warm-up calls in the first), so that something else running on the machine for a few
    /// seconds takes a few calls of every size rather than every call of one. Timed back to back,
    /// one size could be hit whole: across 4 emulated hosts at 10 Gbit/s the 4 MiB all-reduce took
    /// 38.2 ms where the reduce-scatter + all-gather pair of the same bytes took 16.1
    /// (docs/scaling/emulated-stretch).
    static let passes = 4

    /// The order in which `run` times one operation's sizes, each with `counts[k]` timed calls:
    /// `passes` passes, each visiting every size in turn for its share of the calls (the first passes
    /// taking the remainder), the first pass after `warmup` untimed calls of each size. Each element
    /// is (index of the size, untimed calls, timed calls), in order; a size without a call in a pass is left out.
    static func schedule(counts: [Int], warmup: Int) -> [(size: Int, untimed: Int, timed: Int)] {
        (0..<passes).flatMap { pass in
            counts.indices.compactMap { k -> (size: Int, untimed: Int, timed: Int)? in
                let timed = counts[k] / passes + (pass < counts[k] % passes ? 1 : 0)
                let untimed = pass == 0 ? warmup : 0
                return timed + untimed > 0 ? (k, untimed, timed) : nil
            }
        }
    }

    public func run(communicator: Communicator) throws -> Report {
        var rows: [(operation: CollectiveOperation, bytes: Int, medianSeconds: Double, repetitions: Int)] = []
        // zeros stay zeros under summation: no overflow however often the buffer is summed; each size sums a prefix
        var buffer = [Float](repeating: 0, count: (sizes.max() ?? 0) / MemoryLayout<Float>.size)
        for operation in CollectiveOperation.allCases {
            var timed = sizes.filter { operation == .allReduce || $0 >= CollectiveBenchmark.exchangeSizesFrom }
            // the in-place sum needs a window per size (every rank on one host; none elsewhere, on all ranks alike),
            // made in the sizes' order on every rank (making one is collective)
            var windows: [SharedSum] = []
            if operation == .sharedSum {
                for bytes in timed {
                    guard let made = try communicator.makeSharedSum(count: bytes / MemoryLayout<Float>.size) else { break }
                    windows.append(made)
                }
                timed = Array(timed.prefix(windows.count))
            }
            let pauses = timed.map { $0 >= CollectiveBenchmark.exchangeSizesFrom ? pause : 0 }
            let counts = zip(timed, pauses).map { CollectiveBenchmark.repetitions(bytes: $0, pause: $1) }
            var seconds = counts.map { [Double](repeating: 0, count: $0) }
            var done = [Int](repeating: 0, count: timed.count)
            try buffer.withUnsafeMutableBufferPointer { whole in
                for (k, untimed, calls) in CollectiveBenchmark.schedule(counts: counts, warmup: warmup) {
                    let slice = UnsafeMutableBufferPointer(rebasing: whole[0 ..< timed[k] / MemoryLayout<Float>.size])
                    for i in 0..<(untimed + calls) {
                        if pauses[k] > 0 { Thread.sleep(forTimeInterval: pauses[k]) }
                        try communicator.barrier()
                        let start = DispatchTime.now().uptimeNanoseconds
                        if operation == .sharedSum { try windows[k].sum() } else { try communicator.perform(operation, on: slice) }
                        if i >= untimed {
                            seconds[k][done[k]] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                            done[k] += 1
                        }
                    }
                }
            }
            for k in timed.indices {
                try seconds[k].withUnsafeMutableBufferPointer { try communicator.allReduceMax($0) }
                rows.append((operation, timed[k], median(seconds[k]), counts[k]))
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
