import Foundation

/// One `mtl-dist bench step --config C --json` run of a scaling sweep, as `launch/scaling.sh` records it
/// in `runs.jsonl`: `{"mode": "strong"|"weak", "round": R, "launcher": "mpirun"|"srun", "bench": {...}}`,
/// with `"strategy"` (`ExchangeStrategy`) and `"link"` (`ScalingLink`) in `--emulate` sweeps.
public struct ScalingRun: Equatable {
    public var mode: String
    public var round: Int
    public var worldSize: Int
    public var hosts: Int
    public var cores: Int
    public var blasThreads: Int
    public var globalBatch: Int
    public var perRankBatch: Double
    public var parameters: Int
    public var sentencesPerSecond: Double
    public var tokensPerSecond: Double
    public var stepMs: Double
    public var forwardMs: Double
    public var backwardMs: Double
    /// The exposed all-reduce time: after backward plus inside MPI calls during it.
    public var allReduceMs: Double
    public var updateMs: Double
    /// Bytes each rank sums over the ranks per step.
    public var allReduceBytes: Double
    /// Bytes of the whole gradient (what a dense all-reduce sums); `allreduce_bytes` when the
    /// record predates the field.
    public var gradientBytes: Double
    /// Peak resident set size of each rank, MiB, in rank order.
    public var peakRSSMiB: [Double]
    /// The exchange strategy; `.dense` when the record names none.
    public var strategy: ExchangeStrategy = .dense
    /// Where the ranks sat (`--emulate` sweeps); nil for a sweep launched as it is.
    public var link: ScalingLink?
    /// Bytes of each bucket of the gradient sum in start order (empty when the record predates them).
    public var bucketBytes: [Double] = []
    /// When each bucket's sum started in the overlapped runs, as a fraction of backward (bench's
    /// `allreduce_bucket_ready`, one per bucket); empty when the run did not measure it.
    public var bucketReady: [Double] = []
    /// True for a run of `training.exchange: auto` (`"strategy": "auto"`): `strategy` is then the
    /// one its ranks chose (bench's `"exchange"`).
    public var automatic = false
    /// The machine around the run (`"load"`), when the sweep recorded it.
    public var load: RunLoad?

    /// What `launch/scaling.sh` saw of the machine during a run.
    public struct RunLoad: Equatable {
        /// The 1-minute load average at the run's start and at its end.
        public var start1Min: Double
        public var end1Min: Double
        /// The median over the run of the runnable tasks beyond the run's own ranks: 1 or more means
        /// something else wanted a core for most of the run.
        public var othersRunning: Double
    }

    /// The strategy as the report names it: `auto → touched` for a run of `exchange: auto`.
    public var strategyLabel: String { automatic ? "auto → \(strategy.rawValue)" : strategy.rawValue }

    /// The recorded link, else the placement the bench reported: its hosts, ranks spread evenly,
    /// rate unknown (shared memory on one host), the core sharing of one host's cores.
    public var placement: ScalingLink {
        link ?? ScalingLink(hosts: hosts, ranksPerHost: max(1, worldSize / hosts), rateBitsPerSecond: 0,
                            oversubscription: Double(worldSize * blasThreads) / Double(max(cores * hosts, 1)))
    }

    /// The columns of `results.csv`, in order.
    public static let csvHeader = ["mode", "round", "np", "hosts", "blas_threads", "global_batch", "per_rank_batch",
                                   "sentences_per_s", "tokens_per_s", "step_ms", "forward_ms", "backward_ms",
                                   "allreduce_ms", "update_ms", "allreduce_bytes", "peak_rss_mib_max",
                                   "peak_rss_mib_per_rank", "strategy", "ranks_per_host", "link_rate_bits_per_s",
                                   "oversubscription", "auto", "others_running"]

