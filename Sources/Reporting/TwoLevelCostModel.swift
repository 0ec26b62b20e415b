import Foundation

/// The exchange cost at two levels, each a ring all-reduce `AllReduceCostModel` fitted on
/// `bench collective` timings taken where it applies: within a host (shared memory, the timings on
/// one host) and between hosts (one fit per network rate, on the timings across emulated hosts at
/// that rate, or across the hosts a sweep was launched on). Traffic between hosts is never priced
/// with shared memory's α and β: a link whose level was not measured has no cost (nil).
///
/// OpenMPI's all-reduce over H hosts of R ranks (ranks of a host consecutive, as `--map-by slot`
/// places them) is a ring over all p = H·R ranks: each of its 2(p−1) steps moves n/p bytes over every
/// hop at once, and waits for the slowest hop, which is a network hop as soon as H ≥ 2. So a run
/// across hosts costs 2(p−1)·α_net + 2(p−1)/p·n·β_net, and one on one host 2(p−1)·α_shm +
/// 2(p−1)/p·n·β_shm.
public struct TwoLevelCostModel {
    /// Each level's fit.
    public private(set) var levels: [ScalingLevel: AllReduceCostModel] = [:]
    /// Every sample of each level (those in its fit and the others, shown against it).
    public private(set) var samples: [ScalingLevel: [AllReduceSample]] = [:]
    /// The samples each level's fit used.
    public private(set) var fitted: [ScalingLevel: [AllReduceSample]] = [:]
    /// The other collectives' fits (reduce-scatter + all-gather, the non-blocking all-reduce), each
    /// per level as the all-reduce's, where the sweep timed them; `levels`, `samples` and `fitted`
    /// above are the all-reduce's.
    public private(set) var operations: [CollectiveOperation: TwoLevelCostModel] = [:]

    /// The smallest message a network level's fit uses when it has timings of two such sizes.
    public static let smallestFittedNetworkBytes = 1_048_576.0

    /// Fits given, not fitted here: `levels` the all-reduce's, `operations` the other collectives' per level.
    public init(levels: [ScalingLevel: AllReduceCostModel], operations: [CollectiveOperation: [ScalingLevel: AllReduceCostModel]] = [:]) {
        self.levels = levels
        self.operations = operations.mapValues { TwoLevelCostModel(levels: $0) }
    }

    /// One fit per level. A sample with a link (`--emulate` sweeps) belongs to its link's level; one
    /// without (a sweep launched as it is) to `unlinked`: `.sharedMemory` when the sweep ran on one
    /// host, `.cluster` when on several (nil leaves such samples out).
    ///
    /// A fit uses the timings with a core per rank when there are any (with ranks sharing cores the
    /// time is mostly the scheduler's), and a network level only its messages of 1 MiB and more when
    /// it has two such sizes: one α and one β cannot follow TCP from 4 KiB (within the shaper's burst
    /// and the socket buffers, at line rate) to 16 MiB (a ring sending both ways at once), and
    /// gradients, touched rows and buckets are of the large kind. The other timings stay in `samples`.
    ///
    /// Those large messages cannot tell the latency α from zero (a 1 MiB sum at 100 Mbit/s is 10^4
    /// latencies long), yet α decides a ring of 1,024 ranks: a network level's α is the all-reduce's
    /// smallest message over its 2(p−1) steps (the fastest such timing), and β is fitted on the large
    /// messages with that α; the other collectives take the all-reduce's α at their level.
    ///
    /// Each operation is fitted on its own samples alone (the form T(p, n) serves for all three: the
    /// reduce-scatter and the all-gather are the two halves of a ring all-reduce).
    public init(fitting all: [AllReduceSample], unlinked: ScalingLevel?) {
        let reduce = TwoLevelCostModel(fitting: all.filter { $0.operation == .allReduce }, unlinked: unlinked, only: .allReduce, latency: nil)
        self = reduce
        for operation in Set(all.map(\.operation)) where operation != .allReduce {
            operations[operation] = TwoLevelCostModel(fitting: all.filter { $0.operation == operation }, unlinked: unlinked, only: operation,
                                                      latency: reduce.levels.mapValues(\.alpha))
        }
    }

    /// `latency`: each network level's α, when it is given rather than taken from the smallest messages.
    private init(fitting all: [AllReduceSample], unlinked: ScalingLevel?, only operation: CollectiveOperation,
                 latency: [ScalingLevel: Double]?) {
        var byLevel: [ScalingLevel: [AllReduceSample]] = [:]
        for s in all where s.worldSize > 1 && s.operation == operation {
            guard let level = s.link?.level ?? unlinked else { continue }
            byLevel[level, default: []].append(s)
        }
        for (level, group) in byLevel {
            var used = group.filter { ($0.link?.oversubscription ?? 1) <= 1 }
            if used.isEmpty { used = group }
            var alpha: Double?
            if level != .sharedMemory {
                let large = used.filter { $0.bytes >= TwoLevelCostModel.smallestFittedNetworkBytes }
                if Set(large.map(\.bytes)).count >= 2 {
                    if let given = latency {
                        alpha = given[level]
                    } else if let smallest = used.map(\.bytes).min(), smallest < TwoLevelCostModel.smallestFittedNetworkBytes {
                        // the smallest message less its bytes' share, which needs β: rounds settle both, each
                        // shrinking α's error by about smallest ÷ 1 MiB (converged well within 100)
                        let tiny = used.filter { $0.bytes == smallest }
                        func latency(beta: Double) -> Double {
                            let each: [Double] = tiny.map { s in
                                let steps = 2 * Double(s.worldSize - 1)
                                return (s.seconds - steps / Double(s.worldSize) * s.bytes * beta) / steps
                            }
                            return max(0, each.min() ?? 0)
                        }
                        var a = latency(beta: 0)
                        for _ in 0..<100 {
                            let next = latency(beta: AllReduceCostModel.fitBeta(large, alpha: a)?.beta ?? 0)
                            let settled = abs(next - a) <= 1e-15
                            a = next
                            if settled { break }
                        }
                        alpha = a
                    }
                    used = large
                }
            }
            if let fit = alpha.map({ AllReduceCostModel.fitBeta(used, alpha: $0) }) ?? AllReduceCostModel.fit(used) {
                levels[level] = fit
                samples[level] = group
                fitted[level] = used
            }
        }
    }

    /// The fit that prices `operation` on `link`: its own fit at the link's level, else (a sweep that
    /// timed only the all-reduce, or `exchange: auto`'s probe) the all-reduce's; nil when the level
    /// was not measured.
    public func model(for link: ScalingLink, operation: CollectiveOperation = .allReduce) -> AllReduceCostModel? {
        operation == .allReduce ? levels[link.level] : operations[operation]?.levels[link.level] ?? levels[link.level]
    }

    /// Seconds of an all-reduce of `bytes` over the ranks of `link`; nil when its level was not measured.
    public func allReduce(bytes: Double, on link: ScalingLink) -> Double? {
        model(for: link).map { $0.seconds(worldSize: link.worldSize, bytes: bytes) }
    }

    /// The model's time against the measured one for each sample of `level`, in the samples' order:
    /// (sample, model seconds, whether the fit used it).
    public func check(_ level: ScalingLevel) -> [(sample: AllReduceSample, modelSeconds: Double, inFit: Bool)] {
        guard let model = levels[level] else { return [] }
        let used = fitted[level] ?? []
        return (samples[level] ?? []).map { ($0, model.seconds(worldSize: $0.worldSize, bytes: $0.bytes), used.contains($0)) }
    }
}
