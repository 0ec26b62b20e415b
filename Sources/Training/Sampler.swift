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

/// Every routed training sentence once per epoch, in an order shuffled from (seed, epoch), cut
/// into global batches of `batchSize` (the last one may be smaller).
public final class ShuffledSampler: TrainingSampler {
    public let items: [SampledItem]
    public let batchSize: Int
    public let seed: UInt64
    private var cached: (epoch: Int, order: [Int])?

    /// - `assignments`: per corpus, per training sentence, its task indices (from `TaskRouting`).
    public init(assignments: [[[Int]]], batchSize: Int, seed: UInt64) {
        precondition(batchSize > 0, "batch size must be positive")
        var items: [SampledItem] = []
        for (c, routes) in assignments.enumerated() {
            for (s, tasks) in routes.enumerated() { items.append(SampledItem(corpus: c, sentence: s, tasks: tasks)) }
        }
        self.items = items
        self.batchSize = batchSize
        self.seed = seed
    }

    public func stepsPerEpoch(epoch: Int) -> Int { (items.count + batchSize - 1) / batchSize }

    public func globalBatch(epoch: Int, step: Int) -> [SampledItem] {
        if cached?.epoch != epoch { cached = (epoch, permutation(epoch: epoch)) }
        let order = cached!.order
        let start = step * batchSize
        return order[start..<min(start + batchSize, order.count)].map { items[$0] }
    }

    /// The epoch's order of `items`, a Fisher–Yates shuffle keyed by (seed, epoch).
    public func permutation(epoch: Int) -> [Int] {
        var order = Array(items.indices)
        var rng = SplitMix64(keys: seed, UInt64(epoch), 0x7368_7566)
        rng.shuffle(&order)
        return order
    }
}
