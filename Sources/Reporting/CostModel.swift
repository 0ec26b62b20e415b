import Foundation

/// A collective as an exchange strategy calls it, timed by `mtl-dist bench collective` under the
/// key of its `--json` output.
public enum CollectiveOperation: String, CaseIterable, Sendable, Comparable {
    /// The blocking all-reduce: the dense and the touched-rows sums.
    case allReduce = "allreduce"
    /// A reduce-scatter then an all-gather of the same buffer: the sharded update's exchange.
    case reduceScatterAllGather = "reduce_scatter_allgather"
    /// A non-blocking all-reduce started and waited for: one bucket of the overlapped sum.
    case nonBlockingAllReduce = "iallreduce"
    /// The in-place sum over shared memory (`SharedSum`): the dense sum when every rank is on one host.
    case sharedSum = "shared_sum"

    public static func < (a: Self, b: Self) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }

    /// "all-reduce", "reduce-scatter + all-gather", "non-blocking all-reduce", "in-place sum over shared memory".
    public var label: String {
        switch self {
        case .allReduce: return "all-reduce"
        case .reduceScatterAllGather: return "reduce-scatter + all-gather"
        case .nonBlockingAllReduce: return "non-blocking all-reduce"
        case .sharedSum: return "in-place sum over shared memory"
        }
    }
}

/// One timed collective (an all-reduce unless `operation` says otherwise): `bytes` summed over
/// `worldSize` ranks in a median of `seconds`, on `link` when the sweep recorded where the ranks
/// sat (`--emulate`), nil otherwise (the ranks as launched).
public struct AllReduceSample: Equatable {
    public var worldSize: Int
    public var bytes: Double
    public var seconds: Double
    public var link: ScalingLink?
    public var operation: CollectiveOperation
    /// The runs of `bench collective` whose medians `seconds` is the median of (`launch/scaling.sh
    /// --collective-rounds`), and how far apart they were: the slowest ÷ the fastest − 1.
    public var runs: Int = 1
    public var spread: Double = 0

    public init(worldSize: Int, bytes: Double, seconds: Double, link: ScalingLink? = nil, operation: CollectiveOperation = .allReduce) {
        self.worldSize = worldSize
        self.bytes = bytes
        self.seconds = seconds
        self.link = link
        self.operation = operation
    }

    /// One sample per collective, link, world size and size: the median over every run that timed
    /// it, in the order first seen. On a machine whose ranks share cores one run of `bench
    /// collective` can catch a state the next does not (8 emulated hosts on 2 cores at 1 Gbit/s: the
    /// same 1 MiB non-blocking sum took 44.6, 45.6 and 59.1 ms in three sweeps, each the median of 64
    /// calls), so the kit times
    /// every link in several runs spread over the sweep, and the report takes their median.
    public static func medianOverRuns(_ samples: [AllReduceSample]) -> [AllReduceSample] {
        struct Key: Hashable { var worldSize: Int; var bytes: Double; var link: ScalingLink?; var operation: CollectiveOperation }
        let groups = groupedInOrder(samples) { Key(worldSize: $0.worldSize, bytes: $0.bytes, link: $0.link, operation: $0.operation) }
        return groups.compactMap { group in
            let times = group.map(\.seconds)
            guard var merged = group.first, let low = times.min(), let high = times.max() else { return nil }
            merged.seconds = median(times)
            merged.runs = times.count
            merged.spread = low > 0 ? high / low - 1 : 0
            return merged
        }
    }

