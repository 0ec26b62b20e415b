import Foundation

/// The exchange cost at two levels, each a ring all-reduce `AllReduceCostModel` fitted on
/// `bench collective` timings taken where it applies: within a host (shared memory, the timings on
/// one host) and between hosts (one fit per network rate, on the timings across emulated hosts at
/// that rate, or across the hosts a sweep was launched on). Traffic between hosts is never priced
/// with shared memory's α and β: a link whose level was not measured has no cost (nil).
///
/// mtl-dist's all-reduce over H hosts of R ranks (ranks of a host consecutive, as `--map-by slot`
/// places them) is a ring over all p = H·R ranks from 1 MiB on 3 or more ranks (`OpenMPIDefaults`
/// sets OpenMPI's rules so; on 2 ranks every algorithm sends the ring's bytes): each of its 2(p−1) steps moves n/p bytes over every
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
    /// What ranks sharing cores add between hosts (`CoreSharingCost`), one fit per network level on
    /// its timings across emulated hosts with more ranks than cores; a level without such timings has none.
    public private(set) var sharing: [ScalingLevel: CoreSharingCost] = [:]
    /// The samples the sharing's fits used.
    public private(set) var sharingFitted: [AllReduceSample] = []
    /// Each level's stretch of compute beside a sum in flight (`OverlapStretchSample`): the median
    /// of its timings with a core per rank (all of them where there are none such); a level without
    /// timings has none (the overlapped buckets then cost backward nothing).
    public var stretch: [ScalingLevel: Double] = [:]

    /// Sets `stretch` from `samples`; one without a link belongs to `unlinked` as in the fits.
    public mutating func setStretch(_ samples: [OverlapStretchSample], unlinked: ScalingLevel?) {
        var byLevel: [ScalingLevel: [OverlapStretchSample]] = [:]
        for s in samples {
            guard let level = s.link?.level ?? unlinked else { continue }
            byLevel[level, default: []].append(s)
        }
        stretch = byLevel.mapValues { group in
            let own = group.filter { ($0.link?.oversubscription ?? 1) <= 1 }
            return median((own.isEmpty ? group : own).map(\.stretch))
        }
    }

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
    /// A fit uses the timings with a core per rank when there are any (what ranks sharing cores add
    /// is fitted apart: `CoreSharingCost`), and a network level only its messages of 1 MiB and more when
    /// it has two such sizes: one α and one β cannot follow TCP from 4 KiB (within the shaper's burst
    /// and the socket buffers, at line rate) to 16 MiB (a ring sending both ways at once), and
    /// gradients, touched rows and buckets are of the large kind. The other timings stay in `samples`.
    ///
    /// Those large messages cannot tell the latency α from zero (a 1 MiB sum at 100 Mbit/s is 10^4
    /// latencies long), yet α decides a ring of 1,024 ranks: a network level's α is the all-reduce's
    /// smallest message over its 2(p−1) steps (the fastest such timing), and β is fitted on the large
    /// messages with that α; the other collectives take the all-reduce's α at their level.
    ///
    /// A network level's β has a knee where its timings show one (`AllReduceCostModel.fitWithKnee`):
    /// bytes beyond the caches where the CPUs set the rate, beyond the shaper's burst where the link does.
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
            if let fit = alpha.map({ AllReduceCostModel.fitWithKnee(used, alpha: $0) }) ?? AllReduceCostModel.fit(used) {
                levels[level] = fit
                samples[level] = group
                fitted[level] = used
            }
        }
        // ranks sharing cores across hosts: what their large messages took beyond their level's fit, per level
        for (level, group) in byLevel.sorted(by: { $0.key < $1.key }) where level != .sharedMemory {
            let shared = group.filter { ($0.link?.oversubscription ?? 1) > 1 && $0.bytes >= TwoLevelCostModel.smallestFittedNetworkBytes }
                .compactMap { s in levels[level].map { (sample: s, base: $0.seconds(worldSize: s.worldSize, bytes: s.bytes)) } }
            if let fit = CoreSharingCost.fit(shared) {
                sharing[level] = fit
                sharingFitted += shared.map(\.sample)
            }
        }
    }

    /// The fit that prices `operation` on `link`: its own fit at the link's level, else (a sweep that
    /// timed only the all-reduce, or `exchange: auto`'s probe) the all-reduce's; nil when the level
    /// was not measured.
    public func model(for link: ScalingLink, operation: CollectiveOperation = .allReduce) -> AllReduceCostModel? {
        operation == .allReduce ? levels[link.level] : operations[operation]?.levels[link.level] ?? levels[link.level]
    }

    /// Seconds of the collective of `sample` as this model prices it: its level's fit, plus the
    /// sharing's cost where its ranks shared cores across hosts; nil when its level was not measured.
    public func seconds(_ sample: AllReduceSample) -> Double? {
        guard let level = sample.link?.level, let fit = levels[level] else { return nil }
        let base = fit.seconds(worldSize: sample.worldSize, bytes: sample.bytes)
        guard level != .sharedMemory, let cost = sharing[level], let s = sample.link?.oversubscription else { return base }
        return base + cost.seconds(worldSize: sample.worldSize, bytes: sample.bytes, sharing: s)
    }

    /// Seconds of an all-reduce of `bytes` over the ranks of `link`; nil when its level was not measured.
    public func allReduce(bytes: Double, on link: ScalingLink) -> Double? {
        model(for: link).map { $0.seconds(worldSize: link.worldSize, bytes: bytes) }
    }

    /// The model's time against the measured one for each sample of `level`, in the samples' order:
    /// (sample, model seconds with the sharing's cost where its ranks shared cores, whether the
    /// level's fit or the sharing's used it).
    public func check(_ level: ScalingLevel) -> [(sample: AllReduceSample, modelSeconds: Double, inFit: Bool)] {
        guard let model = levels[level] else { return [] }
        let used = fitted[level] ?? []
        return (samples[level] ?? []).map { s in
            (s, seconds(s) ?? model.seconds(worldSize: s.worldSize, bytes: s.bytes), used.contains(s) || sharingFitted.contains(s))
        }
    }
}