    /// This run as a CSV row (the per-rank RSS list separated by `;`).
    public var csvRow: [String] {
        [mode, String(round), String(worldSize), String(hosts), String(blasThreads), String(globalBatch),
         fmt(perRankBatch, 2), fmt(sentencesPerSecond, 1), fmt(tokensPerSecond, 0), fmt(stepMs, 3), fmt(forwardMs, 3),
         fmt(backwardMs, 3), fmt(allReduceMs, 3), fmt(updateMs, 3), String(Int(allReduceBytes)),
         fmt(peakRSSMiB.max() ?? 0, 1), peakRSSMiB.map { fmt($0, 1) }.joined(separator: ";"), strategy.rawValue,
         String(placement.ranksPerHost), String(Int(placement.rateBitsPerSecond)), fmt(placement.oversubscription, 2),
         String(automatic), load.map { fmt($0.othersRunning, 1) } ?? ""]
    }

    /// Reads one `runs.jsonl` object; `path` and `line` name it in errors.
    init(_ object: [String: Any], path: String, line: Int) throws {
        func bad(_ what: String) -> ReportError {
            .badLine(path: path, line: line, expected: what, found: String(describing: object).prefix(80).description)
        }
        guard let mode = object["mode"] as? String, ["strong", "weak"].contains(mode) else { throw bad("\"mode\": \"strong\" or \"weak\"") }
        guard let round = object["round"] as? Int, round >= 1 else { throw bad("\"round\": a positive integer") }
        guard let b = object["bench"] as? [String: Any] else { throw bad("\"bench\": the object `mtl-dist bench --json` prints") }
        func number(_ key: String) throws -> Double {
            guard let v = (b[key] as? NSNumber)?.doubleValue, v.isFinite, v >= 0 else { throw bad("bench field \"\(key)\": a number ≥ 0") }
            return v
        }
        func count(_ key: String) throws -> Int {
            let v = try number(key)
            guard v >= 1, v <= 1e9, v == v.rounded() else { throw bad("bench field \"\(key)\": a positive integer") }
            return Int(v)
        }
        self.mode = mode
        self.round = round
        worldSize = try count("world_size")
        hosts = try count("hosts")
        cores = try count("cores")
        blasThreads = try count("blas_threads_per_rank")
        globalBatch = try count("batch_size")
        perRankBatch = Double(globalBatch) / Double(worldSize)
        parameters = try count("parameters")
        sentencesPerSecond = try number("sentences_per_s")
        // a speed-up is a ratio of throughputs: a zero would print as "-nan×" or "inf×"
        guard sentencesPerSecond > 0 else {
            throw bad("bench field \"sentences_per_s\": a throughput above 0, not \(sentencesPerSecond) (that run trained nothing: rerun it or remove its line)")
        }
        tokensPerSecond = try number("tokens_per_s")
        stepMs = try number("median_step_ms")
        forwardMs = try number("median_forward_ms")
        backwardMs = try number("median_backward_ms")
        allReduceMs = try number("median_allreduce_ms") + number("median_allreduce_in_backward_ms")
        updateMs = try number("median_update_ms")
        allReduceBytes = try number("allreduce_bytes")
        gradientBytes = b["gradient_bytes"] == nil ? allReduceBytes : try number("gradient_bytes")
        guard let rss = b["peak_rss_mib_per_rank"] as? [NSNumber], rss.count == worldSize else {
            throw bad("bench field \"peak_rss_mib_per_rank\": one number per rank")
        }
        peakRSSMiB = rss.map(\.doubleValue)
        if let name = object["strategy"] {
            let names = ExchangeStrategy.allCases.map(\.rawValue) + ["auto"]
            guard let name = name as? String, names.contains(name) else {
                throw bad("\"strategy\": one of \(names.joined(separator: ", "))")
            }
            automatic = name == "auto"
            let inForce = automatic ? b["exchange"] as? String : name
            guard let st = inForce.flatMap(ExchangeStrategy.init(rawValue:)) else {
                throw bad("bench field \"exchange\": the strategy exchange: auto chose, one of \(names.dropLast().joined(separator: ", "))")
            }
            strategy = st
        }
        if let l = object["load"] {
            func reading(_ key: String) -> Double? {
                guard let v = ((l as? [String: Any])?[key] as? NSNumber)?.doubleValue, v.isFinite, v >= 0, v < 1e6 else { return nil }
                return v
            }
            guard let start = reading("start_1min"), let end = reading("end_1min"), let others = reading("others_running") else {
                throw bad("\"load\": {\"start_1min\", \"end_1min\", \"others_running\"}, numbers ≥ 0")
            }
            load = RunLoad(start1Min: start, end1Min: end, othersRunning: others)
        }
        if let l = object["link"] {
            guard let l = l as? [String: Any] else { throw bad("\"link\": an object") }
            let parsed = try ScalingLink(l, path: path, line: line)
            guard parsed.worldSize == worldSize else { throw bad("\"link\" with hosts × ranks_per_host = world_size \(worldSize)") }
            link = parsed
        }
        if let buckets = b["allreduce_bucket_bytes"] {
            guard let list = buckets as? [NSNumber], list.count <= 1_000_000,
                  list.allSatisfy({ $0.doubleValue >= 0 && $0.doubleValue.isFinite }) else {
                throw bad("bench field \"allreduce_bucket_bytes\": a list of byte counts")
            }
            bucketBytes = list.map(\.doubleValue)
        }
        if let ready = b["allreduce_bucket_ready"] {
            guard let list = ready as? [NSNumber], list.isEmpty || list.count == bucketBytes.count,
                  list.allSatisfy({ $0.doubleValue >= 0 && $0.doubleValue <= 1 }) else {
                throw bad("bench field \"allreduce_bucket_ready\": one fraction of backward from 0 to 1 per bucket of \"allreduce_bucket_bytes\" (\(bucketBytes.count)), or none")
            }
            let fractions = list.map(\.doubleValue)
            guard zip(fractions, fractions.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw bad("bench field \"allreduce_bucket_ready\": buckets start in order, so the fractions never decrease")
            }
            bucketReady = fractions
        }
    }

