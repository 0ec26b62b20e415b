/// True positives, false positives and false negatives of span predictions, as integer counts
/// (summable across sentences, batches and ranks with `+`).
public struct SpanCounts: Hashable, Codable, Sendable {
    /// Predicted spans that equal a gold span (same type, start and end).
    public var truePositives: Int
    /// Predicted spans that equal no gold span.
    public var falsePositives: Int
    /// Gold spans that equal no predicted span.
    public var falseNegatives: Int

    /// Counts.
    public init(truePositives: Int = 0, falsePositives: Int = 0, falseNegatives: Int = 0) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.falseNegatives = falseNegatives
    }

    /// Number of predicted spans, tp + fp (conlleval's "found").
    public var predicted: Int { truePositives + falsePositives }
    /// Number of gold spans, tp + fn (conlleval's "phrases").
    public var gold: Int { truePositives + falseNegatives }

    /// precision = tp / (tp + fp), 0 when nothing was predicted (conlleval's convention).
    public var precision: Double { predicted > 0 ? Double(truePositives) / Double(predicted) : 0 }
    /// recall = tp / (tp + fn), 0 when there is no gold span (conlleval's convention).
    public var recall: Double { gold > 0 ? Double(truePositives) / Double(gold) : 0 }
    /// F1 = 2·P·R / (P + R), 0 when P + R = 0 (conlleval's convention).
    public var f1: Double {
        let p = precision, r = recall
        return p + r > 0 ? 2 * p * r / (p + r) : 0
    }

    /// Element-wise sum.
    public static func + (a: SpanCounts, b: SpanCounts) -> SpanCounts {
        SpanCounts(truePositives: a.truePositives + b.truePositives,
                   falsePositives: a.falsePositives + b.falsePositives,
                   falseNegatives: a.falseNegatives + b.falseNegatives)
    }

    /// In-place element-wise sum.
    public static func += (a: inout SpanCounts, b: SpanCounts) { a = a + b }
}
