/// The epoch-independent part of the task-aware sampler's plan: which item group fills each slot
/// of each step. Depends on the groups, the strategy shares, B, T and f = m·W_max only (never on
/// the world size or the epoch); the epoch only changes which item of a group fills a slot.
///
/// Slots of step s, in canonical order: f reserved slots of task 0, f of task 1, …, then the
/// F = B − T·f free slots. Terms: G groups, |g| group size, n_t items carrying task t.
struct SlotSchedule {
    /// f: reserved slots of every task per step (m·W_max).
    let reservedPerTask: Int
    /// F = B − T·f.
    let freePerStep: Int
    /// S: steps per epoch, the fewest in which every group has had ≥ |g| draws.
    let stepCount: Int
    /// e_g: expected draws of group g per step, Σ_g e_g = B.
    let expectedPerStep: [Double]
    /// Whether group g's reserved draws exceed its strategy target (the per-rank minimum binds).
    let minimumBinds: [Bool]
    /// D_g: draws of group g per epoch.
    let drawsPerEpoch: [Int]
    /// The group of every slot, [S, B] in canonical slot order.
    let slotGroups: [Int32]

    /// - `groupTasks[g]`: the tasks of group g; `groupSizes[g]` = |g| > 0.
    /// - `taskSizes[t]` = n_t = Σ_{g ∋ t} |g| > 0; `shares[t]` = p_t from the strategy.
    ///
    /// Rules (see `TaskAwareSampler`):
    /// - target per step τ_g = B·w_g with w_g ∝ |g| · mean_{t∈g} p_t / n_t, Σ w_g = 1;
    /// - reserved draws r_g = Σ_{t∈g} f·|g|/n_t (task t's f reserved slots split over the groups
    ///   carrying it in proportion to their sizes);
    /// - e_g = max(r_g, κ·τ_g), κ chosen so that Σ e_g = B (water filling);
    /// - the free slots go to groups by smooth weighted round robin on e_g − r_g, the reserved
    ///   slots of task t to its groups by smooth weighted round robin on |g|.
    init(groupTasks: [[Int]], groupSizes: [Int], taskSizes: [Int], shares: [Double],
         batchSize: Int, reservedPerTask f: Int) {
        let taskCount = taskSizes.count, groupCount = groupSizes.count
        let (reserved, expected, binds) = SlotSchedule.expectedDraws(groupTasks: groupTasks, groupSizes: groupSizes,
                                                                     taskSizes: taskSizes, shares: shares,
                                                                     batchSize: batchSize, reservedPerTask: f)
        var carriers = [[Int]](repeating: [], count: taskCount)
        for (g, tasks) in groupTasks.enumerated() { for t in tasks { carriers[t].append(g) } }

        var reservedPickers = carriers.map { groups in
            SmoothRoundRobin(weights: groups.map { Double(groupSizes[$0]) })
        }
        let freeCount = batchSize - taskCount * f
        var freePicker = freeCount > 0
            ? SmoothRoundRobin(weights: (0..<groupCount).map { max(0, expected[$0] - reserved[$0]) }) : nil

        // Run steps until every group has had |g| draws: slots[s·B + k] = group of canonical slot k.
        var slots: [Int32] = []
        var draws = [Int](repeating: 0, count: groupCount)
        var uncovered = groupCount
        while uncovered > 0 {
            precondition(slots.count <= Int(Int32.max) - batchSize, "schedule: epoch longer than \(Int32.max) slots")
            for t in 0..<taskCount {
                for _ in 0..<f { slots.append(Int32(carriers[t][reservedPickers[t].next()])) }
            }
            for _ in 0..<freeCount { slots.append(Int32(freePicker!.next())) }
            for k in (slots.count - batchSize)..<slots.count {
                let g = Int(slots[k])
                draws[g] += 1
                if draws[g] == groupSizes[g] { uncovered -= 1 }
            }
        }
        reservedPerTask = f
        freePerStep = freeCount
        stepCount = slots.count / batchSize
        expectedPerStep = expected
        minimumBinds = binds
        drawsPerEpoch = draws
        slotGroups = slots
    }

