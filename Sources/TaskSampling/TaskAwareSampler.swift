import Autodiff

/// The global batches of multi-task training such that every rank holds every task in every step,
/// with a schedule that depends on the seed and the epoch only (the promises README.md makes in
/// "Running on several processes"; how they are kept is below).
///
/// Terms: B global batch size, W world size, T task count, m = `minPerRank`. An item is one
/// training sentence with every task it trains (`use_all_tasks` may give it several); n_t is the
/// number of items carrying task t. Items with the same task set form a group g of |g| items.
///
/// **Layout (W-independent).** W_max = `maxWorldSize`, by default the largest divisor of B with
/// B/W_max ≥ T·m whose reserved slots keep every task's share within 2 points of the strategy's
/// (`defaultMaxWorldSize`). A global batch is W_max windows of P = B/W_max positions. In every window the
/// position with offset t + T·i (i < m) is reserved for an item carrying task t; offsets T·m..<P
/// are free. Any contiguous run of ≥ P positions covers every offset mod P, so for every W that
/// divides B with W ≤ W_max, each rank slice (B/W ≥ P positions) holds ≥ m items of every task.
/// Cost: every task gets ≥ f = m·W_max draws per step, i.e. a share ≥ m/P, whatever the strategy;
/// the default plan stops where that would move a share by more than 2 points, and
/// `shareMessages` reports planned against configured shares.
///
/// **Mixing.** The strategy gives p_t (`SamplingStrategy`). An item's weight is the mean of
/// p_t/n_t over its tasks; group g's target per step is τ_g = B·w_g, w_g ∝ |g|·mean_{t∈g}(p_t/n_t).
/// Task t's f reserved draws are split over the groups carrying it in proportion to |g|, giving
/// r_g = Σ_{t∈g} f·|g|/n_t; the expected draws per step are e_g = max(r_g, κ·τ_g) with κ such that
/// Σ_g e_g = B, and the free positions go to groups by smooth weighted round robin on e_g − r_g.
/// With one task per item this gives task t the share max(f, κ·p_t·B)/B: exactly p_t when the
/// minimum does not bind. Proportional draws every item equally often, also with several tasks
/// per item, so the (item, task) pair counts are ∝ n_t.
///
/// **Epoch.** S = `stepsPerEpoch` is the fewest steps in which every group g gets ≥ |g| draws:
/// every item is drawn at least once per epoch (one pass under proportional, up to rounding).
/// Group g draws its items in an order shuffled by (seed, epoch, g, cycle); a group that gets more
/// than |g| draws in an epoch starts a new shuffled cycle. That is the only way an item appears
/// twice in an epoch, and it is reported per task in `oversampledTasks`. Within a step the
/// reserved items of each task and the free items are shuffled over their positions by
/// (seed, epoch, step): never by the rank.
///
/// The state is (epoch, step): `globalBatch(epoch:step:)` is a pure function of them. The last
/// requested epoch is precomputed and cached (O(S·B) once per epoch, O(B) per step); not thread-safe.
public final class TaskAwareSampler: TrainingSampler {
    /// Every training item, corpus-major (corpus 0's sentences in order, then corpus 1's, …).
    public let items: [SampledItem]
    /// T.
    public let taskCount: Int
    /// B, the global batch size.
    public let batchSize: Int
    /// The world size this sampler was checked for (the schedule does not depend on it).
    public let worldSize: Int
    /// W_max, the largest world size the schedule keeps the per-rank minimum for.
    public let maxWorldSize: Int
    /// m, the minimum number of items of every task in every rank batch.
    public let minPerRank: Int
    public let seed: UInt64
    public let strategy: SamplingStrategy
    /// T of the temperature strategy.
    public let temperature: Double
    /// n_t: items carrying task t.
    public let taskSizes: [Int]
    /// p_t from the strategy.
    public let strategyShares: [Double]
    /// Expected items carrying task t per global step, Σ_{g∋t} e_g (their ratio to B is the
    /// task's realised share; ≥ m·W_max).
    public let expectedPerStep: [Double]
    /// Tasks whose items are drawn more than once per epoch, and by how much.
    public let oversampledTasks: [TaskOversampling]

