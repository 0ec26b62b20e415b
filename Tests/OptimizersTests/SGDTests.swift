import Autodiff
import Optimizers
import TestSupport
import XCTest

/// `SGD` against PyTorch's update rule, worked by hand (lr = 0.1 throughout).
final class SGDTests: XCTestCase {
    func testPlainStepWithWeightDecay() throws {
        var sgd = try SGD(weightDecay: 0.1)
        var p: [Float] = [1, -2]
        // d = g + 0.1·p = [0.6, 0.05];  p −= 0.1·d
        step(&sgd, &p, [0.5, 0.25], lr: 0.1)
        assertClose(p, [0.94, -2.005], atol: 1e-6, "sgd + wd")
        XCTAssertEqual(sgd.stepCount, 1)
        XCTAssertTrue(sgd.state.buffers.isEmpty, "no momentum buffer without momentum")
    }

    func testMomentumTwoSteps() throws {
        var sgd = try SGD(momentum: 0.9)
        var p: [Float] = [1, 2]
        // step 1: b = g = [0.5, 1];  p = [1 − 0.05, 2 − 0.1]
        step(&sgd, &p, [0.5, 1], lr: 0.1)
        assertClose(p, [0.95, 1.9], atol: 1e-6, "momentum step 1")
        XCTAssertEqual(sgd.state.buffers, [StateBuffer(name: "momentum", values: [0.5, 1])])
        // step 2: b = 0.9·b + g = [0.45 − 1, 0.9 + 2] = [−0.55, 2.9];  p −= 0.1·b
        step(&sgd, &p, [-1, 2], lr: 0.1)
        assertClose(p, [1.005, 1.61], atol: 1e-6, "momentum step 2")
        assertClose(sgd.state.buffers[0].values, [-0.55, 2.9], atol: 1e-6, "momentum buffer")
    }

    func testDampeningSkipsTheFirstStep() throws {
        var sgd = try SGD(momentum: 0.9, dampening: 0.1)
        var p: [Float] = [1]
        // step 1: b = g = 0.5 (no dampening on the first step);  p = 0.95
        step(&sgd, &p, [0.5], lr: 0.1)
        assertClose(p, [0.95], atol: 1e-6, "dampening step 1")
        // step 2: b = 0.9·0.5 + 0.9·(−1) = −0.45;  p = 0.95 + 0.045
        step(&sgd, &p, [-1], lr: 0.1)
        assertClose(p, [0.995], atol: 1e-6, "dampening step 2")
    }

    func testNesterovTwoSteps() throws {
        var sgd = try SGD(momentum: 0.9, nesterov: true)
        var p: [Float] = [1]
        // step 1: b = 0.5;  d = 0.5 + 0.9·0.5 = 0.95;  p = 1 − 0.095
        step(&sgd, &p, [0.5], lr: 0.1)
        assertClose(p, [0.905], atol: 1e-6, "nesterov step 1")
        // step 2: b = 0.45 − 1 = −0.55;  d = −1 + 0.9·(−0.55) = −1.495;  p = 0.905 + 0.1495
        step(&sgd, &p, [-1], lr: 0.1)
        assertClose(p, [1.0545], atol: 1e-6, "nesterov step 2")
    }

    func testMomentumWithWeightDecayEntersTheBuffer() throws {
        var sgd = try SGD(momentum: 0.5, weightDecay: 0.5)
        var p: [Float] = [2]
        // step 1: d = 1 + 0.5·2 = 2;  b = 2;  p = 2 − 0.2 = 1.8
        step(&sgd, &p, [1], lr: 0.1)
        // step 2: d = 1 + 0.9 = 1.9;  b = 0.5·2 + 1.9 = 2.9;  p = 1.8 − 0.29
        step(&sgd, &p, [1], lr: 0.1)
        assertClose(p, [1.51], atol: 1e-6, "momentum + wd")
    }

    /// The sparse step of plain SGD visits the non-zero ranges only and equals the dense step bit
    /// for bit; with momentum or weight decay it updates every parameter, as the dense step does.
    func testStepOverNonZeroRangesEqualsTheDenseStep() throws {
        var rng = SplitMix64(seed: 7)
        let start = (0..<12).map { _ in Float(rng.nextUniform() * 2 - 1) }
        var gradients = [Float](repeating: 0, count: 12)
        let nonZero = [1 ..< 3, 6 ..< 7, 9 ..< 12]
        for r in nonZero { for i in r { gradients[i] = Float(rng.nextUniform() - 0.5) } }
        for make in [{ try SGD() }, { try SGD(momentum: 0.9) }, { try SGD(weightDecay: 0.1) }] {
            var dense = try make(), sparse = try make()
            var pDense = start, pSparse = start
            for _ in 0..<2 {
                step(&dense, &pDense, gradients, lr: 0.3)
                pSparse.withUnsafeMutableBufferPointer { p in
                    gradients.withUnsafeBufferPointer { g in
                        sparse.step(parameters: p.baseAddress!, gradients: g.baseAddress!, count: 12, nonZero: nonZero,
                                    learningRate: 0.3)
                    }
                }
            }
            XCTAssertEqual(pSparse, pDense, "sparse against dense, momentum \(dense.momentum), λ \(dense.weightDecay)")
            XCTAssertEqual(sparse.stepCount, 2)
            XCTAssertEqual(sparse.state.buffers, dense.state.buffers)
        }
    }

    func testInvalidSettingsThrow() {
        XCTAssertThrowsError(try SGD(momentum: -0.1))
        XCTAssertThrowsError(try SGD(weightDecay: .nan))
        XCTAssertThrowsError(try SGD(momentum: 0, nesterov: true)) { error in
            guard case OptimizerError.invalidHyperparameter(name: "momentum", _, _) = error else {
                return XCTFail("unexpected \(error)")
            }
        }
        XCTAssertThrowsError(try SGD(momentum: 0.9, dampening: 0.1, nesterov: true))
    }
}
