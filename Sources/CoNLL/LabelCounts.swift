/// Per-label counts of a sentence classifier (true positives, false positives, false negatives),
/// summable across ranks through `flatCounts(labels:)`, and the macro-F1 they give.
public struct LabelCounts: Equatable, Sendable {
    /// Per label: (true positives, false positives, false negatives).
    public private(set) var counts: [String: (tp: Int, fp: Int, fn: Int)] = [:]

    public init() {}

    /// Counts from the flat list `flatCounts(labels:)` wrote (three numbers per label, in order).
    public init(labels: [String], flatCounts: [Int]) {
        precondition(flatCounts.count == 3 * labels.count, "LabelCounts: \(flatCounts.count) counts for \(labels.count) labels")
        for (i, label) in labels.enumerated() {
            counts[label] = (flatCounts[3 * i], flatCounts[3 * i + 1], flatCounts[3 * i + 2])
        }
    }

    /// Adds one sentence's gold and predicted label.
    public mutating func add(gold: String, predicted: String) {
        if gold == predicted {
            counts[gold, default: (0, 0, 0)].tp += 1
        } else {
            counts[predicted, default: (0, 0, 0)].fp += 1
            counts[gold, default: (0, 0, 0)].fn += 1
        }
    }

    /// tp, fp, fn of each of `labels` in order (0 for a label never seen), for summing across ranks.
    public func flatCounts(labels: [String]) -> [Int] {
        labels.flatMap { label -> [Int] in
            let c = counts[label] ?? (0, 0, 0)
            return [c.tp, c.fp, c.fn]
        }
    }

    /// F1 of one label: 2·tp / (2·tp + fp + fn), 0 when it has no count.
    public func f1(of label: String) -> Double {
        guard let c = counts[label], 2 * c.tp + c.fp + c.fn > 0 else { return 0 }
        return 2 * Double(c.tp) / Double(2 * c.tp + c.fp + c.fn)
    }

    /// The labels that occur in gold or predictions, sorted: those macro-F1 averages over (as
    /// scikit-learn's `f1_score(average="macro")` with its default labels).
    public var labels: [String] {
        counts.filter { $0.value.tp + $0.value.fp + $0.value.fn > 0 }.keys.sorted()
    }

    /// The mean of `f1(of:)` over `labels`, 0 without any.
    public var macroF1: Double {
        let present = labels
        return present.isEmpty ? 0 : present.map(f1(of:)).reduce(0, +) / Double(present.count)
    }

    public static func == (a: LabelCounts, b: LabelCounts) -> Bool {
        a.labels == b.labels && a.labels.allSatisfy { a.counts[$0]! == b.counts[$0]! }
    }
}