    /// Every sample of `collective.jsonl`: one line per world size, as `mtl-dist bench collective
    /// --json` prints it: `{"world_size": W, "allreduce": [{"bytes": n, "median_s": t}, ...]}`, with
    /// `"reduce_scatter_allgather"`, `"iallreduce"` and `"shared_sum"` lists of the same form where it timed them,
    /// and `"link": {...}` (`ScalingLink`) when the sweep emulated the network.
    public static func read(_ url: URL) throws -> [AllReduceSample] {
        var samples: [AllReduceSample] = []
        for (line, object) in try readJSONLines(url) {
            guard let w = object["world_size"] as? Int, w >= 1, let sizes = object["allreduce"] as? [[String: Any]] else {
                throw ReportError.badLine(path: url.path, line: line,
                                          expected: "{\"world_size\": W, \"allreduce\": [{\"bytes\": n, \"median_s\": t}, ...]}",
                                          found: String(describing: object).prefix(80).description)
            }
            var link: ScalingLink?
            if let l = object["link"] as? [String: Any] {
                link = try ScalingLink(l, path: url.path, line: line)
                guard link?.worldSize == w else {
                    throw ReportError.badLine(path: url.path, line: line, expected: "\"link\" of hosts × ranks_per_host = world_size \(w)",
                                              found: String(describing: l).prefix(80).description)
                }
            }
            for operation in CollectiveOperation.allCases {
                guard let value = operation == .allReduce ? sizes : object[operation.rawValue] else { continue }
                guard let list = value as? [[String: Any]] else {
                    throw ReportError.badLine(path: url.path, line: line, expected: "\"\(operation.rawValue)\": a list of {\"bytes\": n, \"median_s\": t}",
                                              found: String(describing: value).prefix(80).description)
                }
                for s in list {
                    guard let n = (s["bytes"] as? NSNumber)?.doubleValue, n > 0, n <= 1e12,
                          let t = (s["median_s"] as? NSNumber)?.doubleValue, t.isFinite, t > 0 else {
                        throw ReportError.badLine(path: url.path, line: line, expected: "bytes > 0 and median_s > 0 in every size",
                                                  found: String(describing: s).prefix(80).description)
                    }
                    samples.append(AllReduceSample(worldSize: w, bytes: n, seconds: t, link: link, operation: operation))
                }
            }
        }
        return samples
    }
}

/// How much longer a rank's compute took while a non-blocking sum of `bytes` was in flight than
/// alone (`bench collective`'s `"overlap_stretch"`): `stretch` = during ÷ alone − 1, on `link`
/// when the sweep recorded one. The overlapped buckets' sums run beside backward, and their TCP
/// work and the progress thread's tests take the rank's core from it.
public struct OverlapStretchSample: Equatable {
    public var worldSize: Int
    public var bytes: Double
    public var stretch: Double
    /// The compute's medians alone and beside the sum (0 where the line did not say).
    public var aloneSeconds: Double
    public var duringSeconds: Double
    public var link: ScalingLink?

    public init(worldSize: Int, bytes: Double, stretch: Double, aloneSeconds: Double = 0, duringSeconds: Double = 0, link: ScalingLink? = nil) {
        self.worldSize = worldSize
        self.bytes = bytes
        self.stretch = stretch
        self.aloneSeconds = aloneSeconds
        self.duringSeconds = duringSeconds
        self.link = link
    }

    /// The `"overlap_stretch"` object of every line of `collective.jsonl` that has one (sweeps before
    /// it was timed have none). A stretch outside 0 to 10 (a compute 11 times slower) is refused as
    /// damaged, naming the file and line.
    public static func read(_ url: URL) throws -> [OverlapStretchSample] {
        var samples: [OverlapStretchSample] = []
        for (line, object) in try readJSONLines(url) {
            guard let value = object["overlap_stretch"] else { continue }
            guard let o = value as? [String: Any], let w = object["world_size"] as? Int, w >= 2,
                  let n = (o["bytes"] as? NSNumber)?.doubleValue, n > 0, n <= 1e12,
                  let x = (o["stretch"] as? NSNumber)?.doubleValue, x.isFinite, x >= 0, x <= 10 else {
                throw ReportError.badLine(path: url.path, line: line,
                                          expected: "\"overlap_stretch\": {\"bytes\": n > 0, \"stretch\": 0 to 10, ...} on 2 or more ranks",
                                          found: String(describing: value).prefix(80).description)
            }
            let link = try (object["link"] as? [String: Any]).map { try ScalingLink($0, path: url.path, line: line) }
            func seconds(_ key: String) -> Double {
                guard let t = (o[key] as? NSNumber)?.doubleValue, t.isFinite, t >= 0, t <= 3600 else { return 0 }
                return t
            }
            samples.append(OverlapStretchSample(worldSize: w, bytes: n, stretch: x, aloneSeconds: seconds("alone_s"),
                                                duringSeconds: seconds("during_s"), link: link))
        }
        return samples
    }

