import Collective
import Foundation

/// `mtl-dist bench collective`: the time of one in-place `MPI_Allreduce` (float sum) at several
/// sizes, on every rank of the run, for the scaling kit's latency–bandwidth fit. Each call starts
/// after a barrier; a call's time is the slowest rank's, and each size reports the median over its
/// repetitions.
public struct CollectiveBenchmark {
    /// Buffer sizes in bytes, each a multiple of 4.
    let sizes: [Int]
    let warmup: Int

    /// A benchmark of `MPI_Allreduce` at each of `sizes` (bytes), after `warmup` untimed calls.
    public init(sizes: [Int], warmup: Int) {
        self.sizes = sizes
        self.warmup = warmup
    }

    /// 4 KiB to 16 MiB in steps of 4×.
    public static let defaultSizes = [4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20]

    /// Repetitions of a size: about 64 MiB moved in all, between 5 and 200 calls.
    static func repetitions(bytes: Int) -> Int { min(200, max(5, (64 << 20) / max(bytes, 1))) }

    public struct Report {
        var worldSize: Int
        var rows: [(bytes: Int, medianSeconds: Double, repetitions: Int)]

        /// `{"world_size": W, "allreduce": [{"bytes": n, "median_s": t, "repetitions": k}, ...]}`.
        public var dictionary: [String: Any] {
            ["world_size": worldSize,
             "allreduce": rows.map { ["bytes": $0.bytes, "median_s": $0.medianSeconds, "repetitions": $0.repetitions] }]
        }

        public var table: String {
            rows.map { String(format: "MPI_Allreduce %9d bytes on %d rank(s): median %.3f ms over %d calls",
                              $0.bytes, worldSize, 1000 * $0.medianSeconds, $0.repetitions) }.joined(separator: "\n")
        }
    }

    public func run(communicator: Communicator) throws -> Report {
        var rows: [(bytes: Int, medianSeconds: Double, repetitions: Int)] = []
        for bytes in sizes {
            // zeros stay zeros under summation: no overflow however often the buffer is summed
            var buffer = [Float](repeating: 0, count: bytes / MemoryLayout<Float>.size)
            let count = CollectiveBenchmark.repetitions(bytes: bytes)
            var seconds = [Double](repeating: 0, count: count)
            try buffer.withUnsafeMutableBufferPointer { pointer in
                for i in 0..<(warmup + count) {
                    try communicator.barrier()
                    let start = DispatchTime.now().uptimeNanoseconds
                    try communicator.allReduceSum(pointer)
                    if i >= warmup { seconds[i - warmup] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
                }
            }
            try seconds.withUnsafeMutableBufferPointer { try communicator.allReduceMax($0) }
            rows.append((bytes, median(seconds), count))
        }
        return Report(worldSize: communicator.worldSize, rows: rows)
    }
}
