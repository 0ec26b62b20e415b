import Autodiff

/// One sentence of a global batch and the tasks it trains in that step.
public struct SampledItem: Equatable, Hashable, Sendable {
    /// Index of the corpus (config order).
    public let corpus: Int
    /// Index of the sentence in that corpus's training split.
    public let sentence: Int
    /// Indices of the tasks (config order) this sentence trains in this step.
    public let tasks: [Int]

    public init(corpus: Int, sentence: Int, tasks: [Int]) {
        self.corpus = corpus
        self.sentence = sentence
        self.tasks = tasks
    }
}

/// Produces the global batches of training. The sequence depends on the seed and the epoch only;
/// with W ranks, rank r takes the r-th of W equal contiguous slices of each global batch.
public protocol TrainingSampler {
    /// Number of steps in an epoch.
    func stepsPerEpoch(epoch: Int) -> Int
    /// The global batch of `step` (0-based) in `epoch` (0-based).
    func globalBatch(epoch: Int, step: Int) -> [SampledItem]
}

/// The positions of rank `rank`'s slice of a global batch of `batchSize` items over `worldSize`
/// ranks: the r-th of W contiguous slices, rank·B/W ..< (rank+1)·B/W (equal when W divides B,
/// which the sampler checks). The one place a rank's share of a batch is computed.
public func rankSlice(batchSize: Int, rank: Int, worldSize: Int) -> Range<Int> {
    precondition(worldSize >= 1 && rank >= 0 && rank < worldSize, "rankSlice: rank \(rank) of \(worldSize)")
    return (batchSize * rank / worldSize) ..< (batchSize * (rank + 1) / worldSize)
}
