import Foundation

/// The posterior distribution over one sentence's tag paths that a tagging head defines, read
/// for confidence: per-token marginals and the probability of a decoded span.
///
/// **Span score.** For a span over tokens `start..<end` decoded with tags `tags[start..<end]`,
/// `spanProbability` is the probability of the event "the tokens `start..<end` carry exactly these
/// tags, the tag before the span (if any) lies in `before`, and the tag after it (if any) lies in
/// `after`": `P(y[start..<end] = tags[start..<end], y[start−1] ∈ before, y[end] ∈ after | x)`. With
/// `before` the tags after which the span's first tag still starts a span, and `after` the tags
/// that do not continue it (see `CoNLL.spanBoundaryMasks`), this is the probability that the
/// model's distribution holds this span, with these boundaries and tags, as decoded. A nil mask
/// allows every tag; at the sentence's ends the mask is not consulted.
public protocol TagPosterior {
    /// K, the number of tags.
    var tagCount: Int { get }
    /// L, the number of tokens.
    var length: Int { get }
    /// `P(y_t = k | x)` for `t` in `0..<L`, `k` in `0..<K`.
    func marginal(position t: Int, tag k: Int) -> Double
    /// The span score defined above; `tags` holds at least `end` tags (only `start..<end` are
    /// read), `before` and `after` hold K flags each when given. `0 ≤ start < end ≤ L`.
    func spanProbability(tags: [Int32], start: Int, end: Int, before: [Bool]?, after: [Bool]?) -> Double
}

extension TagPosterior {
    /// The marginals `[L, K]` row-major, each row summing to 1.
    public var marginals: [Float] {
        var out = [Float](repeating: 0, count: length * tagCount)
        for t in 0..<length {
            for k in 0..<tagCount { out[t * tagCount + k] = Float(marginal(position: t, tag: k)) }
        }
        return out
    }

    /// Checks the arguments of `spanProbability` (a broken contract is a bug in the caller).
    func checkSpan(tags: [Int32], start: Int, end: Int, before: [Bool]?, after: [Bool]?) {
        precondition(0 <= start && start < end && end <= length && tags.count >= end,
                     "span \(start)..<\(end) with \(tags.count) tags outside a sentence of \(length) tokens")
        precondition(tags[start..<end].allSatisfy { $0 >= 0 && Int($0) < tagCount }, "a span tag lies outside 0..<\(tagCount)")
        precondition((before?.count ?? tagCount) == tagCount && (after?.count ?? tagCount) == tagCount,
                     "boundary masks need \(tagCount) flags")
    }
}

/// `log Σ_i exp(x_i)` over the `i` that `include` accepts, stable for any magnitudes; `-inf` when
/// none is accepted.
func logSumExp(count: Int, include: (Int) -> Bool = { _ in true }, _ x: (Int) -> Double) -> Double {
    var m = -Double.infinity
    for i in 0..<count where include(i) { m = max(m, x(i)) }
    guard m > -Double.infinity else { return -Double.infinity }
    var sum = 0.0
    for i in 0..<count where include(i) { sum += exp(x(i) - m) }
    return m + log(sum)
}
