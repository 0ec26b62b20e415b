import Autodiff
import Layers
import TestSupport
import XCTest

/// The fused LSTM: gradient checks, agreement with the per-step reference, padding invariance.
final class LSTMTests: XCTestCase {
    // B=2, T=3, C=4, H=3
    let x = randomValues(2 * 3 * 4, seed: 1)
    let wIH = randomValues(12 * 4, seed: 2, scale: 0.6)
    let wHH = randomValues(12 * 3, seed: 3, scale: 0.6)
    let bias = randomValues(12, seed: 4, scale: 0.3)

    func testFusedGradients() {
        GradientCheck.check("lstm", inputs: [([2, 3, 4], x), ([12, 4], wIH), ([12, 3], wHH), ([12], bias)]) {
            LSTM.forward($0[0], lengths: [3, 2], weightIH: $0[1], weightHH: $0[2], bias: $0[3])
        }
    }

    func testReferenceGradients() {
        GradientCheck.check("lstm reference", inputs: [([2, 3, 4], x), ([12, 4], wIH), ([12, 3], wHH), ([12], bias)]) {
            LSTM.referenceForward($0[0], lengths: [3, 2], weightIH: $0[1], weightHH: $0[2], bias: $0[3])
        }
    }

    func testModuleGradients() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 5)
        let lstm = LSTM(inputSize: 4, hiddenSize: 3, name: "lstm", store: store, rng: &rng)
        checkLayerGradients("LSTM module", store: store, inputs: [([2, 3, 4], x)]) {
            lstm($0[0], lengths: [3, 2], tape: $1)
        }
    }

    /// Unsorted lengths, a zero length and ties exercise the packing order.
    func testFusedMatchesReferenceValuesAndGradients() {
        assertFusedMatchesReference(b: 5, t: 4, c: 4, h: 3, lengths: [2, 4, 0, 4, 1], scale: 1)
    }

    /// A batch of 16 with H = 256: the per-step products over the prepared W_hh (`PackedOperand`:
    /// two register blocks of rows, 32 panels of columns forward with K = 256, 8 backward with
    /// K = 1024).
    func testFusedMatchesReferenceWithColumnPanels() {
        let lengths = [3, 1, 2, 3, 3, 2, 1, 3, 2, 3, 3, 1, 2, 3, 2, 3]
        assertFusedMatchesReference(b: 16, t: 3, c: 4, h: 256, lengths: lengths, scale: 0.1)
    }

    func assertFusedMatchesReference(b: Int, t: Int, c: Int, h: Int, lengths: [Int], scale: Float) {
        let xv = randomValues(b * t * c, seed: 6), wi = randomValues(4 * h * c, seed: 7, scale: scale)
        let wh = randomValues(4 * h * h, seed: 8, scale: scale)
        let bv = randomValues(4 * h, seed: 9, scale: scale)
        let r = Tensor(shape: [b, t, h], scalars: randomValues(b * t * h, seed: 10))
        func run(_ f: (Tensor, [Int], Tensor, Tensor, Tensor) -> Tensor) -> [[Float]] {
            let tape = Tape()
            let inputs = [Tensor.variable(shape: [b, t, c], scalars: xv, tape: tape),
                          Tensor.variable(shape: [4 * h, c], scalars: wi, tape: tape),
                          Tensor.variable(shape: [4 * h, h], scalars: wh, tape: tape),
                          Tensor.variable(shape: [4 * h], scalars: bv, tape: tape)]
            let y = f(inputs[0], lengths, inputs[1], inputs[2], inputs[3])
            tape.backward(from: (y * r).sum())
            return [y.scalars] + inputs.map(\.gradScalars)
        }
        let fused = run(LSTM.forward), reference = run(LSTM.referenceForward)
        for (i, what) in ["output", "dX", "dW_ih", "dW_hh", "dBias"].enumerated() {
            assertClose(fused[i], reference[i], atol: 1e-5, rtol: 1e-4, what)
        }
        // a sequence of length 0: all-zero output, no gradient
        for (j, length) in lengths.enumerated() where length == 0 {
            XCTAssertEqual(Array(fused[0][(j * t * h)..<((j + 1) * t * h)]), [Float](repeating: 0, count: t * h))
            XCTAssertEqual(Array(fused[1][(j * t * c)..<((j + 1) * t * c)]), [Float](repeating: 0, count: t * c))
        }
    }

    func testPaddingChangesNothing() {
        // the same two sequences (lengths 3, 2) stored in T=3 and in T=5, padding filled with noise
        let lengths = [3, 2], c = 4, h = 3
        var wide = randomValues(2 * 5 * c, seed: 11, scale: 5)
        for b in 0..<2 { for t in 0..<lengths[b] { for k in 0..<c { wide[(b * 5 + t) * c + k] = x[(b * 3 + t) * c + k] } } }
        func run(_ values: [Float], steps: Int) -> (y: [Float], dX: [Float], dW: [[Float]]) {
            let tape = Tape()
            let xv = Tensor.variable(shape: [2, steps, c], scalars: values, tape: tape)
            let ws = [Tensor.variable(shape: [4 * h, c], scalars: wIH, tape: tape),
                      Tensor.variable(shape: [4 * h, h], scalars: wHH, tape: tape),
                      Tensor.variable(shape: [4 * h], scalars: bias, tape: tape)]
            let y = LSTM.forward(xv, lengths: lengths, weightIH: ws[0], weightHH: ws[1], bias: ws[2])
            // loss over real positions only: Σ y², the same terms for both layouts
            tape.backward(from: (y * y).sum())
            return (y.scalars, xv.gradScalars, ws.map(\.gradScalars))
        }
        let narrow = run(x, steps: 3), padded = run(wide, steps: 5)
        for b in 0..<2 {
            for t in 0..<5 {
                let yw = Array(padded.y[((b * 5 + t) * h)..<((b * 5 + t + 1) * h)])
                let dw = Array(padded.dX[((b * 5 + t) * c)..<((b * 5 + t + 1) * c)])
                if t < lengths[b] {
                    assertClose(yw, Array(narrow.y[((b * 3 + t) * h)..<((b * 3 + t + 1) * h)]), "y[\(b), \(t)]")
                    assertClose(dw, Array(narrow.dX[((b * 3 + t) * c)..<((b * 3 + t + 1) * c)]), "dX[\(b), \(t)]")
                } else {
                    XCTAssertEqual(yw, [Float](repeating: 0, count: h), "padded output y[\(b), \(t)]")
                    XCTAssertEqual(dw, [Float](repeating: 0, count: c), "padded input gradient dX[\(b), \(t)]")
                }
            }
        }
        for i in 0..<3 { assertClose(padded.dW[i], narrow.dW[i], "weight gradient \(i)") }
    }

    func testInferenceEqualsTraining() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 12)
        let lstm = LSTM(inputSize: 4, hiddenSize: 3, name: "enc", store: store, rng: &rng)
        let input = Tensor(shape: [2, 3, 4], scalars: x)
        let tape = Tape()
        let trained = lstm(input, lengths: [3, 2], tape: tape)
        let inferred = lstm(input, lengths: [3, 2], tape: nil)
        XCTAssertTrue(trained.requiresGrad)
        XCTAssertFalse(inferred.requiresGrad)
        XCTAssertEqual(trained.scalars, inferred.scalars)
    }

    func testInitialisation() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 13)
        let lstm = LSTM(inputSize: 5, hiddenSize: 4, name: "enc.lstm", store: store, rng: &rng)
        XCTAssertEqual(store.parameters.map(\.name), ["enc.lstm.weight_ih", "enc.lstm.weight_hh", "enc.lstm.bias"])
        XCTAssertEqual(store.parameters.map(\.shape), [[16, 5], [16, 4], [16]])
        XCTAssertEqual(lstm.parameterCount, 16 * 5 + 16 * 4 + 16)
        let bound: Float = 0.5   // 1/√H
        for p in [lstm.weightIH, lstm.weightHH] {
            let v = store.scalars(of: p)
            XCTAssertTrue(v.allSatisfy { abs($0) <= bound }, "\(p.name) outside ±1/√H")
        }
        let b = store.scalars(of: lstm.bias)
        XCTAssertEqual(Array(b[4..<8]), [1, 1, 1, 1], "forget-gate bias starts at 1")
        XCTAssertTrue(Array(b[0..<4] + b[8..<16]).allSatisfy { abs($0) < bound && $0 != 1 })
    }

    func testOneStepByHand() {
        // H = 1, C = 1: gates = [wi·x + b] each; c = σ(i)·tanh(g); h = σ(o)·tanh(c)
        let x = Tensor(shape: [1, 1, 1], scalars: [0.5])
        let wi = Tensor(shape: [4, 1], scalars: [1, 2, 3, 4]), wh = Tensor(shape: [4, 1], scalars: [9, 9, 9, 9])
        let b = Tensor(shape: [4], scalars: [0.1, 0.2, 0.3, 0.4])
        func sigmoid(_ v: Double) -> Double { 1 / (1 + exp(-v)) }
        let c = sigmoid(0.6) * tanh(1.8)
        let expected = sigmoid(2.4) * tanh(c)
        XCTAssertEqual(Double(LSTM.forward(x, lengths: [1], weightIH: wi, weightHH: wh, bias: b).item), expected, accuracy: 1e-6)
    }
}