    /// The tasks of each group, and the items (indices into `items`) of each group.
    let groupTasks: [[Int]]
    let groupMembers: [[Int32]]
    let schedule: SlotSchedule
    private var cached: (epoch: Int, positions: [Int32])?

    /// P = B / W_max: the window every contiguous rank slice covers at least once.
    public var period: Int { batchSize / maxWorldSize }

    /// - `assignments`: per corpus, per training sentence, the tasks it trains (`TaskRouting`); a
    ///   sentence with none is never sampled.
    /// - `worldSize`: W, checked with `validate(worldSize:)`; `maxWorldSize`: W_max (nil:
    ///   `defaultMaxWorldSize`). The schedule depends on W_max, never on W.
    /// - `temperature`: T of the `.temperature` strategy (the others ignore it).
    /// Throws `SamplerError` for impossible settings, naming the values and a fix.
    public init(assignments: [[[Int]]], taskCount: Int, batchSize: Int, worldSize: Int, seed: UInt64,
                strategy: SamplingStrategy = .proportional, temperature: Double = 1, minPerRank: Int = 1,
                maxWorldSize: Int? = nil) throws {
        try TaskAwareSampler.checkSettings(taskCount: taskCount, batchSize: batchSize, worldSize: worldSize, strategy: strategy,
                                           temperature: temperature, minPerRank: minPerRank, maxWorldSize: maxWorldSize)

        // Items and their groups (by task set, in order of first appearance).
        var items: [SampledItem] = []
        var sizes = [Int](repeating: 0, count: taskCount)
        var groupOf: [[Int]: Int] = [:]
        var groupTasks: [[Int]] = []
        var members: [[Int32]] = []
        for (c, routes) in assignments.enumerated() {
            // a sentence routed to no task (unannotated for all of them) is not sampled
            for (s, tasks) in routes.enumerated() where !tasks.isEmpty {
                let key = Array(Set(tasks)).sorted()
                precondition(!key.isEmpty && key.allSatisfy { $0 >= 0 && $0 < taskCount } && key.count == tasks.count,
                             "corpus \(c) sentence \(s): tasks \(tasks) must be distinct indices in 0..<\(taskCount) (TaskRouting checks this)")
                precondition(items.count < Int(Int32.max), "more than \(Int32.max) training items")
                let g: Int
                if let known = groupOf[key] { g = known } else {
                    g = groupTasks.count
                    groupOf[key] = g
                    groupTasks.append(key)
                    members.append([])
                }
                members[g].append(Int32(items.count))
                for t in key { sizes[t] += 1 }
                items.append(SampledItem(corpus: c, sentence: s, tasks: tasks))
            }
        }
        if let empty = sizes.firstIndex(of: 0) { throw SamplerError.taskWithoutItems(task: empty) }

        let shares = strategy.shares(taskSizes: sizes, temperature: temperature)
        let groupSizes = members.map(\.count)
        // checkSlices passed for worldSize, so some world size fits
        let planned = maxWorldSize ?? TaskAwareSampler.defaultMaxWorldSize(
            groupTasks: groupTasks, groupSizes: groupSizes, taskSizes: sizes, shares: shares,
            batchSize: batchSize, minPerRank: minPerRank)
        guard worldSize <= planned else { throw SamplerError.worldSizeAbovePlan(worldSize: worldSize, maxWorldSize: planned) }
        let schedule = SlotSchedule(groupTasks: groupTasks, groupSizes: members.map(\.count), taskSizes: sizes,
                                    shares: shares, batchSize: batchSize, reservedPerTask: minPerRank * planned)
        var expected = [Double](repeating: 0, count: taskCount)
        for (g, tasks) in groupTasks.enumerated() { for t in tasks { expected[t] += schedule.expectedPerStep[g] } }

        self.items = items
        self.taskCount = taskCount
        self.batchSize = batchSize
        self.worldSize = worldSize
        self.maxWorldSize = planned
        self.minPerRank = minPerRank
        self.seed = seed
        self.strategy = strategy
        self.temperature = temperature
        self.taskSizes = sizes
        self.strategyShares = shares
        self.expectedPerStep = expected
        self.groupTasks = groupTasks
        self.groupMembers = members
        self.schedule = schedule
        self.oversampledTasks = TaskOversampling.report(schedule: schedule, groupTasks: groupTasks,
                                                        groupSizes: members.map(\.count), taskSizes: sizes)
    }