    init(mode: String, round: Int, worldSize: Int, hosts: Int, cores: Int, blasThreads: Int, globalBatch: Int,
         parameters: Int, sentencesPerSecond: Double, tokensPerSecond: Double, stepMs: Double, forwardMs: Double,
         backwardMs: Double, allReduceMs: Double, updateMs: Double, allReduceBytes: Double, peakRSSMiB: [Double]) {
        self.mode = mode
        self.round = round
        self.worldSize = worldSize
        self.hosts = hosts
        self.cores = cores
        self.blasThreads = blasThreads
        self.globalBatch = globalBatch
        perRankBatch = Double(globalBatch) / Double(worldSize)
        self.parameters = parameters
        self.sentencesPerSecond = sentencesPerSecond
        self.tokensPerSecond = tokensPerSecond
        self.stepMs = stepMs
        self.forwardMs = forwardMs
        self.backwardMs = backwardMs
        self.allReduceMs = allReduceMs
        self.updateMs = updateMs
        self.allReduceBytes = allReduceBytes
        gradientBytes = allReduceBytes
        self.peakRSSMiB = peakRSSMiB
    }

    /// Every run recorded in `runs.jsonl`.
    public static func read(_ url: URL) throws -> [ScalingRun] {
        let runs = try readJSONLines(url).map { try ScalingRun($0.object, path: url.path, line: $0.line) }
        guard !runs.isEmpty else { throw ReportError.empty(path: url.path, expected: "one line per bench run") }
        return runs
    }
}

/// The median over the rounds of one (mode, np, strategy, link) of a sweep.
public struct ScalingPoint {
    public var mode: String
    public var worldSize: Int
    public var runs: [ScalingRun]

