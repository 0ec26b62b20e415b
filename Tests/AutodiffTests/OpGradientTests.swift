import Autodiff
import TestSupport
import XCTest

/// One central-difference gradient check per primitive op, at tiny shapes (B=2, T=3, C=4).
final class OpGradientTests: XCTestCase {
    let x234 = randomValues(24, seed: 1)
    let y234 = randomValues(24, seed: 2)
    let c4 = randomValues(4, seed: 3)

    func testAdd() { GradientCheck.check("add", inputs: [([2, 3, 4], x234), ([2, 3, 4], y234)]) { $0[0] + $0[1] } }
    func testAddBroadcast() { GradientCheck.check("add bcast", inputs: [([2, 3, 4], x234), ([4], c4)]) { $0[0] + $0[1] } }
    func testAddBroadcastLeft() { GradientCheck.check("add bcast left", inputs: [([3, 4], Array(x234[0..<12])), ([2, 3, 4], y234)]) { $0[0] + $0[1] } }
    func testSubtract() { GradientCheck.check("sub", inputs: [([2, 3, 4], x234), ([4], c4)]) { $0[0] - $0[1] } }
    func testMultiply() { GradientCheck.check("mul", inputs: [([2, 3, 4], x234), ([2, 3, 4], y234)]) { $0[0] * $0[1] } }
    func testMultiplyBroadcast() { GradientCheck.check("mul bcast", inputs: [([2, 3, 4], x234), ([3, 4], Array(y234[0..<12]))]) { $0[0] * $0[1] } }
    func testScaleAndShift() { GradientCheck.check("scale", inputs: [([2, 3, 4], x234)]) { $0[0].scaled(by: -2.5).adding(0.3) } }
    func testSum() { GradientCheck.check("sum", inputs: [([2, 3, 4], x234)]) { $0[0].sum() } }
    func testMean() { GradientCheck.check("mean", inputs: [([2, 3, 4], x234)]) { $0[0].mean() } }
    func testSumLastAxis() { GradientCheck.check("sumLastAxis", inputs: [([2, 3, 4], x234)]) { $0[0].sumLastAxis() } }
    func testTanh() { GradientCheck.check("tanh", inputs: [([2, 3, 4], x234.map { $0 * 2 })]) { $0[0].tanh() } }
    func testSigmoid() { GradientCheck.check("sigmoid", inputs: [([2, 3, 4], x234.map { $0 * 3 })]) { $0[0].sigmoid() } }
    func testRelu() {
        // keep values away from the kink at 0, where the derivative is undefined
        let v = x234.map { $0 >= 0 ? $0 + 0.05 : $0 - 0.05 }
        GradientCheck.check("relu", inputs: [([2, 3, 4], v)]) { $0[0].relu() }
    }
    func testGelu() { GradientCheck.check("gelu", inputs: [([2, 3, 4], x234.map { $0 * 2 })]) { $0[0].gelu() } }
    func testExp() { GradientCheck.check("exp", inputs: [([2, 3, 4], x234)]) { $0[0].exp() } }
    func testLog() { GradientCheck.check("log", inputs: [([2, 3, 4], x234.map { abs($0) + 0.5 })]) { $0[0].log() } }
    func testLogSoftmax() { GradientCheck.check("logSoftmax", inputs: [([2, 3, 4], x234)]) { $0[0].logSoftmax() } }

    func testMatmulAllTransposes() {
        let a = randomValues(6 * 4, seed: 4), b = randomValues(4 * 5, seed: 5)
        GradientCheck.check("matmul", inputs: [([2, 3, 4], a), ([4, 5], b)]) { matmul($0[0], $0[1]) }
        GradientCheck.check("matmul Bᵀ", inputs: [([6, 4], a), ([5, 4], b)]) { matmul($0[0], $0[1], transposeB: true) }
        GradientCheck.check("matmul Aᵀ", inputs: [([4, 6], a), ([4, 5], b)]) { matmul($0[0], $0[1], transposeA: true) }
        GradientCheck.check("matmul AᵀBᵀ", inputs: [([4, 6], a), ([5, 4], b)]) {
            matmul($0[0], $0[1], transposeA: true, transposeB: true)
        }
    }