    /// Throws unless the settings admit a plan: B ≥ 1, m ≥ 1, at least one task, a positive finite
    /// temperature for `.temperature`, slices for `worldSize`, and W_max (when given) dividing B
    /// into slices that hold m items of every task.
    private static func checkSettings(taskCount: Int, batchSize: Int, worldSize: Int, strategy: SamplingStrategy,
                                      temperature: Double, minPerRank: Int, maxWorldSize: Int?) throws {
        guard batchSize >= 1 else {
            throw SamplerError.invalidSetting(key: "training.batch_size", value: "\(batchSize)", expected: "a positive number")
        }
        guard minPerRank >= 1 else {
            throw SamplerError.invalidSetting(key: "sampler.min_per_rank", value: "\(minPerRank)", expected: "at least 1")
        }
        guard taskCount >= 1 else {
            throw SamplerError.invalidSetting(key: "tasks", value: "\(taskCount) tasks", expected: "at least one task")
        }
        if strategy == .temperature, !(temperature > 0 && temperature.isFinite) {
            throw SamplerError.invalidSetting(key: "sampler.temperature", value: "\(temperature)", expected: "a positive finite number")
        }
        try TaskAwareSampler.checkSlices(batchSize: batchSize, worldSize: worldSize, taskCount: taskCount, minPerRank: minPerRank)
        if let w = maxWorldSize {
            guard w >= 1 else {
                throw SamplerError.invalidSetting(key: "sampler.max_world_size", value: "\(w)", expected: "at least 1")
            }
            guard batchSize % w == 0 else { throw SamplerError.maxWorldSizeNotDivisor(batchSize: batchSize, maxWorldSize: w) }
            guard batchSize / w >= taskCount * minPerRank else {
                throw SamplerError.batchTooSmall(batchSize: batchSize, worldSize: w, taskCount: taskCount, minPerRank: minPerRank)
            }
        }
    }

    /// How far the plan's task shares may stray from the strategy's before the default plan gets
    /// smaller and a run warns: 2 percentage points.
    public static let shareTolerance = 0.02

    /// Each task's share of the plan's (item, task) draws: Σ_{g∋t} e_g / Σ_t Σ_{g∋t} e_g. Equal to
    /// `strategyShares` (up to rounding of the slot sequence) unless the per-rank minimum binds.
    public var plannedShares: [Double] {
        let total = expectedPerStep.reduce(0, +)
        return expectedPerStep.map { $0 / total }
    }

    /// The default W_max: the largest W dividing B with B/W ≥ T·m whose reserved slots (f = m·W)
    /// keep every task's planned share within `shareTolerance` of the strategy's: the most ranks a
    /// run can use without changing the mixing it asked for. When even one rank's minimum moves a
    /// share further (a task too small for `min_per_rank` in every batch), mixing cannot follow the
    /// strategy anyway and the plan keeps the largest W (the start-of-run warning says so).
    static func defaultMaxWorldSize(groupTasks: [[Int]], groupSizes: [Int], taskSizes: [Int], shares: [Double],
                                    batchSize: Int, minPerRank: Int) -> Int {
        let candidates = (1...batchSize).filter { batchSize % $0 == 0 && batchSize / $0 >= taskSizes.count * minPerRank }
        for w in candidates.reversed() {
            let draws = SlotSchedule.expectedDraws(groupTasks: groupTasks, groupSizes: groupSizes, taskSizes: taskSizes,
                                                   shares: shares, batchSize: batchSize, reservedPerTask: minPerRank * w)
            var perTask = [Double](repeating: 0, count: taskSizes.count)
            for (g, tasks) in groupTasks.enumerated() { for t in tasks { perTask[t] += draws.expected[g] } }
            let total = perTask.reduce(0, +)
            let deviation = zip(perTask, shares).map { abs($0 / total - $1) }.max() ?? 0
            if deviation <= shareTolerance { return w }
        }
        return candidates.last ?? 1
    }