    /// One sample per link, world size and size of the sum: the medians over every run that timed it
    /// (as `AllReduceSample.medianOverRuns`), in the order first seen.
    public static func medianOverRuns(_ samples: [OverlapStretchSample]) -> [OverlapStretchSample] {
        struct Key: Hashable { var worldSize: Int; var bytes: Double; var link: ScalingLink? }
        return groupedInOrder(samples) { Key(worldSize: $0.worldSize, bytes: $0.bytes, link: $0.link) }.compactMap { group in
            guard let one = group.first else { return nil }
            return OverlapStretchSample(worldSize: one.worldSize, bytes: one.bytes, stretch: median(group.map(\.stretch)),
                                        aloneSeconds: median(group.map(\.aloneSeconds)), duringSeconds: median(group.map(\.duringSeconds)),
                                        link: one.link)
        }
    }
}

/// The latency–bandwidth cost of a ring all-reduce (reduce-scatter then all-gather, each p−1
/// steps of n/p bytes): T(p, n) = 2(p−1)·α + 2(p−1)/p · n · β, with α the latency of one message in
/// seconds and β the seconds per byte. This is the algorithm the projection assumes; MPI libraries
/// pick others (recursive doubling, trees) for small messages, which the fitted α absorbs.
///
/// A byte can cost more beyond some size: where the CPUs rather than the link set the rate (TCP
/// over 2 vCPUs at 10 Gbit/s) once the buffer outgrows the caches and the copies and sums go to
/// memory (MiniLM's sweep: 1.1 ns/B to 16 MiB, 1.8 beyond); on a shaped link once a message is
/// longer than what the shaper's burst and the socket buffers pass at once (77 ns/B to 4 MiB at
/// 100 Mbit/s, 86 beyond, the line rate being 80). With a `knee` K the bytes beyond it cost
/// `betaBeyond`: T = 2(p−1)·α + 2(p−1)/p·(β·min(n, K) + β_K·(n − K)⁺), which `fitWithKnee` adopts
/// only where the timings show it.
public struct AllReduceCostModel: Equatable {
    public var alpha: Double
    public var beta: Double
    /// Bytes from which `betaBeyond` prices each byte; nil: every byte costs `beta`.
    public var knee: Double?
    /// Seconds per byte beyond `knee`.
    public var betaBeyond: Double

    public init(alpha: Double, beta: Double, knee: Double? = nil, betaBeyond: Double? = nil) {
        self.alpha = alpha
        self.beta = beta
        self.knee = knee
        self.betaBeyond = knee == nil ? beta : betaBeyond ?? beta
    }

    /// Seconds to sum `bytes` over `p` ranks; 0 for one rank.
    public func seconds(worldSize p: Int, bytes n: Double) -> Double {
        guard p > 1 else { return 0 }
        let q = Double(p)
        return 2 * (q - 1) * alpha + 2 * (q - 1) / q * weightedBytes(n)
    }

    /// β·min(n, K) + β_K·(n − K)⁺: the seconds per rank's share of 2(p−1)/p.
    func weightedBytes(_ n: Double) -> Double {
        guard let knee else { return n * beta }
        return min(n, knee) * beta + max(0, n - knee) * betaBeyond
    }

    /// α and β ≥ 0 minimising the squared relative error over the samples with more than one rank
    /// (relative, so the small sizes that decide α count as much as the large ones that decide β).
    /// Nil without such samples.
    public static func fit(_ samples: [AllReduceSample]) -> AllReduceCostModel? {
        let used = samples.filter { $0.worldSize > 1 }
        guard !used.isEmpty else { return nil }
        // T ≈ a·α + b·β with a = 2(p−1), b = 2(p−1)/p·n; each equation divided by T (so ≈ 1)
        let rows = used.map { s -> (a: Double, b: Double, y: Double) in
            let q = Double(s.worldSize)
            return (2 * (q - 1) / s.seconds, 2 * (q - 1) / q * s.bytes / s.seconds, 1)
        }
        return nonNegativeLeastSquares(rows).map { AllReduceCostModel(alpha: $0.u, beta: $0.v) }
    }

