import Foundation

/// The posterior of a linear-chain CRF over one sentence's tag paths, from the forward–backward
/// algorithm in log space and Double precision (so it stays finite and accurate for long
/// sentences and large scores): `P(y | x) = exp(s(y) − log Z)` with `s(y)` as in `CRF`.
///
/// `log α[t, k]` sums the scores of all prefixes `y_0..y_t` with `y_t = k` (start score and
/// emissions up to `t` included); `log β[t, k]` sums the scores of all suffixes after `t` given
/// `y_t = k` (transitions and emissions after `t`, and the stop score). Then
/// `P(y_t = k) = exp(log α[t,k] + log β[t,k] − log Z)` (Rabiner 1989, §III.A; Sutton & McCallum
/// 2012, "An Introduction to Conditional Random Fields", §4.1). Cost: O(L·K²) to build, then
/// O(1) per marginal and O(K + span length) per span.
public struct CRFPosterior: TagPosterior, Sendable {
    public let tagCount: Int
    public let length: Int
    /// `log Z`, the log-sum of the scores of all `K^L` paths.
    public let logPartition: Double
    let emissions: [Double]
    let transitions: [Double]
    let start: [Double]
    let stop: [Double]
    let logAlpha: [Double]
    let logBeta: [Double]

    /// The posterior for one sentence: `emissions` `[L, K]` row-major (at least `L·K` values; a
    /// padded row's tail is ignored), `transitions` `[K, K]` (row = from tag), `start`, `stop` `[K]`.
    public init(emissions: ArraySlice<Float>, length: Int, transitions: [Float], start: [Float], stop: [Float]) {
        let k = start.count
        precondition(k >= 1 && stop.count == k && transitions.count == k * k,
                     "CRF scores: start \(start.count), stop \(stop.count), transitions \(transitions.count) for K = \(k)")
        precondition(length >= 1 && emissions.count >= length * k,
                     "emissions hold \(emissions.count) values, fewer than L·K = \(length)·\(k)")
        tagCount = k
        self.length = length
        let e = emissions.prefix(length * k).map(Double.init)
        let trans = transitions.map(Double.init)
        let first = start.map(Double.init)
        let last = stop.map(Double.init)
        // log α[0,j] = start[j] + E[0,j];  log α[t,j] = E[t,j] + log Σ_i exp(log α[t−1,i] + trans[i,j])
        var alpha = [Double](repeating: 0, count: length * k)
        for j in 0..<k { alpha[j] = first[j] + e[j] }
        for t in 1..<max(length, 1) {
            for j in 0..<k {
                alpha[t * k + j] = e[t * k + j] + logSumExp(count: k) { alpha[(t - 1) * k + $0] + trans[$0 * k + j] }
            }
        }
        // log β[L−1,i] = stop[i];  log β[t,i] = log Σ_j exp(trans[i,j] + E[t+1,j] + log β[t+1,j])
        var beta = [Double](repeating: 0, count: length * k)
        for i in 0..<k { beta[(length - 1) * k + i] = last[i] }
        for t in stride(from: length - 2, through: 0, by: -1) {
            for i in 0..<k {
                beta[t * k + i] = logSumExp(count: k) { trans[i * k + $0] + e[(t + 1) * k + $0] + beta[(t + 1) * k + $0] }
            }
        }
        logPartition = logSumExp(count: k) { alpha[(length - 1) * k + $0] + last[$0] }
        self.emissions = e
        self.transitions = trans
        self.start = first
        self.stop = last
        logAlpha = alpha
        logBeta = beta
    }

    /// `P(y_t = k | x) = exp(log α[t,k] + log β[t,k] − log Z)`, at most 1 (rounding in the
    /// exponent of a long sentence's large scores can exceed it by ~1e-9).
    public func marginal(position t: Int, tag k: Int) -> Double {
        precondition(t >= 0 && t < length && k >= 0 && k < tagCount, "marginal (\(t), \(k)) outside [\(length), \(tagCount)]")
        return min(1, exp(logAlpha[t * tagCount + k] + logBeta[t * tagCount + k] - logPartition))
    }

    /// The span score of `TagPosterior`, as
    /// `exp(left + Σ_{start<t<end} (trans[y_{t−1}, y_t] + E[t, y_t]) + right − log Z)` with
    /// `left = start[y_s] + E[0, y_s]` at the sentence start, else
    /// `log Σ_{i ∈ before} exp(log α[start−1, i] + trans[i, y_s]) + E[start, y_s]`, and
    /// `right = stop[y_{end−1}]` at the sentence end, else
    /// `log Σ_{k ∈ after} exp(trans[y_{end−1}, k] + E[end, k] + log β[end, k])`.
    public func spanProbability(tags: [Int32], start s: Int, end: Int, before: [Bool]?, after: [Bool]?) -> Double {
        checkSpan(tags: tags, start: s, end: end, before: before, after: after)
        let k = tagCount
        let first = Int(tags[s])
        var logScore: Double
        if s == 0 {
            logScore = start[first] + emissions[first]
        } else {
            logScore = emissions[s * k + first]
                + logSumExp(count: k, include: { before?[$0] ?? true }) { logAlpha[(s - 1) * k + $0] + transitions[$0 * k + first] }
        }
        for t in (s + 1)..<max(end, s + 1) {
            let y = Int(tags[t])
            logScore += transitions[Int(tags[t - 1]) * k + y] + emissions[t * k + y]
        }
        let last = Int(tags[end - 1])
        if end == length {
            logScore += stop[last]
        } else {
            logScore += logSumExp(count: k, include: { after?[$0] ?? true }) {
                transitions[last * k + $0] + emissions[end * k + $0] + logBeta[end * k + $0]
            }
        }
        return logScore == -Double.infinity ? 0 : min(1, exp(logScore - logPartition))
    }
}
