/// One step's gradient sum over ranks, overlapped with backward, in the buckets of a
/// `GradientBuckets` plan: backward reports each parameter whose gradient is final
/// (`parameterReady`); once every parameter of a bucket is, and every earlier bucket has started,
/// the bucket's non-blocking sum starts. Between starts, each call lets the running sums progress.
/// `finish()` waits for the sums still running when backward ends.
///
/// Buckets start strictly in bucket order, never in the order they become ready: which parameters
/// finish first depends on this rank's slice of the batch (a head without rows here is ready at
/// once), but MPI matches non-blocking collectives by the order ranks start them.
public final class OverlappedGradientReduce {
    private let communicator: Communicator
    private let gradients: UnsafeMutableBufferPointer<Float>
    private var readiness: BucketReadiness
    private var requests: [CollectiveRequest] = []
    private let created = ContinuousClock.now
    /// Seconds spent inside the communicator's start and progress calls (during backward).
    public private(set) var communicationSeconds: Double = 0
    /// Seconds from this reduce's creation (just before backward) to each started bucket's start, in
    /// bucket order: when backward had made the bucket startable (the cost model's ready times).
    public private(set) var startSeconds: [Double] = []
    /// Called as each bucket's sum starts, with the bucket's index and bytes (for `--trace`).
    public var bucketStarted: ((Int, Int) -> Void)? = nil

    /// Ready to reduce `gradients` (the flat gradient buffer the plan was made for) over ranks.
    public init(buckets: GradientBuckets, communicator: Communicator, gradients: UnsafeMutableBufferPointer<Float>) {
        precondition(buckets.elementCount == gradients.count,
                     "bucket plan for \(buckets.elementCount) floats, gradient buffer has \(gradients.count)")
        self.communicator = communicator
        self.gradients = gradients
        readiness = BucketReadiness(buckets)
    }

    /// The gradient of the parameter at `range` is final: starts every bucket that can start now
    /// (in order), then lets the running sums progress.
    public func parameterReady(_ range: Range<Int>) throws {
        let startable = readiness.parameterReady(range)
        let clock = ContinuousClock.now
        defer { communicationSeconds += seconds(ContinuousClock.now - clock) }
        for b in startable {
            let r = readiness.buckets.ranges[b]
            startSeconds.append(seconds(clock - created))
            // gradients[r] = Σ_ranks gradients[r], complete once waited for
            requests.append(try communicator.startAllReduceSum(UnsafeMutableBufferPointer(rebasing: gradients[r])))
            bucketStarted?(b, r.count * MemoryLayout<Float>.size)
        }
        if !requests.isEmpty { try communicator.progress() }
    }

    /// Waits for every bucket's sum; every parameter must have been reported.
    public func finish() throws {
        precondition(readiness.allStarted,
                     "backward ended with bucket \(readiness.nextBucket) of \(readiness.buckets.count) not ready (\(readiness.unreportedInNextBucket) parameters unreported)")
        try communicator.wait(requests)
        requests.removeAll()
    }
}

private func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
}
