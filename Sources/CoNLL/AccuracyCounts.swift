/// Token-level accuracy as integer counts (summable across sentences, batches and ranks with `+`).
public struct AccuracyCounts: Hashable, Codable, Sendable {
    /// Tokens whose predicted label equals the gold label.
    public var correct: Int
    /// Tokens evaluated.
    public var total: Int

    /// Counts.
    public init(correct: Int = 0, total: Int = 0) {
        self.correct = correct
        self.total = total
    }

    /// Counts for one sentence: `gold` and `predicted` labels of length T.
    public init(gold: [String], predicted: [String]) {
        self.init()
        add(gold: gold, predicted: predicted)
    }

    /// Adds one sentence (both length T, checked by precondition).
    public mutating func add(gold: [String], predicted: [String]) {
        precondition(gold.count == predicted.count,
                     "AccuracyCounts.add: \(gold.count) gold labels vs \(predicted.count) predicted labels")
        for t in gold.indices where gold[t] == predicted[t] { correct += 1 }
        total += gold.count
    }

    /// accuracy = correct / total, 0 when total is 0.
    public var accuracy: Double { total > 0 ? Double(correct) / Double(total) : 0 }

    /// Element-wise sum.
    public static func + (a: AccuracyCounts, b: AccuracyCounts) -> AccuracyCounts {
        AccuracyCounts(correct: a.correct + b.correct, total: a.total + b.total)
    }

    /// In-place element-wise sum.
    public static func += (a: inout AccuracyCounts, b: AccuracyCounts) { a = a + b }
}
