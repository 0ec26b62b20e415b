/// Gradient all-reduce for data parallelism: the flat gradient buffer summed (or averaged) over all
/// ranks, one blocking call per bucket of a `GradientBuckets` plan (the plan the overlapped sum,
/// `OverlappedGradientReduce`, starts during backward).
extension Communicator {
    /// Replaces `buffer` on every rank with the elementwise sum over all ranks,
    /// `buffer[i] = Σ_r buffer_r[i]`, one blocking all-reduce per bucket, in bucket order (none
    /// for an empty buffer). `buckets` must be a plan for `buffer.count` floats, the same on
    /// every rank.
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>, buckets: GradientBuckets) throws {
        precondition(buckets.elementCount == buffer.count,
                     "bucket plan for \(buckets.elementCount) floats, buffer has \(buffer.count)")
        for r in buckets.ranges {
            // buffer[r] = Σ_ranks buffer[r]
            try allReduceSum(UnsafeMutableBufferPointer(rebasing: buffer[r]))
        }
    }

    /// Replaces `buffer` on every rank with the elementwise mean over all ranks:
    /// `buffer[i] = (1 / worldSize) · Σ_r buffer_r[i]` (summed in `buckets` as in
    /// `allReduceSum(_:buckets:)`). With one rank the buffer is left bit-for-bit unchanged.
    public func allReduceMean(_ buffer: UnsafeMutableBufferPointer<Float>, buckets: GradientBuckets) throws {
        try allReduceSum(buffer, buckets: buckets)
        guard worldSize > 1, let base = buffer.baseAddress else { return }
        let scale = 1 / Float(worldSize)
        // buffer[i] *= 1/W
        for i in 0..<buffer.count { base[i] *= scale }
    }
}
