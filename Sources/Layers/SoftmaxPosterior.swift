import Foundation

/// The posterior of a softmax tagging head over one sentence: tokens are independent given the
/// encoder, `P(y_t = k | x) = softmax(logits[t, :])_k`, computed in Double with the row's maximum
/// subtracted, so any finite logits give probabilities.
///
/// Under independence the span score of `TagPosterior` factorises:
/// `P(y[start−1] ∈ before) · Π_{start≤t<end} P(y_t = tags[t]) · P(y[end] ∈ after)`, the boundary
/// factors dropped at the sentence's ends.
public struct SoftmaxPosterior: TagPosterior, Sendable {
    public let tagCount: Int
    public let length: Int
    let probabilities: [Double]

    /// The posterior of logits `[L, K]` row-major (at least `L·K` values; a padded tail is ignored).
    public init(logits: ArraySlice<Float>, length: Int, tagCount: Int) {
        precondition(tagCount >= 1 && length >= 1 && logits.count >= length * tagCount,
                     "logits hold \(logits.count) values, fewer than L·K = \(length)·\(tagCount)")
        self.tagCount = tagCount
        self.length = length
        let x = logits.prefix(length * tagCount).map(Double.init)
        var p = [Double](repeating: 0, count: length * tagCount)
        for t in 0..<length {
            // p[t,k] = exp(x[t,k] − log Σ_j exp(x[t,j]))
            let logNorm = logSumExp(count: tagCount) { x[t * tagCount + $0] }
            for k in 0..<tagCount { p[t * tagCount + k] = exp(x[t * tagCount + k] - logNorm) }
        }
        probabilities = p
    }

    public func marginal(position t: Int, tag k: Int) -> Double {
        precondition(t >= 0 && t < length && k >= 0 && k < tagCount, "marginal (\(t), \(k)) outside [\(length), \(tagCount)]")
        return probabilities[t * tagCount + k]
    }

    /// The factorised span score (see the type's documentation), summed in log space.
    public func spanProbability(tags: [Int32], start: Int, end: Int, before: [Bool]?, after: [Bool]?) -> Double {
        checkSpan(tags: tags, start: start, end: end, before: before, after: after)
        var logScore = 0.0
        for t in start..<end { logScore += log(probabilities[t * tagCount + Int(tags[t])]) }
        if start > 0 { logScore += log(mass(at: start - 1, of: before)) }
        if end < length { logScore += log(mass(at: end, of: after)) }
        return logScore == -Double.infinity ? 0 : min(1, exp(logScore))
    }

    /// `Σ_{k ∈ mask} P(y_t = k)`.
    private func mass(at t: Int, of mask: [Bool]?) -> Double {
        var sum = 0.0
        for k in 0..<tagCount where mask?[k] ?? true { sum += probabilities[t * tagCount + k] }
        return min(1, sum)
    }
}
