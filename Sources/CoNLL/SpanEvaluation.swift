/// Span-level evaluation with conlleval's numbers: per span type and micro-averaged (`total`)
/// precision, recall and F1 over exact-match spans (type, start, end), with spans decoded by
/// `spans(_:scheme:)` (conlleval's reading of ill-formed sequences).
///
/// Values are fractions in [0, 1]; conlleval prints them ×100. Counts are integers, so evaluations of
/// different sentences, batches or ranks combine exactly with `+` (and through `flatCounts` /
/// `init(types:flatCounts:)` for an all-reduce).
public struct SpanEvaluation: Equatable, Codable, Sendable {
    /// Counts per span type (types seen in gold or predicted spans).
    public var byType: [String: SpanCounts]

    /// An empty evaluation.
    public init(byType: [String: SpanCounts] = [:]) {
        self.byType = byType
    }

    /// Evaluates one sentence: `gold` and `predicted` tags of length T in `scheme`.
    public init(gold: [String], predicted: [String], scheme: TagScheme) {
        self.init()
        add(gold: gold, predicted: predicted, scheme: scheme)
    }

    /// Adds one sentence: `gold` and `predicted` tags (both length T, checked by precondition).
    public mutating func add(gold: [String], predicted: [String], scheme: TagScheme) {
        precondition(gold.count == predicted.count,
                     "SpanEvaluation.add: \(gold.count) gold tags vs \(predicted.count) predicted tags")
        let goldSpans = spans(gold, scheme: scheme)
        let predictedSpans = spans(predicted, scheme: scheme)
        let goldSet = Set(goldSpans)
        let predictedSet = Set(predictedSpans)
        for span in predictedSpans {
            if goldSet.contains(span) {
                byType[span.type, default: SpanCounts()].truePositives += 1
            } else {
                byType[span.type, default: SpanCounts()].falsePositives += 1
            }
        }
        for span in goldSpans where !predictedSet.contains(span) {
            byType[span.type, default: SpanCounts()].falseNegatives += 1
        }
    }

    /// Span types with any gold or predicted span, sorted (conlleval's order).
    public var types: [String] { byType.keys.sorted() }

    /// Micro-averaged counts: the sum over types.
    public var total: SpanCounts { byType.values.reduce(SpanCounts(), +) }

    /// Micro precision (conlleval's overall precision).
    public var precision: Double { total.precision }
    /// Micro recall (conlleval's overall recall).
    public var recall: Double { total.recall }
    /// Micro F1 (conlleval's overall FB1).
    public var f1: Double { total.f1 }

    /// Counts for one type (zero counts for a type never seen).
    public func counts(for type: String) -> SpanCounts { byType[type] ?? SpanCounts() }

    /// Counts flattened as `[tp, fp, fn]` per entry of `types`, length 3·types.count, for an
    /// element-wise all-reduce across ranks (all ranks must pass the same `types`).
    public func flatCounts(types: [String]) -> [Int] {
        var flat: [Int] = []
        flat.reserveCapacity(3 * types.count)
        for type in types {
            let c = counts(for: type)
            flat += [c.truePositives, c.falsePositives, c.falseNegatives]
        }
        return flat
    }

    /// Rebuilds an evaluation from `flatCounts(types:)`; types whose counts are all zero are left out.
    public init(types: [String], flatCounts: [Int]) {
        precondition(flatCounts.count == 3 * types.count,
                     "SpanEvaluation: \(flatCounts.count) counts for \(types.count) types (need 3 per type)")
        var byType: [String: SpanCounts] = [:]
        for (i, type) in types.enumerated() {
            let c = SpanCounts(truePositives: flatCounts[3 * i], falsePositives: flatCounts[3 * i + 1],
                               falseNegatives: flatCounts[3 * i + 2])
            if c != SpanCounts() { byType[type] = c }
        }
        self.init(byType: byType)
    }

    /// Per-type sum.
    public static func + (a: SpanEvaluation, b: SpanEvaluation) -> SpanEvaluation {
        var sum = a
        sum += b
        return sum
    }

    /// In-place per-type sum.
    public static func += (a: inout SpanEvaluation, b: SpanEvaluation) {
        for (type, counts) in b.byType { a.byType[type, default: SpanCounts()] += counts }
    }
}
