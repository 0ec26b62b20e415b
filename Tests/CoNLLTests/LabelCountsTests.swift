import CoNLL
import XCTest

/// Macro-F1 from per-label counts, and counts that sum across ranks through their flat form.
final class LabelCountsTests: XCTestCase {
    func testMacroF1AveragesTheLabelsInGoldOrPredictions() {
        var c = LabelCounts()
        for (gold, predicted) in [("a", "a"), ("a", "b"), ("b", "b"), ("c", "b")] { c.add(gold: gold, predicted: predicted) }
        // a: tp 1 fn 1 → 2/3; b: tp 1 fp 2 → 2/4; c: fn 1 → 0
        XCTAssertEqual(c.labels, ["a", "b", "c"])
        XCTAssertEqual(c.f1(of: "a"), 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(c.f1(of: "b"), 0.5, accuracy: 1e-12)
        XCTAssertEqual(c.macroF1, (2.0 / 3 + 0.5 + 0) / 3, accuracy: 1e-12)
        XCTAssertEqual(LabelCounts().macroF1, 0)
    }

    func testFlatCountsOfTwoRanksSumToTheCountsOfTheirUnion() {
        let pairs = [("a", "a"), ("b", "a"), ("c", "c"), ("a", "b"), ("b", "b")]
        var all = LabelCounts(), rank0 = LabelCounts(), rank1 = LabelCounts()
        for (i, (g, p)) in pairs.enumerated() {
            all.add(gold: g, predicted: p)
            if i % 2 == 0 { rank0.add(gold: g, predicted: p) } else { rank1.add(gold: g, predicted: p) }
        }
        // a label no rank saw (in the dictionary only) counts nothing and is left out of the mean
        let labels = ["a", "b", "c", "unseen"]
        let summed = zip(rank0.flatCounts(labels: labels), rank1.flatCounts(labels: labels)).map(+)
        XCTAssertEqual(LabelCounts(labels: labels, flatCounts: summed), all)
        XCTAssertEqual(LabelCounts(labels: labels, flatCounts: summed).labels, ["a", "b", "c"])
    }
}
