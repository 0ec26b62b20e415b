/// The buckets in which the flat gradient buffer is summed over ranks: the one plan both gradient
/// sums follow. `Communicator.allReduceSum(_:buckets:)` sums the buckets one after another once
/// backward is done; `OverlappedGradientReduce` starts each bucket's sum while backward still runs.
/// Either way every element is summed exactly once, so both equal one all-reduce of the whole
/// buffer up to float summation order.
///
/// The buffer is cut at parameter boundaries into consecutive ranges of at most `bucketElements`
/// floats (a larger parameter is a bucket alone), taken from the end of the buffer. Bucket 0
/// therefore holds the last-registered parameters (the task heads), whose gradients backward
/// finishes first, and the word embedding (registered first, finished last) lands in the last
/// bucket (PyTorch DDP's reverse-order buckets, `bucket_cap_mb`,
/// https://pytorch.org/docs/stable/generated/torch.nn.parallel.DistributedDataParallel.html).
///
/// The plan depends on the layout and the bucket size only, so every rank builds the same one and
/// starts the same sums in the same order.
public struct GradientBuckets: Equatable, Sendable {
    /// Bucket k's range of the flat buffer; bucket k + 1 ends where bucket k begins.
    public let ranges: [Range<Int>]
    /// Number of parameters in each bucket.
    public let parameterCounts: [Int]
    /// The bucket holding each parameter, by the parameter's range of the flat buffer.
    public let bucketOfParameter: [Range<Int>: Int]

    /// Buckets of at most `bucketElements` floats over `parameters`, the ranges of the flat buffer
    /// the parameters occupy, which must tile `0 ..< total` in order (as `ParameterStore` lays them
    /// out). The default, `Int.max`, makes one bucket of the whole buffer (none when it is empty).
    /// Throws `CollectiveError.invalidBucketSize` when `bucketElements < 1`.
    public init(parameters: [Range<Int>], bucketElements: Int = .max) throws {
        guard bucketElements >= 1 else { throw CollectiveError.invalidBucketSize(bucketElements) }
        var ranges: [Range<Int>] = [], counts: [Int] = [], bucketOf: [Range<Int>: Int] = [:]
        var end = parameters.last?.upperBound ?? 0
        var lower = end, members = 0
        for p in parameters.reversed() {
            precondition(p.upperBound == lower, "parameter \(p) does not end at \(lower)")
            // close the bucket before it would exceed the cap (a bucket takes at least one parameter)
            if members > 0 && end - p.lowerBound > bucketElements {
                ranges.append(lower ..< end)
                counts.append(members)
                end = lower
                members = 0
            }
            bucketOf[p] = ranges.count
            lower = p.lowerBound
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
    public var count: Int { ranges.count }

    /// Length of the flat buffer the plan covers.
    public var elementCount: Int { ranges.first?.upperBound ?? 0 }

    /// The bucket cap of `mebibytes` MiB of 4-byte floats (at least 1); `Int.max`, one bucket for
    /// the whole buffer, for 0 and for a cap too large to count.
    public static func elements(mebibytes: Double) -> Int {
        let elements = (mebibytes * 1_048_576 / 4).rounded(.down)
        guard mebibytes > 0, elements < Double(Int.max) else { return .max }
        return max(1, Int(elements))
    }
}
