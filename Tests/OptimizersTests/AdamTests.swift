import Optimizers
import TestSupport
import XCTest

/// `Adam` and `AdamW` against PyTorch's update rules, worked by hand (β₁ = 0.9, β₂ = 0.999,
/// ε = 1e-8, lr = 0.1).
final class AdamTests: XCTestCase {
    func testAdamTwoStepsByHand() throws {
        var adam = try Adam()
        var p: [Float] = [1, -1]
        // step 1: m = 0.1·g, v = 0.001·g², m̂ = g, v̂ = g²  ⇒  p −= 0.1·g/|g|
        step(&adam, &p, [0.5, -2], lr: 0.1)
        assertClose(p, [0.9, -0.9], atol: 1e-6, "adam step 1")
        assertClose(adam.state.buffers[0].values, [0.05, -0.2], atol: 1e-7, "m after step 1")
        assertClose(adam.state.buffers[1].values, [0.00025, 0.004], atol: 1e-9, "v after step 1")
        // step 2, g = [0.25, 1]:
        //   m = [0.045 + 0.025, −0.18 + 0.1] = [0.07, −0.08]
        //   v = [0.999·0.00025 + 0.001·0.0625, 0.999·0.004 + 0.001] = [0.00031225, 0.004996]
        //   1 − β₁² = 0.19, 1 − β₂² = 0.001999
        //   p[0] = 0.9 − 0.1·(0.07/0.19)/√(0.00031225/0.001999) = 0.9 − 0.0932180 = 0.8067820
        //   p[1] = −0.9 + 0.1·(0.08/0.19)/√(0.004996/0.001999) = −0.9 + 0.0266337 = −0.8733663
        step(&adam, &p, [0.25, 1], lr: 0.1)
        assertClose(p, [0.8067820, -0.8733663], atol: 1e-6, "adam step 2")
        assertClose(adam.state.buffers[0].values, [0.07, -0.08], atol: 1e-7, "m after step 2")
        assertClose(adam.state.buffers[1].values, [0.00031225, 0.004996], atol: 1e-8, "v after step 2")
        XCTAssertEqual(adam.stepCount, 2)
    }

    func testAdamL2EntersTheMoments() throws {
        var adam = try Adam(weightDecay: 0.1)
        var p: [Float] = [1, -1]
        // d = g + 0.1·p = [−0.05 + 0.1, −2 − 0.1] = [0.05, −2.1]: the L2 term flips the sign of
        // d[0], and step 1 moves p by 0.1·sign(d)
        step(&adam, &p, [-0.05, -2], lr: 0.1)
        assertClose(p, [0.9, -0.9], atol: 1e-6, "adam L2")
        assertClose(adam.state.buffers[0].values, [0.005, -0.21], atol: 1e-7, "m holds the L2 term")
    }

    func testAdamWDecouplesTheDecay() throws {
        var adamw = try AdamW(weightDecay: 0.1)
        var p: [Float] = [1, -1]
        // step 1: p = p·(1 − 0.1·0.1) = [0.99, −0.99], then p −= 0.1·sign(g) with g = [−0.05, −2]
        step(&adamw, &p, [-0.05, -2], lr: 0.1)
        assertClose(p, [1.09, -0.89], atol: 1e-6, "adamw step 1")
        assertClose(adamw.state.buffers[0].values, [-0.005, -0.2], atol: 1e-7, "m holds the raw gradient")
        // step 2, g = [0.25, 1]: p = [1.09·0.99, −0.89·0.99] = [1.0791, −0.8811]
        //   m = [−0.0045 + 0.025, −0.08] = [0.0205, −0.08];  v = [0.0000649975, 0.004996]
        //   p[0] = 1.0791 − 0.1·(0.0205/0.19)/√(0.0000649975/0.001999) = 1.0791 − 0.0598354
        //   p[1] = −0.8811 + 0.0266337
        step(&adamw, &p, [0.25, 1], lr: 0.1)
        assertClose(p, [1.0192646, -0.8544663], atol: 1e-6, "adamw step 2")
    }

    func testAdamWWithoutDecayEqualsAdam() throws {
        var adam = try Adam(beta1: 0.8, beta2: 0.99, epsilon: 1e-6)
        var adamw = try AdamW(beta1: 0.8, beta2: 0.99, epsilon: 1e-6, weightDecay: 0)
        var p1 = randomValues(17, seed: 1), p2 = p1
        for s in 0..<3 {
            let g = randomValues(17, seed: 10 + UInt64(s))
            step(&adam, &p1, g, lr: 0.01)
            step(&adamw, &p2, g, lr: 0.01)
        }
        XCTAssertEqual(p1, p2)
    }

    func testInvalidSettingsThrow() {
        XCTAssertThrowsError(try Adam(beta1: 1))
        XCTAssertThrowsError(try Adam(beta2: -0.1))
        XCTAssertThrowsError(try AdamW(epsilon: -1))
        XCTAssertThrowsError(try AdamW(weightDecay: .infinity))
    }
}
