/// Summing only part of a buffer: the ranges packed into one contiguous scratch buffer, one
/// all-reduce, unpacked. Data parallelism uses it to exchange only the embedding rows a global
/// batch touched (every other row's gradient is zero on every rank) plus the dense parameters.
extension Communicator {
    /// Replaces `buffer[r]` for every range r of `ranges` with the elementwise sum over all ranks
    /// and leaves the rest of `buffer` as it is. `ranges` must be the same on every rank, ascending
    /// and disjoint, inside `buffer`; `scratch` is grown to their total length where it is shorter
    /// and reused across calls (never shrunk: the touched rows vary from step to step, and a new
    /// buffer of tens of MiB each step costs its page faults). Returns the number of floats summed. Each element is summed exactly as
    /// `allReduceSum(_:)` over the whole buffer would sum it at that world size (for two ranks,
    /// one addition: the same bits).
    @discardableResult
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>, ranges: [Range<Int>], scratch: inout [Float]) throws -> Int {
        var total = 0
        for (i, r) in ranges.enumerated() {
            precondition(r.lowerBound >= 0 && r.upperBound <= buffer.count && (i == 0 || ranges[i - 1].upperBound <= r.lowerBound),
                         "range \(r) of \(ranges.count) is outside 0..<\(buffer.count) or not after the one before")
            total += r.count
        }
        if scratch.count < total { scratch = [Float](repeating: 0, count: total) }
        guard let base = buffer.baseAddress, total > 0 else { return 0 }
        try scratch.withUnsafeMutableBufferPointer { whole in
            let packed = UnsafeMutableBufferPointer(rebasing: whole[0 ..< total])
            guard let out = packed.baseAddress else { return }
            // packed[k ..< k + |r|] = buffer[r], range after range
            var k = 0
            for r in ranges {
                (out + k).update(from: base + r.lowerBound, count: r.count)
                k += r.count
            }
            try allReduceSum(packed)
            k = 0
            for r in ranges {
                (base + r.lowerBound).update(from: out + k, count: r.count)
                k += r.count
            }
        }
        return total
    }
}
