import Autodiff
import Optimizers
import XCTest

/// `clipGradientNorm` against PyTorch's `clip_grad_norm_`, worked by hand.
final class GradientClippingTests: XCTestCase {
    private func clip(_ g: inout [Float], maxNorm: Float) -> Float {
        g.withUnsafeMutableBufferPointer { clipGradientNorm($0.baseAddress!, count: $0.count, maxNorm: maxNorm) }
    }

    func testClipsAboveTheMaximum() {
        var g: [Float] = [3, 0, -4]
        // ‖g‖ = 5;  g·1/(5 + 1e-6)
        XCTAssertEqual(clip(&g, maxNorm: 1), 5)
        XCTAssertEqual(g[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(g[1], 0)
        XCTAssertEqual(g[2], -0.8, accuracy: 1e-6)
    }

    func testNoOpBelowTheMaximum() {
        var g: [Float] = [0.3, -0.4]
        XCTAssertEqual(clip(&g, maxNorm: 1), 0.5, accuracy: 1e-7)
        XCTAssertEqual(g, [0.3, -0.4])
    }

    func testNormAccumulatesInDouble() {
        // squares of 1e20 overflow Float, not Double: ‖g‖ = √(4·1e40) = 2e20
        var g = [Float](repeating: 1e20, count: 4)
        XCTAssertEqual(clip(&g, maxNorm: 1), 2e20, accuracy: 1e14)
        for x in g { XCTAssertEqual(x, 0.5, accuracy: 1e-6) }
    }

    /// Clipping only the ranges that can be non-zero gives the whole buffer's norm and values (up to
    /// the order of the Double sum), and never writes outside the ranges.
    func testClippingRangesEqualsClippingTheWholeBuffer() {
        var rng = SplitMix64(seed: 7)
        var dense = [Float](repeating: 0, count: 40)
        let ranges = [2..<5, 9..<10, 20..<31]
        for r in ranges { for i in r { dense[i] = 3 * rng.nextUniform() - 1.5 } }
        var sparse = dense
        sparse[6] = 99  // outside the ranges: left as it is
        let denseNorm = clip(&dense, maxNorm: 0.5)
        let sparseNorm = sparse.withUnsafeMutableBufferPointer { clipGradientNorm($0.baseAddress!, ranges: ranges, maxNorm: 0.5) }
        XCTAssertEqual(sparseNorm, denseNorm, accuracy: 1e-6 * denseNorm)
        XCTAssertGreaterThan(denseNorm, 1)
        XCTAssertEqual(sparse[6], 99)
        sparse[6] = 0
        for (a, b) in zip(sparse, dense) { XCTAssertEqual(a, b, accuracy: 1e-6) }
        XCTAssertEqual(sparse.filter { $0 == 0 }.count, 40 - 15)
    }

    /// The eight-lane sum agrees with a plain Double sum over lengths around its lane width.
    func testNormOfEveryShortLengthMatchesAPlainSum() {
        var rng = SplitMix64(seed: 3)
        let g = (0..<37).map { _ in 2 * rng.nextUniform() - 1 }
        for n in 0...37 {
            let plain = g.prefix(n).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            XCTAssertEqual(g.withUnsafeBufferPointer { gradientNorm($0.baseAddress!, count: n) }, plain, accuracy: 1e-12, "n = \(n)")
        }
    }

    func testNonFiniteNormLeavesGradientsAlone() {
        var g: [Float] = [1, .nan, 2]
        XCTAssertTrue(clip(&g, maxNorm: 1).isNaN)
        XCTAssertEqual(g[0], 1)
        XCTAssertEqual(g[2], 2)
    }

    func testStoreNormIsGlobalOverParameters() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        let a = store.add("a", shape: [1], initializer: .zeros, rng: &rng)
        let b = store.add("b", shape: [2], initializer: .zeros, rng: &rng)
        store.grads.base[a.offset] = 6
        store.grads.base[b.offset] = 0
        store.grads.base[b.offset + 1] = 8
        // ‖[6, 0, 8]‖ = 10 across both parameters;  scaled by 2/10
        XCTAssertEqual(clipGradientNorm(store: store, maxNorm: 2), 10)
        XCTAssertEqual(store.gradScalars(of: a)[0], 1.2, accuracy: 1e-6)
        XCTAssertEqual(store.gradScalars(of: b)[1], 1.6, accuracy: 1e-6)
    }
}
