/// The rule by which the overlapped sum starts its buckets, without a communicator: a bucket can
/// start once backward has made every one of its parameters final and every earlier bucket has
/// started (sums start strictly in bucket order, `OverlappedGradientReduce`). Used by the sum
/// itself and by whatever measures when the buckets could start (`exchange: auto`'s probe).
public struct BucketReadiness {
    public let buckets: GradientBuckets
    /// Per bucket: parameters whose gradient is not final yet.
    private var unready: [Int]
    /// The first bucket not started yet (`buckets.count` once all are).
    public private(set) var nextBucket = 0

    public init(_ buckets: GradientBuckets) {
        self.buckets = buckets
        unready = buckets.parameterCounts
    }

    /// True once every bucket can start.
    public var allStarted: Bool { nextBucket == buckets.count }

    /// The gradient of the parameter at `range` (a parameter of the plan, reported once) is final:
    /// the buckets that can start now, in order (often none).
    public mutating func parameterReady(_ range: Range<Int>) -> Range<Int> {
        guard let b = buckets.bucketOfParameter[range] else {
            preconditionFailure("\(range) is no parameter of the bucket plan")
        }
        precondition(unready[b] > 0, "parameter \(range) reported twice")
        unready[b] -= 1
        let first = nextBucket
        while nextBucket < buckets.count && unready[nextBucket] == 0 { nextBucket += 1 }
        return first ..< nextBucket
    }

    /// Parameters of the first bucket not started yet that are still unreported (0 once all started).
    public var unreportedInNextBucket: Int { allStarted ? 0 : unready[nextBucket] }
}