    /// The planned shares against the strategy's, one line, and a warning naming the keys that
    /// decide it when a task strays more than `shareTolerance`:
    /// `task shares planned (configured): pos 71.5% (71.5%), ner 28.5% (28.5%); up to 8 ranks`.
    public func shareMessages(taskNames: [String]) -> [String] {
        precondition(taskNames.count == taskCount, "\(taskNames.count) task names for \(taskCount) tasks")
        let planned = plannedShares
        let pairs = taskNames.indices.map {
            String(format: "%@ %.1f%% (%.1f%%)", taskNames[$0], 100 * planned[$0], 100 * strategyShares[$0])
        }
        var lines = ["task shares planned (configured): " + pairs.joined(separator: ", ")
                     + "; planned for up to \(maxWorldSize) rank\(maxWorldSize == 1 ? "" : "s")"]
        let strayed = taskNames.indices.filter { abs(planned[$0] - strategyShares[$0]) > TaskAwareSampler.shareTolerance }
        if !strayed.isEmpty {
            lines.append("warning: the plan gives " + strayed.map { String(format: "%@ %.1f%% instead of %.1f%%", taskNames[$0],
                                                                            100 * planned[$0], 100 * strategyShares[$0]) }
                            .joined(separator: ", ")
                         + " because every rank of up to sampler.max_world_size=\(maxWorldSize) holds sampler.min_per_rank=\(minPerRank) "
                         + "of every task in a batch of training.batch_size=\(batchSize); lower sampler.max_world_size, raise "
                         + "training.batch_size, or change sampler.strategy to match")
        }
        return lines
    }

    /// The largest W that divides `batchSize` with batchSize/W ≥ taskCount·minPerRank, or nil when
    /// even one rank cannot hold minPerRank items of every task.
    public static func largestWorldSize(batchSize: Int, taskCount: Int, minPerRank: Int) -> Int? {
        let needed = taskCount * minPerRank
        guard needed >= 1, batchSize >= needed else { return nil }
        // The smallest divisor L ≥ needed of B gives the largest W = B / L.
        for slice in needed...batchSize where batchSize % slice == 0 { return batchSize / slice }
        return nil
    }

    /// Throws unless `worldSize` ≥ 1 divides B, B/W ≥ T·m, and W ≤ W_max.
    public func validate(worldSize: Int) throws {
        try TaskAwareSampler.checkSlices(batchSize: batchSize, worldSize: worldSize, taskCount: taskCount, minPerRank: minPerRank)
        guard worldSize <= maxWorldSize else {
            throw SamplerError.worldSizeAbovePlan(worldSize: worldSize, maxWorldSize: maxWorldSize)
        }
    }

    private static func checkSlices(batchSize: Int, worldSize: Int, taskCount: Int, minPerRank: Int) throws {
        guard worldSize >= 1 else {
            throw SamplerError.invalidSetting(key: "world size", value: "\(worldSize)", expected: "at least 1 rank")
        }
        guard batchSize % worldSize == 0 else { throw SamplerError.batchNotDivisible(batchSize: batchSize, worldSize: worldSize) }
        guard batchSize / worldSize >= taskCount * minPerRank else {
            throw SamplerError.batchTooSmall(batchSize: batchSize, worldSize: worldSize, taskCount: taskCount, minPerRank: minPerRank)
        }
    }

    /// S, the same for every epoch (see the type's doc comment).
    public func stepsPerEpoch(epoch: Int) -> Int { schedule.stepCount }

