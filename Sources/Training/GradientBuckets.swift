import Autodiff

/// The buckets of a gradient all-reduce that overlaps backward: the flat gradient buffer cut at
/// parameter boundaries into consecutive ranges of at most `bucketElements` floats (a larger
/// parameter is a bucket alone), taken from the end of the buffer. Bucket 0 therefore holds the
/// last-registered parameters (the task heads), whose gradients backward finishes first, and the
/// word embedding (registered first, finished last) lands in the last bucket (PyTorch DDP's
/// reverse-order buckets, `bucket_cap_mb`).
///
/// The plan depends on the layout and the bucket size only, so every rank builds the same one and
/// starts the same sums in the same order.
struct GradientBuckets: Equatable {
    /// Bucket k's range of the flat buffer; bucket k + 1 ends where bucket k begins.
    let ranges: [Range<Int>]
    /// Number of parameters in each bucket.
    let parameterCounts: [Int]
    /// The bucket holding each parameter, by the parameter's range of the flat buffer.
    let bucketOfParameter: [Range<Int>: Int]

    /// Buckets of at most `bucketElements` (≥ 1) floats over `parameters`, which must tile
    /// `0 ..< total` in order (as a `ParameterStore` lays them out).
    init(parameters: [Parameter], bucketElements: Int) {
        precondition(bucketElements >= 1, "bucket size \(bucketElements) < 1")
        var ranges: [Range<Int>] = [], counts: [Int] = [], bucketOf: [Range<Int>: Int] = [:]
        var end = parameters.last.map { $0.offset + $0.count } ?? 0
        var lower = end, members = 0
        for p in parameters.reversed() {
            precondition(p.offset + p.count == lower, "parameter '\(p.name)' at \(p.offset) + \(p.count) does not end at \(lower)")
            // close the bucket before it would exceed the cap (a bucket takes at least one parameter)
            if members > 0 && end - p.offset > bucketElements {
                ranges.append(lower ..< end)
                counts.append(members)
                end = lower
                members = 0
            }
            bucketOf[p.offset ..< p.offset + p.count] = ranges.count
            lower = p.offset
            members += 1
        }
        if members > 0 {
            ranges.append(lower ..< end)
            counts.append(members)
        }
        precondition(lower == 0, "parameters start at \(lower), expected 0")
        self.ranges = ranges
        parameterCounts = counts
        bucketOfParameter = bucketOf
    }

    /// Number of buckets.
    var count: Int { ranges.count }
}
