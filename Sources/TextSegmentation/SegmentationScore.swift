/// Precision, recall and F1 of predicted spans against gold spans, counted as the CoNLL 2018
/// shared task's evaluation script (conll18_ud_eval.py) counts its Tokens and Sentences metrics:
/// positions are offsets into the text with all white space removed, and a predicted span is
/// correct when a gold span has the same start and end there.
public struct SegmentationScore: Equatable, Sendable {
    /// Gold spans.
    public var gold: Int
    /// Predicted spans.
    public var system: Int
    /// Predicted spans with a gold span at the same start and end.
    public var correct: Int

    /// `correct / system` (0 without predicted spans).
    public var precision: Double { system == 0 ? 0 : Double(correct) / Double(system) }
    /// `correct / gold` (0 without gold spans).
    public var recall: Double { gold == 0 ? 0 : Double(correct) / Double(gold) }
    /// `2·correct / (gold + system)`, the harmonic mean of precision and recall.
    public var f1: Double { gold + system == 0 ? 0 : 2 * Double(correct) / Double(gold + system) }

    /// A score from its counts.
    public init(gold: Int, system: Int, correct: Int) {
        self.gold = gold
        self.system = system
        self.correct = correct
    }

    /// Counts the spans of `system` that equal one of `gold`; both sorted by start, not overlapping.
    public init(gold: [Range<Int>], system: [Range<Int>]) {
        self.gold = gold.count
        self.system = system.count
        var correct = 0
        var g = 0
        var p = 0
        while g < gold.count && p < system.count {
            if gold[g].lowerBound < system[p].lowerBound {
                g += 1
            } else if system[p].lowerBound < gold[g].lowerBound {
                p += 1
            } else {
                if gold[g].upperBound == system[p].upperBound { correct += 1 }
                g += 1
                p += 1
            }
        }
        self.correct = correct
    }
}