/// What ranks sharing cores add to a collective between hosts, on a machine that runs several
/// emulated hosts' ranks on each core. The hosts of a real cluster have their own cores (the
/// projection leaves this out); on this machine 4 or 8 hosts of one rank share 2 cores, and the
/// collective waits for them:
/// - per byte: the ring's 2(p−1)/p·n bytes cost each rank CPU time (TCP's copies through the
///   kernel, the sums) that overlaps with its transfer when the rank has a core of its own (the
///   level's fit, taken on 2 hosts, already holds it) but not the other s − 1 ranks' on its core;
/// - per step: each of the ring's 2(p−1) steps waits until its predecessor has had its turn on a core,
///   and that wait grows faster than the number of other ranks on the core: a 1 MiB collective across
///   hosts at 1 Gbit/s waited under 0.11 ms per step beyond the level's fit with 2 ranks a core and
///   0.8–3.1 ms with 4, in each of four CoNLL sweeps. So the step's term takes s(s−1)/2, the pairs of
///   ranks on one core (1 at s = 2, 6 at s = 4), where the bytes' takes s − 1. With sharings of 2 and
///   4 only, the form is one number, the term at s = 4: of 3 (s − 1), 6, 9, 15 and 27, 6 gave the
///   smallest largest miss at 100 Mbit/s and 1 Gbit/s in each of those sweeps (15.9–20.3%, against
///   18.2–29.5% with 3; 2026-12-07, worked out in Python from the reports).
///
/// So T = T_level(p, n) + s(s−1)/2·2(p−1)·step + (s − 1)·2(p−1)/p·n·byte, with s the sharing (ranks × BLAS
/// threads ÷ cores) and `step`, `byte` ≥ 0 fitted to the smallest largest relative miss (`fit`) over the
/// messages of 1 MiB and more timed across emulated hosts with s > 1, one fit per rate. The cost is
/// the machine's CPUs', but how much of it the link hides is the link's: behind a slow wire the other
/// ranks' copies take no time of their own and the wait for a turn on a core remains (1 Gbit/s:
/// 170–310 µs per step and pair, 0.2–0.7 ns per byte), where the CPUs set the rate their bytes do
/// (10 Gbit/s: 8–47 µs per step and pair, 1.0–1.2 ns per byte; docs/scaling/emulated-rounds).
/// Fitted over all rates together, the one fit priced 1 MiB
/// across 8 hosts at 1 Gbit/s 25–46% low and 16 MiB 23–25% high (2026-12-07, the CoNLL sweep).
public struct CoreSharingCost: Equatable {
    /// Seconds per ring step and per pair of ranks sharing a core.
    public var perStep: Double
    /// Seconds per byte a rank moves, per sharing rank.
    public var perByte: Double