    /// β ≥ 0 minimising the squared relative error over `samples` (more than one rank) with α
    /// given; nil without such samples.
    public static func fitBeta(_ samples: [AllReduceSample], alpha: Double) -> AllReduceCostModel? {
        let used = samples.filter { $0.worldSize > 1 }
        guard !used.isEmpty else { return nil }
        var sxy = 0.0, sxx = 0.0
        for s in used {
            let q = Double(s.worldSize)
            let x = 2 * (q - 1) / q * s.bytes / s.seconds, y = 1 - 2 * (q - 1) * alpha / s.seconds
            sxy += x * y
            sxx += x * x
        }
        return AllReduceCostModel(alpha: alpha, beta: sxx > 0 ? max(0, sxy / sxx) : 0)
    }

    /// `fitBeta`, or with a knee where the timings show one: each size K timed with at least two
    /// sizes at or below it and two above is tried as the knee, β and β_K ≥ 0 fitted by least
    /// squares on the relative error; the best is taken when its bytes beyond K cost more than
    /// those before (a cache outgrown; never the other way), its squared error is at most half the
    /// single β's and its largest miss is smaller. So a level needs four sizes of the kind fitted
    /// (16 MiB and less gives three: no knee), and one whose rate the link sets keeps one β.
    public static func fitWithKnee(_ samples: [AllReduceSample], alpha: Double) -> AllReduceCostModel? {
        guard let single = fitBeta(samples, alpha: alpha) else { return nil }
        let used = samples.filter { $0.worldSize > 1 }
        func misses(_ m: AllReduceCostModel) -> [Double] {
            used.map { m.seconds(worldSize: $0.worldSize, bytes: $0.bytes) / $0.seconds - 1 }
        }
        func squared(_ m: AllReduceCostModel) -> Double { misses(m).reduce(0) { $0 + $1 * $1 } }
        func largest(_ m: AllReduceCostModel) -> Double { misses(m).map(abs).max() ?? 0 }
        let sizes = Set(used.map(\.bytes)).sorted()
        var best: AllReduceCostModel?
        for knee in sizes where sizes.filter({ $0 <= knee }).count >= 2 && sizes.filter({ $0 > knee }).count >= 2 {
            // T ≈ 2(p−1)α + c·(min(n, K)·β + (n − K)⁺·β_K), c = 2(p−1)/p; divided by T
            let rows = used.map { s -> (a: Double, b: Double, y: Double) in
                let q = Double(s.worldSize), c = 2 * (q - 1) / q
                return (c * min(s.bytes, knee) / s.seconds, c * max(0, s.bytes - knee) / s.seconds, 1 - 2 * (q - 1) * alpha / s.seconds)
            }
            guard let (b, bk) = nonNegativeLeastSquares(rows), bk > b else { continue }
            let candidate = AllReduceCostModel(alpha: alpha, beta: b, knee: knee, betaBeyond: bk)
            if best.map({ squared(candidate) < squared($0) }) ?? true { best = candidate }
        }
        guard let best, squared(best) <= 0.5 * squared(single), largest(best) < largest(single) else { return single }
        return best
    }
}

/// u, v ≥ 0 minimising Σ (a·u + b·v − y)² over `rows` (each equation weighted already): the normal
/// equations' solution when both come out ≥ 0, else the better of u alone and v alone (each ≥ 0,
/// u's on a tie). Nil without rows.
func nonNegativeLeastSquares(_ rows: [(a: Double, b: Double, y: Double)]) -> (u: Double, v: Double)? {
    guard !rows.isEmpty else { return nil }
    let saa = rows.reduce(0) { $0 + $1.a * $1.a }, sbb = rows.reduce(0) { $0 + $1.b * $1.b }
    let sab = rows.reduce(0) { $0 + $1.a * $1.b }
    let say = rows.reduce(0) { $0 + $1.a * $1.y }, sby = rows.reduce(0) { $0 + $1.b * $1.y }
    let det = saa * sbb - sab * sab
    if det > 1e-12 * saa * sbb {
        let u = (say * sbb - sby * sab) / det, v = (saa * sby - sab * say) / det
        if u >= 0 && v >= 0 { return (u, v) }
    }
    func squaredError(_ u: Double, _ v: Double) -> Double {
        rows.reduce(0) { acc, r in let e = r.a * u + r.b * v - r.y; return acc + e * e }
    }
    let uOnly = saa > 0 ? max(0, say / saa) : 0, vOnly = sbb > 0 ? max(0, sby / sbb) : 0
    return squaredError(uOnly, 0) <= squaredError(0, vOnly) ? (uOnly, 0) : (0, vOnly)
}
