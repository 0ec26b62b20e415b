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
