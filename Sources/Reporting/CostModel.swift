import Foundation

/// One timed all-reduce: `bytes` summed over `worldSize` ranks in a median of `seconds`.
public struct AllReduceSample: Equatable {
    public var worldSize: Int
    public var bytes: Double
    public var seconds: Double

    public init(worldSize: Int, bytes: Double, seconds: Double) {
        self.worldSize = worldSize
        self.bytes = bytes
        self.seconds = seconds
    }

    /// Every sample of `collective.jsonl`: one line per world size, as `mtl-dist bench collective
    /// --json` prints it: `{"world_size": W, "allreduce": [{"bytes": n, "median_s": t}, ...]}`.
    public static func read(_ url: URL) throws -> [AllReduceSample] {
        var samples: [AllReduceSample] = []
        for (line, object) in try readJSONLines(url) {
            guard let w = object["world_size"] as? Int, w >= 1, let sizes = object["allreduce"] as? [[String: Any]] else {
                throw ReportError.badLine(path: url.path, line: line,
                                          expected: "{\"world_size\": W, \"allreduce\": [{\"bytes\": n, \"median_s\": t}, ...]}",
                                          found: String(describing: object).prefix(80).description)
            }
            for s in sizes {
                guard let n = (s["bytes"] as? NSNumber)?.doubleValue, n > 0,
                      let t = (s["median_s"] as? NSNumber)?.doubleValue, t.isFinite, t > 0 else {
                    throw ReportError.badLine(path: url.path, line: line, expected: "bytes > 0 and median_s > 0 in every size",
                                              found: String(describing: s).prefix(80).description)
                }
                samples.append(AllReduceSample(worldSize: w, bytes: n, seconds: t))
            }
        }
        return samples
    }
}

/// The latency–bandwidth cost of a ring all-reduce (reduce-scatter then all-gather, each p−1
/// steps of n/p bytes): T(p, n) = 2(p−1)·α + 2(p−1)/p · n · β, with α the latency of one message in
/// seconds and β the seconds per byte. This is the algorithm the projection assumes; MPI libraries
/// pick others (recursive doubling, trees) for small messages, which the fitted α absorbs.
public struct AllReduceCostModel: Equatable {
    public var alpha: Double
    public var beta: Double

    public init(alpha: Double, beta: Double) {
        self.alpha = alpha
        self.beta = beta
    }

    /// Seconds to sum `bytes` over `p` ranks; 0 for one rank.
    public func seconds(worldSize p: Int, bytes n: Double) -> Double {
        guard p > 1 else { return 0 }
        let q = Double(p)
        return 2 * (q - 1) * alpha + 2 * (q - 1) / q * n * beta
    }

    /// α and β ≥ 0 minimising the squared relative error over the samples with more than one rank
    /// (relative, so the small sizes that decide α count as much as the large ones that decide β).
    /// Nil without such samples.
    public static func fit(_ samples: [AllReduceSample]) -> AllReduceCostModel? {
        let used = samples.filter { $0.worldSize > 1 }
        guard !used.isEmpty else { return nil }
        // T ≈ a·α + b·β with a = 2(p−1), b = 2(p−1)/p·n; weight each equation by 1/T
        let rows = used.map { s -> (a: Double, b: Double, t: Double) in
            let q = Double(s.worldSize)
            return (2 * (q - 1) / s.seconds, 2 * (q - 1) / q * s.bytes / s.seconds, 1)
        }
        let saa = rows.reduce(0) { $0 + $1.a * $1.a }, sbb = rows.reduce(0) { $0 + $1.b * $1.b }
        let sab = rows.reduce(0) { $0 + $1.a * $1.b }
        let sat = rows.reduce(0) { $0 + $1.a * $1.t }, sbt = rows.reduce(0) { $0 + $1.b * $1.t }
        let det = saa * sbb - sab * sab
        if det > 1e-12 * saa * sbb {
            let alpha = (sat * sbb - sbt * sab) / det, beta = (saa * sbt - sab * sat) / det
            if alpha >= 0 && beta >= 0 { return AllReduceCostModel(alpha: alpha, beta: beta) }
        }
        // one of them would be negative: the best fit with only the other
        let alphaOnly = AllReduceCostModel(alpha: sat / saa, beta: 0), betaOnly = AllReduceCostModel(alpha: 0, beta: sbt / sbb)
        return alphaOnly.relativeError(used) <= betaOnly.relativeError(used) ? alphaOnly : betaOnly
    }

    /// Σ (model/measured − 1)² over `samples`.
    func relativeError(_ samples: [AllReduceSample]) -> Double {
        samples.reduce(0) { acc, s in
            let r = seconds(worldSize: s.worldSize, bytes: s.bytes) / s.seconds - 1
            return acc + r * r
        }
    }
}

/// Step time at p ranks from what one rank measured: every rank computes its per-rank batch
/// (forward + backward at the measured time per sentence), applies the replicated update, and sums
/// the gradient with a ring all-reduce of the measured bytes (`AllReduceCostModel`). Nothing
/// overlaps; every rank has its own cores (`slowdown` scales compute when ranks share cores).
public struct StepProjection {
    /// Forward + backward seconds per sentence on one rank.
    public var computePerSentence: Double
    /// Clipping + optimizer update seconds per step (every rank updates every parameter).
    public var update: Double
    /// Gradient bytes summed per step.
    public var bytes: Double
    public var cost: AllReduceCostModel

    public init(computePerSentence: Double, update: Double, bytes: Double, cost: AllReduceCostModel) {
        self.computePerSentence = computePerSentence
        self.update = update
        self.bytes = bytes
        self.cost = cost
    }

    /// One row of the projection.
    public struct Point {
        public var worldSize: Int
        public var perRankBatch: Double
        public var computeSeconds: Double
        public var allReduceSeconds: Double
        public var stepSeconds: Double { computeSeconds + allReduceSeconds }
        public var sentencesPerSecond: Double { Double(worldSize) * perRankBatch / stepSeconds }
    }

    /// The step at `p` ranks of `perRankBatch` sentences each; `slowdown` ≥ 1 multiplies the compute
    /// (ranks sharing a core).
    public func point(worldSize p: Int, perRankBatch b: Double, slowdown: Double = 1) -> Point {
        Point(worldSize: p, perRankBatch: b, computeSeconds: slowdown * (computePerSentence * b + update),
              allReduceSeconds: cost.seconds(worldSize: p, bytes: bytes))
    }

    /// Weak-scaling efficiency at p: the one-rank step over the p-rank step (same per-rank batch).
    public func efficiency(worldSize p: Int, perRankBatch b: Double) -> Double {
        point(worldSize: 1, perRankBatch: b).stepSeconds / point(worldSize: p, perRankBatch: b).stepSeconds
    }
}