    /// The B items of `step` in `epoch`; rank r of W takes positions r·B/W ..< (r+1)·B/W.
    public func globalBatch(epoch: Int, step: Int) -> [SampledItem] {
        precondition(epoch >= 0 && step >= 0 && step < schedule.stepCount,
                     "globalBatch: epoch \(epoch), step \(step) outside 0..<\(schedule.stepCount)")
        if cached?.epoch != epoch { cached = (epoch, positions(epoch: epoch)) }
        let positions = cached!.positions
        return (step * batchSize..<(step + 1) * batchSize).map { items[Int(positions[$0])] }
    }

    /// This sampler's rank batch: the `rank`-th of `worldSize` contiguous slices of the global batch.
    public func rankBatch(epoch: Int, step: Int, rank: Int) -> [SampledItem] {
        rankBatch(epoch: epoch, step: step, rank: rank, worldSize: worldSize)
    }

    /// Item indices of the whole epoch, [S, B] in batch order.
    func positions(epoch: Int) -> [Int32] {
        let steps = schedule.stepCount, f = schedule.reservedPerTask, free = schedule.freePerStep
        let window = period, reservedPerWindow = taskCount * minPerRank, freePerWindow = window - reservedPerWindow
        let epochKey = UInt64(epoch)
        var out = [Int32](repeating: -1, count: steps * batchSize)
        var cursors = groupMembers.enumerated().map { GroupCursor(members: $1, key: [seed, epochKey, 0x6772_6F75, UInt64($0)]) }
        var reserved = [Int32](repeating: 0, count: f)
        var freeItems = [Int32](repeating: 0, count: free)
        for s in 0..<steps {
            let base = s * batchSize
            var slot = base
            for t in 0..<taskCount {
                for j in 0..<f { reserved[j] = cursors[Int(schedule.slotGroups[slot])].next(); slot += 1 }
                var rng = SplitMix64(keys: seed, epochKey, UInt64(s), 0x7265_7376, UInt64(t))
                rng.shuffle(&reserved)
                // reserved j of task t → window j / m, offset t + T·(j mod m)
                for j in 0..<f { out[base + (j / minPerRank) * window + t + taskCount * (j % minPerRank)] = reserved[j] }
            }
            for k in 0..<free { freeItems[k] = cursors[Int(schedule.slotGroups[slot])].next(); slot += 1 }
            var rng = SplitMix64(keys: seed, epochKey, UInt64(s), 0x6672_6565)
            rng.shuffle(&freeItems)
            // free k → window k / (P − T·m), offset T·m + k mod (P − T·m)
            for k in 0..<free { out[base + (k / freePerWindow) * window + reservedPerWindow + k % freePerWindow] = freeItems[k] }
        }
        return out
    }
}

/// Draws the items of one group: cycle c is the group shuffled by (key…, c), so the first |g|
/// draws of an epoch are distinct and later ones repeat only by starting a new cycle.
struct GroupCursor {
    let members: [Int32]
    let key: [UInt64]
    private var order: [Int32] = []
    private var drawn = 0

    init(members: [Int32], key: [UInt64]) {
        precondition(!members.isEmpty, "a group has at least one item")
        self.members = members
        self.key = key
    }

    mutating func next() -> Int32 {
        let position = drawn % members.count
        if position == 0 {
            order = members
            var rng = SplitMix64(keyList: key + [UInt64(drawn / members.count)])
            rng.shuffle(&order)
        }
        drawn += 1
        return order[position]
    }
}

extension TrainingSampler {
    /// The `rank`-th of `worldSize` equal contiguous slices of `globalBatch(epoch:step:)`:
    /// positions rank·B/W ..< (rank+1)·B/W.
    public func rankBatch(epoch: Int, step: Int, rank: Int, worldSize: Int) -> [SampledItem] {
        let batch = globalBatch(epoch: epoch, step: step)
        precondition(worldSize >= 1 && batch.count % worldSize == 0 && rank >= 0 && rank < worldSize,
                     "rankBatch: a batch of \(batch.count) does not split into \(worldSize) ranks, or rank \(rank) is out of range")
        return Array(batch[rankSlice(batchSize: batch.count, rank: rank, worldSize: worldSize)])
    }
}
