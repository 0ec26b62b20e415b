import Autodiff
import Foundation
import TestSupport
import XCTest

/// The biaffine parser's ops: values against plain loops over the formula, and central-difference
/// gradient checks at tiny shapes.
final class BiaffineOpTests: XCTestCase {
    func testPairScoresAreTheDotProductsOfEveryPairOfASentence() {
        let a = randomValues(2 * 3 * 4, seed: 1), b = randomValues(2 * 2 * 4, seed: 2)
        let out = pairScores(Tensor(shape: [2, 3, 4], scalars: a), Tensor(shape: [2, 2, 4], scalars: b))
        XCTAssertEqual(out.shape, [2, 3, 2])
        var expected: [Float] = []
        for r in 0..<2 {
            for i in 0..<3 {
                for j in 0..<2 { expected.append((0..<4).map { a[(r * 3 + i) * 4 + $0] * b[(r * 2 + j) * 4 + $0] }.reduce(0, +)) }
            }
        }
        assertClose(out.scalars, expected, atol: 1e-6)
    }

    func testBilinearIsOneFormPerLabel() {
        let x = randomValues(3 * 4, seed: 3), y = randomValues(3 * 2, seed: 4), w = randomValues(4 * 5 * 2, seed: 5)
        let out = bilinear(Tensor(shape: [3, 4], scalars: x), Tensor(shape: [3, 2], scalars: y), weight: Tensor(shape: [4, 5, 2], scalars: w))
        XCTAssertEqual(out.shape, [3, 5])
        var expected: [Float] = []
        for m in 0..<3 {
            for l in 0..<5 {
                var s: Float = 0
                // out[m, l] = Σ_a Σ_b x[m, a] · w[a, l, b] · y[m, b]
                for a in 0..<4 { for b in 0..<2 { s += x[m * 4 + a] * w[(a * 5 + l) * 2 + b] * y[m * 2 + b] } }
                expected.append(s)
            }
        }
        assertClose(out.scalars, expected, atol: 1e-6)
    }

    func testPrependingAndSelectingSteps() {
        let x = Tensor(shape: [2, 2, 1], scalars: [1, 2, 3, 4])
        let withRoot = x.prependingStep(Tensor(shape: [1], scalars: [9]))
        XCTAssertEqual(withRoot.shape, [2, 3, 1])
        XCTAssertEqual(withRoot.scalars, [9, 1, 2, 9, 3, 4])
        XCTAssertEqual(withRoot.selectingSteps([2, 0, 1, 1]).scalars, [2, 9, 3, 3])
    }

    func testArcCrossEntropyCountsOnlyTheHeadsOfEachSentence() {
        // row 0: 2 words (heads 0...2 count), row 1: 1 word (heads 0...1); padding holds huge scores
        let scores: [Float] = [0.5, -1, 2, 100,
                               1, 0.25, -0.5, 100,
                               100, 100, 100, 100,
                               0.3, 0.7, 100, 100,
                               100, 100, 100, 100,
                               100, 100, 100, 100]
        let heads: [Int32] = [2, 0, 7, 1, 7, 7]
        let loss = arcCrossEntropy(scores: Tensor(shape: [2, 3, 4], scalars: scores), heads: heads, lengths: [2, 1])
        func nll(_ row: [Float], _ gold: Int) -> Double {
            log(row.map { exp(Double($0)) }.reduce(0, +)) - Double(row[gold])
        }
        let expected = nll([0.5, -1, 2], 2) + nll([1, 0.25, -0.5], 0) + nll([0.3, 0.7], 1)
        XCTAssertEqual(Double(loss.item), expected, accuracy: 1e-5)
    }

    func testGradients() {
        GradientCheck.check("pairScores", inputs: [([2, 3, 4], randomValues(24, seed: 6)), ([2, 4, 4], randomValues(32, seed: 7))]) {
            pairScores($0[0], $0[1])
        }
        GradientCheck.check("bilinear", inputs: [([2, 3, 4], randomValues(24, seed: 8)), ([2, 3, 2], randomValues(12, seed: 9)),
                                                 ([4, 3, 2], randomValues(24, seed: 10))]) {
            bilinear($0[0], $0[1], weight: $0[2])
        }
        GradientCheck.check("prependingStep", inputs: [([2, 3, 4], randomValues(24, seed: 11)), ([4], randomValues(4, seed: 12))]) {
            $0[0].prependingStep($0[1])
        }
        // step 1 of row 0 is chosen twice, so its gradient is the sum of two
        GradientCheck.check("selectingSteps", inputs: [([2, 3, 4], randomValues(24, seed: 13))]) {
            $0[0].selectingSteps([1, 1, 0, 2, 2, 0, 1, 0])
        }
        GradientCheck.check("arcCrossEntropy", inputs: [([2, 3, 4], randomValues(24, seed: 14, scale: 2))]) {
            arcCrossEntropy(scores: $0[0], heads: [2, 0, 3, 1, 0, 0], lengths: [3, 1])
        }
    }

    /// Scores of heads beyond a sentence and of words beyond it change nothing and get no gradient.
    func testArcCrossEntropyIgnoresPadding() {
        let base = randomValues(24, seed: 15)
        var padded = base
        // row 0 has 2 words (heads 0...2), row 1 one word (heads 0...1)
        let padding = [3, 7, 8, 9, 10, 11, 14, 15] + Array(16..<24)
        for k in padding { padded[k] = 50 }
        let heads: [Int32] = [2, 0, 0, 1, 0, 0]
        func run(_ values: [Float]) -> (Float, [Float]) {
            let tape = Tape()
            let s = Tensor.variable(shape: [2, 3, 4], scalars: values, tape: tape)
            let loss = arcCrossEntropy(scores: s, heads: heads, lengths: [2, 1])
            tape.backward(from: loss)
            return (loss.item, s.gradScalars)
        }
        let (l0, g0) = run(base), (l1, g1) = run(padded)
        XCTAssertEqual(l0, l1)
        XCTAssertEqual(g0, g1)
        for k in padding { XCTAssertEqual(g0[k], 0, "score \(k)") }
        XCTAssertTrue(g0.contains { $0 != 0 })
    }
}
