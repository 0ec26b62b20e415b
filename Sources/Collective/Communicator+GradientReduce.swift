/// Gradient all-reduce for data parallelism: one flat gradient buffer, summed (or averaged) over
/// all ranks in buckets.
///
/// Bucketing splits one large all-reduce into several of at most `bucketElements` floats, in
/// order `[0, b)`, `[b, 2b)`, …; the result is the same sum (each element is reduced exactly
/// once). It bounds the size of a single MPI message and is where overlapping communication with
/// backward would hook in (PyTorch DDP `bucket_cap_mb`,
/// https://pytorch.org/docs/stable/generated/torch.nn.parallel.DistributedDataParallel.html).
extension Communicator {
    /// Replaces `buffer` on every rank with the elementwise sum over all ranks, in consecutive
    /// buckets of at most `bucketElements` elements (default: one bucket for the whole buffer).
    ///
    /// `buffer[i] = Σ_r buffer_r[i]` for `i` in `0..<buffer.count`; `ceil(count / bucketElements)`
    /// all-reduce calls, none for an empty buffer. Every rank must pass the same count and bucket size.
    /// Throws `CollectiveError.invalidBucketSize` when `bucketElements < 1`.
    public func allReduceSumBucketed(_ buffer: UnsafeMutableBufferPointer<Float>,
                                     bucketElements: Int = .max) throws {
        guard bucketElements >= 1 else { throw CollectiveError.invalidBucketSize(bucketElements) }
        guard let base = buffer.baseAddress else { return }
        var start = 0
        while start < buffer.count {
            let count = min(bucketElements, buffer.count - start)
            // buffer[start ..< start+count] = Σ_r buffer_r[start ..< start+count]
            try allReduceSum(UnsafeMutableBufferPointer(start: base + start, count: count))
            start += count
        }
    }

    /// Replaces `buffer` on every rank with the elementwise mean over all ranks:
    /// `buffer[i] = (1 / worldSize) · Σ_r buffer_r[i]` (the sum is bucketed as in
    /// `allReduceSumBucketed`). With one rank the buffer is left bit-for-bit unchanged.
    public func allReduceMean(_ buffer: UnsafeMutableBufferPointer<Float>,
                              bucketElements: Int = .max) throws {
        try allReduceSumBucketed(buffer, bucketElements: bucketElements)
        guard worldSize > 1, let base = buffer.baseAddress else { return }
        let scale = 1 / Float(worldSize)
        // buffer[i] *= 1/W
        for i in 0..<buffer.count { base[i] *= scale }
    }
}