    /// The rules' expected draws per step without the slot sequence: r_g (reserved), e_g, and
    /// whether the reserved draws bind, for the arguments of `init`.
    static func expectedDraws(groupTasks: [[Int]], groupSizes: [Int], taskSizes: [Int], shares: [Double],
                              batchSize: Int, reservedPerTask f: Int) -> (reserved: [Double], expected: [Double], binds: [Bool]) {
        let taskCount = taskSizes.count, groupCount = groupSizes.count
        precondition(groupTasks.count == groupCount && shares.count == taskCount,
                     "schedule: \(groupTasks.count) task lists for \(groupCount) groups, \(shares.count) shares for \(taskCount) tasks")
        precondition(taskCount * f <= batchSize, "schedule: \(taskCount) tasks × \(f) reserved > batch \(batchSize)")
        var reserved = [Double](repeating: 0, count: groupCount)
        var weight = [Double](repeating: 0, count: groupCount)
        for g in 0..<groupCount {
            let size = Double(groupSizes[g])
            var perItem = 0.0
            for t in groupTasks[g] {
                reserved[g] += Double(f) * size / Double(taskSizes[t])
                perItem += shares[t] / Double(taskSizes[t])
            }
            weight[g] = size * perItem / Double(groupTasks[g].count)
        }
        let weightSum = weight.reduce(0, +)
        let targets = weight.map { Double(batchSize) * $0 / weightSum }
        let (expected, binds) = SlotSchedule.waterFill(floors: reserved, targets: targets, total: Double(batchSize))
        return (reserved, expected, binds)
    }

    /// Water filling: e_g = max(floors[g], κ·targets[g]) with κ ≥ 0 such that Σ e_g = total
    /// (requires Σ floors ≤ total). Groups whose floor exceeds κ·target are reported as binding.
    static func waterFill(floors: [Double], targets: [Double], total: Double) -> (expected: [Double], binds: [Bool]) {
        precondition(floors.count == targets.count, "waterFill: \(floors.count) floors, \(targets.count) targets")
        var active = [Bool](repeating: true, count: floors.count)
        while true {
            var fixed = 0.0, free = 0.0
            for g in floors.indices { if active[g] { free += targets[g] } else { fixed += floors[g] } }
            guard free > 0 else { return (floors, active.map { !$0 }) }
            // κ only falls as groups leave the active set, so a group that left never returns.
            let kappa = (total - fixed) / free
            var changed = false
            for g in floors.indices where active[g] && kappa * targets[g] < floors[g] {
                active[g] = false
                changed = true
            }
            if !changed {
                return (floors.indices.map { active[$0] ? kappa * targets[$0] : floors[$0] }, active.map { !$0 })
            }
        }
    }
}

/// Deterministic weighted interleaving (smooth weighted round robin, as in nginx's upstream
/// balancer): every pick adds w_i to each counter c_i, takes the largest (lowest index on ties)
/// and subtracts Σw from it, so after k picks index i has been taken ≈ k·w_i/Σw times, spread
/// evenly. Weights are quantised to integers (2^30 total) so the sequence is exact arithmetic.
struct SmoothRoundRobin {
    private let weights: [Int64]
    private let total: Int64
    private var counters: [Int64]

    init(weights: [Double]) {
        let sum = weights.reduce(0, +)
        precondition(sum > 0 && weights.allSatisfy { $0 >= 0 && $0.isFinite },
                     "round robin needs non-negative weights with a positive sum, got \(weights)")
        let scale = Double(1 << 30)
        let quantised = weights.map { $0 <= 0 ? Int64(0) : max(1, Int64(($0 / sum * scale).rounded())) }
        self.weights = quantised
        total = quantised.reduce(0, +)
        counters = [Int64](repeating: 0, count: weights.count)
    }

    mutating func next() -> Int {
        var best = 0
        for i in weights.indices {
            counters[i] += weights[i]
            if counters[i] > counters[best] { best = i }
        }
        counters[best] -= total
        return best
    }
}
