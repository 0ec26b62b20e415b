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

/// A reordering of a global batch whose `rankSlice`s cost about the same, so that in a
/// data-parallel step no rank waits long for a slower one at the gradient sum: positions sorted by
/// `costs` (largest first, ties by position) are dealt to the ranks in snake order (0, 1, …, W−1,
/// W−1, …, 1, 0, 0, 1, …), skipping a rank whose slice is full. Returns `order`, where
/// `order[rankSlice(batchSize: n, rank: r, worldSize: W)]` are the positions rank r runs, in
/// batch order; with one rank, the identity. The ranks' union is the whole batch either way.
public func balancedOrder(costs: [Int], worldSize: Int) -> [Int] {
    precondition(worldSize >= 1, "balancedOrder: worldSize \(worldSize)")
    let n = costs.count
    guard worldSize > 1 else { return Array(0..<n) }
    let ranked = (0..<n).sorted { costs[$0] != costs[$1] ? costs[$0] > costs[$1] : $0 < $1 }
    let sizes = (0..<worldSize).map { rankSlice(batchSize: n, rank: $0, worldSize: worldSize).count }
    var shares = [[Int]](repeating: [], count: worldSize)
    var turn = 0
    for position in ranked {
        // the next rank in snake order with room (the slices hold n in all, so one has room)
        while true {
            let i = turn % worldSize, r = (turn / worldSize) % 2 == 0 ? i : worldSize - 1 - i
            turn += 1
            if shares[r].count < sizes[r] { shares[r].append(position); break }
        }
    }
    return shares.flatMap { $0.sorted() }
}