    public var strategy: ExchangeStrategy { runs[0].strategy }
    /// True for the runs of `exchange: auto` (`strategy` is their choice).
    public var automatic: Bool { runs[0].automatic }
    public var strategyLabel: String { runs[0].strategyLabel }
    /// True when something else wanted a core for most of one of the runs (`RunLoad.othersRunning` ≥ 1).
    public var loaded: Bool { runs.contains { ($0.load?.othersRunning ?? 0) >= 1 } }
    /// (slowest − fastest) ÷ median of the runs' steps: the spread between rounds.
    public var spread: Double {
        let steps = runs.map(\.stepMs)
        guard steps.count > 1, let lo = steps.min(), let hi = steps.max(), median(steps) > 0 else { return 0 }
        return (hi - lo) / median(steps)
    }
    /// What makes this point's figure doubtful, for the report's rows: `loaded`, `spread 14%` (above
    /// 10% between rounds); empty when neither.
    public var caveats: [String] {
        (loaded ? ["loaded"] : []) + (spread > 0.1 ? ["spread \(fmt(100 * spread, 0))%"] : [])
    }
    public var placement: ScalingLink { runs[0].placement }
    /// True for the points a sweep without `--emulate` has: the dense sum, no recorded link.
    public var isPlain: Bool { runs[0].link == nil && strategy == .dense && !automatic }
    public var allReduceBytes: Double { median(runs.map(\.allReduceBytes)) }
    public var gradientBytes: Double { runs[0].gradientBytes }
    public var bucketBytes: [Double] { runs.first { !$0.bucketBytes.isEmpty }?.bucketBytes ?? [] }
    /// Per bucket, the median over the runs that measured it of when its sum started (fraction of
    /// backward); empty when none did.
    public var bucketReady: [Double] {
        let buckets = bucketBytes.count
        return medianPerPosition(runs.map(\.bucketReady).filter { $0.count == buckets })
    }
    public var sentencesPerSecond: Double { median(runs.map(\.sentencesPerSecond)) }
    public var tokensPerSecond: Double { median(runs.map(\.tokensPerSecond)) }
    public var stepMs: Double { median(runs.map(\.stepMs)) }
    public var forwardMs: Double { median(runs.map(\.forwardMs)) }
    public var backwardMs: Double { median(runs.map(\.backwardMs)) }
    public var allReduceMs: Double { median(runs.map(\.allReduceMs)) }
    public var updateMs: Double { median(runs.map(\.updateMs)) }
    public var peakRSSMiB: Double { runs.flatMap(\.peakRSSMiB).max() ?? 0 }
    public var globalBatch: Int { runs[0].globalBatch }
    public var perRankBatch: Double { runs[0].perRankBatch }
    public var hosts: Int { runs[0].hosts }

    /// The medians of every (mode, np, link, strategy) in `runs`, by mode (strong first), np, link
    /// level, then strategy in `ExchangeStrategy` order.
    public static func group(_ runs: [ScalingRun]) -> [ScalingPoint] {
        var keys: [String: [ScalingRun]] = [:]
        for r in runs {
            let p = r.placement
            keys["\(r.mode) \(r.worldSize) \(p.hosts) \(p.ranksPerHost) \(p.rateBitsPerSecond) \(r.link == nil) \(r.strategy) \(r.automatic)", default: []].append(r)
        }
        func order(_ p: ScalingPoint) -> Int { (ExchangeStrategy.allCases.firstIndex(of: p.strategy) ?? 0) + (p.automatic ? 100 : 0) }
        return keys.values.map { ScalingPoint(mode: $0[0].mode, worldSize: $0[0].worldSize, runs: $0) }
            .sorted { a, b in
                if a.mode != b.mode { return a.mode < b.mode }
                if a.worldSize != b.worldSize { return a.worldSize < b.worldSize }
                if a.placement.level != b.placement.level { return a.placement.level < b.placement.level }
                return order(a) < order(b)
            }
    }
}

/// `v` with `digits` decimals.
func fmt(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
