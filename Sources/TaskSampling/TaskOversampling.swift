/// A task whose items the task-aware sampler draws more than once per epoch, for the training log.
public struct TaskOversampling: Equatable, Sendable {
    /// Why the task's items repeat.
    public enum Reason: Equatable, Sendable {
        /// Keeping `minPerRank` items of some task on each of `maxWorldSize` ranks draws a group
        /// carrying this task more often than the strategy would.
        case perRankMinimum
        /// The strategy (uniform, temperature) draws the task more often than its size.
        case strategy
        /// Only to fill the epoch's last step: at most about one step's draws repeat.
        case lastBatchFill
    }

    /// Task index.
    public let task: Int
    /// n_t, the items carrying the task.
    public let items: Int
    /// Draws of items carrying the task per epoch (≥ items).
    public let drawsPerEpoch: Int
    public let reason: Reason

    /// drawsPerEpoch / items: how many times an item of the task is drawn per epoch on average.
    public var factor: Double { Double(drawsPerEpoch) / Double(items) }

    public init(task: Int, items: Int, drawsPerEpoch: Int, reason: Reason) {
        self.task = task
        self.items = items
        self.drawsPerEpoch = drawsPerEpoch
        self.reason = reason
    }

    /// One log line, e.g. `task 'tiny' is oversampled: 3 sentences drawn 256 times per epoch
    /// (85.33×) to keep at least 1 per rank on up to 8 ranks`.
    public func message(taskName: String, minPerRank: Int, maxWorldSize: Int) -> String {
        let why: String
        switch reason {
        case .perRankMinimum: why = "to keep at least \(minPerRank) per rank on up to \(maxWorldSize) rank\(maxWorldSize == 1 ? "" : "s")"
        case .strategy: why = "by the sampling strategy"
        case .lastBatchFill: why = "to fill the epoch's last step"
        }
        let times = (factor * 100).rounded() / 100
        return "task '\(taskName)' is oversampled: \(items) sentence\(items == 1 ? "" : "s") drawn \(drawsPerEpoch) times per epoch (\(times)×) \(why)"
    }

    /// The tasks with D_t = Σ_{g∋t} D_g > n_t (some carrier group starts a second cycle). Reason:
    /// `.perRankMinimum` if the minimum binds for a group carrying t; else `.lastBatchFill` if every
    /// such group exceeds |g| by at most ⌈e_g⌉ (one step's draws); else `.strategy`.
    static func report(schedule: SlotSchedule, groupTasks: [[Int]], groupSizes: [Int], taskSizes: [Int]) -> [TaskOversampling] {
        var draws = [Int](repeating: 0, count: taskSizes.count)
        var binds = [Bool](repeating: false, count: taskSizes.count)
        var withinOneStep = [Bool](repeating: true, count: taskSizes.count)
        for (g, tasks) in groupTasks.enumerated() {
            let extra = schedule.drawsPerEpoch[g] - groupSizes[g]
            for t in tasks {
                draws[t] += schedule.drawsPerEpoch[g]
                if schedule.minimumBinds[g] && extra > 0 { binds[t] = true }
                if Double(extra) > schedule.expectedPerStep[g].rounded(.up) { withinOneStep[t] = false }
            }
        }
        return taskSizes.indices.compactMap { t in
            guard draws[t] > taskSizes[t] else { return nil }
            let reason: Reason = binds[t] ? .perRankMinimum : (withinOneStep[t] ? .lastBatchFill : .strategy)
            return TaskOversampling(task: t, items: taskSizes[t], drawsPerEpoch: draws[t], reason: reason)
        }
    }
}

extension TaskAwareSampler {
    /// One log line per oversampled task (`TaskOversampling.message`); `taskNames[t]` names task t.
    public func oversamplingMessages(taskNames: [String]) -> [String] {
        precondition(taskNames.count == taskCount, "\(taskNames.count) task names for \(taskCount) tasks")
        return oversampledTasks.map {
            $0.message(taskName: taskNames[$0.task], minPerRank: minPerRank, maxWorldSize: maxWorldSize)
        }
    }
}
