import Autodiff
import TestSupport
import XCTest

/// The pooling ops of sentence classifiers: gradients by central differences, padding never read.
final class PoolingTests: XCTestCase {
    let x = randomValues(24, seed: 11)
    let w = randomValues(6, seed: 12)

    func testWeightedTokenSumGradient() {
        GradientCheck.check("weightedTokenSum", inputs: [([2, 3, 4], x), ([2, 3], w)]) { $0[0].weightedTokenSum($0[1], lengths: [3, 2]) }
    }

    func testMaskedSoftmaxGradient() {
        GradientCheck.check("maskedSoftmax", inputs: [([2, 3], w.map { $0 * 2 })]) { $0[0].maskedSoftmax(lengths: [3, 2]) }
    }

    func testAttentionPoolingGradient() {
        GradientCheck.check("attention pooling", inputs: [([2, 3, 4], x), ([2, 3], w)]) {
            $0[0].weightedTokenSum($0[1].maskedSoftmax(lengths: [2, 3]), lengths: [2, 3])
        }
    }

    func testPaddingIsNeverRead() {
        var padded = x, weights = w
        // row 1 has length 2: its step 2 is padding
        for j in 0..<4 { padded[(1 * 3 + 2) * 4 + j] = .nan }
        weights[1 * 3 + 2] = .nan
        let pooled = Tensor(shape: [2, 3, 4], scalars: padded).weightedTokenSum(Tensor(shape: [2, 3], scalars: weights), lengths: [3, 2])
        XCTAssertTrue(pooled.scalars.allSatisfy(\.isFinite), "\(pooled)")
        // out[1, j] = w[1,0]·x[1,0,j] + w[1,1]·x[1,1,j]
        for j in 0..<4 {
            XCTAssertEqual(pooled.scalars[4 + j], w[3] * x[12 + j] + w[4] * x[16 + j], accuracy: 1e-6)
        }
        let a = Tensor(shape: [2, 3], scalars: weights).maskedSoftmax(lengths: [3, 2]).scalars
        XCTAssertEqual(a[5], 0)
        XCTAssertEqual(a[3] + a[4], 1, accuracy: 1e-6)
        XCTAssertEqual(a[0] + a[1] + a[2], 1, accuracy: 1e-6)
    }
}