    func testLinear() {
        GradientCheck.check("linear", inputs: [([2, 3, 4], x234), ([5, 4], randomValues(20, seed: 6)), ([5], randomValues(5, seed: 7))]) {
            linear($0[0], weight: $0[1], bias: $0[2])
        }
        GradientCheck.check("linear, three stacked maps", inputs: [([2, 3, 4], x234), ([5, 4], randomValues(20, seed: 6)),
                                                                   ([2, 4], randomValues(8, seed: 8)), ([3, 4], randomValues(12, seed: 9)),
                                                                   ([5], randomValues(5, seed: 7)), ([2], randomValues(2, seed: 10)),
                                                                   ([3], randomValues(3, seed: 11))]) {
            linear($0[0], weights: [$0[1], $0[2], $0[3]], biases: [$0[4], $0[5], $0[6]])
        }
    }

    /// Stacked maps give, block by block, what each map gives alone.
    func testStackedLinearEqualsTheMapsSideBySide() {
        let x = Tensor(shape: [2, 3, 4], scalars: x234)
        let ws = [5, 2, 3].enumerated().map { i, n in Tensor(shape: [n, 4], scalars: randomValues(4 * n, seed: 40 + UInt64(i))) }
        let bs = [5, 2, 3].enumerated().map { i, n in Tensor(shape: [n], scalars: randomValues(n, seed: 50 + UInt64(i))) }
        let stacked = linear(x, weights: ws, biases: bs)
        XCTAssertEqual(stacked.shape, [2, 3, 10])
        let separate = concatLastAxis(zip(ws, bs).map { linear(x, weight: $0, bias: $1) })
        assertClose(stacked.scalars, separate.scalars, atol: 1e-6, rtol: 1e-6, "stacked linear")
    }

    func testCrossEntropyWithMask() {
        let targets: [Int32] = [0, 3, 1, 2, 0, 1]
        let mask = [true, true, false, true, true, false]
        GradientCheck.check("crossEntropy", inputs: [([2, 3, 4], x234)]) {
            softmaxCrossEntropy(logits: $0[0], targets: targets, mask: mask)
        }
    }

    func testEmbeddingScatterAdd() {
        // index 1 repeats, so its gradient row must accumulate two contributions
        let ids: [Int32] = [1, 0, 1, 4, 2, 1]
        GradientCheck.check("embedding", inputs: [([5, 4], randomValues(20, seed: 8))]) { embedding($0[0], indices: ids) }
    }

    func testConcatSplitColumns() {
        GradientCheck.check("concat", inputs: [([2, 3, 4], x234), ([2, 3, 2], randomValues(12, seed: 9))]) {
            concatLastAxis([$0[0], $0[1]])
        }
        GradientCheck.check("split", inputs: [([2, 3, 4], x234)]) {
            let parts = $0[0].split(widths: [1, 3])
            return concatLastAxis([parts[1].tanh(), parts[0]])
        }
        GradientCheck.check("reshape", inputs: [([2, 3, 4], x234)]) { $0[0].reshaped([6, 4]).sigmoid() }
    }

    func testReverseInTime() {
        GradientCheck.check("reverse", inputs: [([2, 3, 4], x234)]) { $0[0].reversedInTime(lengths: [3, 2]) }
    }

    func testDropoutAllKinds() {
        for kind in [DropoutKind.element, .locked, .word] {
            GradientCheck.check("dropout \(kind)", inputs: [([2, 3, 4], x234)]) {
                $0[0].dropout(probability: 0.4, kind: kind, keys: [11, 12])
            }
        }
    }

    func testLayerNorm() {
        GradientCheck.check("layerNorm", inputs: [([2, 3, 4], x234), ([4], c4), ([4], randomValues(4, seed: 10))]) {
            layerNorm($0[0], gamma: $0[1], beta: $0[2])
        }
    }
}
