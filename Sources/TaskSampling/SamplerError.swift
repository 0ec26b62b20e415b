/// Errors of routing sentences to tasks and of setting up the task-aware sampler, each naming the
/// values involved and how to fix them.
/// Config keys in messages: `training.batch_size`, `sampler.min_per_rank`, `sampler.max_world_size`,
/// `sampler.temperature`.
public enum SamplerError: Error, CustomStringConvertible, Equatable {
    /// A setting outside its range: `key`, the value found, what was expected.
    case invalidSetting(key: String, value: String, expected: String)
    /// The global batch does not split into `worldSize` equal rank batches.
    case batchNotDivisible(batchSize: Int, worldSize: Int)
    /// `sampler.max_world_size` does not divide the global batch.
    case maxWorldSizeNotDivisor(batchSize: Int, maxWorldSize: Int)
    /// B/W sentences per rank cannot hold `minPerRank` sentences of each of `taskCount` tasks.
    case batchTooSmall(batchSize: Int, worldSize: Int, taskCount: Int, minPerRank: Int)
    /// More ranks than the schedule was planned for (`sampler.max_world_size`).
    case worldSizeAbovePlan(worldSize: Int, maxWorldSize: Int)
    /// A task that no training sentence carries.
    case taskWithoutItems(task: Int)
    /// Sentences of a corpus that no task would train (`TaskRouting`).
    case sentencesWithoutTask(corpus: String, split: String, count: Int, hint: String)
    /// A task that gets no training sentence (`TaskRouting`).
    case taskWithoutSentences(task: String, corpus: String, hint: String)

    public var description: String {
        switch self {
        case let .invalidSetting(key, value, expected):
            return "\(key): expected \(expected), found \(value)"
        case let .batchNotDivisible(batchSize, worldSize):
            let up = (batchSize / worldSize + 1) * worldSize
            return "training.batch_size \(batchSize) is not divisible by the world size \(worldSize): every rank takes batch_size / world_size sentences. Use a multiple of \(worldSize) (e.g. \(up)) or a number of ranks that divides \(batchSize)."
        case let .maxWorldSizeNotDivisor(batchSize, maxWorldSize):
            return "sampler.max_world_size \(maxWorldSize) does not divide training.batch_size \(batchSize). Use a divisor of \(batchSize) or leave max_world_size unset."
        case let .batchTooSmall(batchSize, worldSize, taskCount, minPerRank):
            let perRank = batchSize / worldSize
            let needed = taskCount * minPerRank
            var fix = "Use training.batch_size ≥ \(needed * worldSize) (a multiple of \(worldSize))"
            if let most = TaskAwareSampler.largestWorldSize(batchSize: batchSize, taskCount: taskCount, minPerRank: minPerRank) {
                fix += ", at most \(most) rank\(most == 1 ? "" : "s")"
            }
            fix += minPerRank > 1 ? ", or a smaller sampler.min_per_rank." : ", or fewer tasks."
            return "training.batch_size \(batchSize) over \(worldSize) rank\(worldSize == 1 ? "" : "s") gives \(perRank) sentence\(perRank == 1 ? "" : "s") per rank, but every rank needs sampler.min_per_rank \(minPerRank) × \(taskCount) tasks = \(needed). \(fix)"
        case let .worldSizeAbovePlan(worldSize, maxWorldSize):
            return "world size \(worldSize) exceeds sampler.max_world_size \(maxWorldSize), the largest the sampling schedule was planned for. Set sampler.max_world_size: \(worldSize) (this changes the schedule) or run on at most \(maxWorldSize) ranks."
        case let .taskWithoutItems(task):
            return "task \(task) gets no training sentence, so no rank can hold one. Check the task's corpus and label column."
        case let .sentencesWithoutTask(corpus, split, count, hint):
            return "corpus '\(corpus)' (\(split)): \(count) sentence\(count == 1 ? "" : "s") would train no task. \(hint)"
        case let .taskWithoutSentences(task, corpus, hint):
            return "task '\(task)' gets no training sentence from corpus '\(corpus)'. \(hint)"
        }
    }
}