    public init(perStep: Double, perByte: Double) {
        self.perStep = perStep
        self.perByte = perByte
    }

    /// Seconds the sharing adds to a collective of `bytes` over `p` ranks with sharing `s` (0 for s ≤ 1).
    public func seconds(worldSize p: Int, bytes n: Double, sharing s: Double) -> Double {
        guard p > 1, s > 1 else { return 0 }
        let c = CoreSharingCost.coefficients(worldSize: p, bytes: n, sharing: s)
        return c.step * perStep + c.byte * perByte
    }

    /// What multiplies `perStep` and `perByte`: the ring's 2(p−1) steps × the s(s−1)/2 pairs of ranks
    /// on a core, and its 2(p−1)/p·n bytes × the s − 1 other ranks.
    static func coefficients(worldSize p: Int, bytes n: Double, sharing s: Double) -> (step: Double, byte: Double) {
        let q = Double(p)
        return (s * (s - 1) / 2 * 2 * (q - 1), (s - 1) * 2 * (q - 1) / q * n)
    }

    /// `perStep`, `perByte` ≥ 0 making the largest relative miss |(base + added) ÷ measured − 1| over
    /// `samples` as small as it can be, each with `base` its level's time; nil without a sample of
    /// sharing above 1. The form is the sharing's shape, not a law of TCP: across 4 hosts on 2 cores
    /// every 4 MiB collective at 1 Gbit/s took 20% longer than 1 and 16 MiB suggest, in every sweep,
    /// and least squares spread that over the others until 1 MiB missed by 21–31%. So the fit starts
    /// from least squares and reweights each timing by its miss (Lawson's iteration towards the
    /// smallest largest miss), keeping the best it saw: never a larger largest miss than least squares.
    public static func fit(_ samples: [(sample: AllReduceSample, base: Double)]) -> CoreSharingCost? {
        // the excess y ≈ a·step + b·byte, each divided by the measured time (relative error)
        let rows = samples.compactMap { s, base -> (a: Double, b: Double, y: Double)? in
            guard let share = s.link?.oversubscription, share > 1, s.worldSize > 1 else { return nil }
            let c = coefficients(worldSize: s.worldSize, bytes: s.bytes, sharing: share)
            return (c.step / s.seconds, c.byte / s.seconds, (s.seconds - base) / s.seconds)
        }
        guard var best = nonNegativeLeastSquares(rows) else { return nil }
        func misses(_ f: (u: Double, v: Double)) -> [Double] { rows.map { abs($0.a * f.u + $0.b * f.v - $0.y) } }
        var bestMiss = misses(best).max() ?? 0
        var weights = [Double](repeating: 1, count: rows.count), current = best
        for _ in 0..<200 {
            let miss = misses(current)
            weights = zip(weights, miss).map { $0 * $1 }
            guard let top = weights.max(), top > 0 else { break }
            // relative to the largest, and never quite 0: a timing the fit meets exactly stays in it
            weights = weights.map { max($0 / top, 1e-9) }
            let weighted = zip(rows, weights).map { r, w in (a: r.a * w.squareRoot(), b: r.b * w.squareRoot(), y: r.y * w.squareRoot()) }
            guard let next = nonNegativeLeastSquares(weighted) else { break }
            current = next
            let worst = misses(next).max() ?? 0
            if worst < bestMiss { best = next; bestMiss = worst }
        }
        return CoreSharingCost(perStep: best.u, perByte: best.v)
    }
}
