import Autodiff
import Layers
import TestSupport
import XCTest

/// BiLSTM: gradient check, the meaning of each half, padding invariance.
final class BiLSTMTests: XCTestCase {
    let x = randomValues(2 * 3 * 4, seed: 21)

    private func make(seed: UInt64 = 22) -> (BiLSTM, ParameterStore) {
        let store = ParameterStore()
        var rng = SplitMix64(seed: seed)
        return (BiLSTM(inputSize: 4, hiddenSize: 3, name: "enc.bilstm", store: store, rng: &rng), store)
    }

    func testGradients() {
        let (bilstm, store) = make()
        checkLayerGradients("BiLSTM", store: store, inputs: [([2, 3, 4], x)]) {
            bilstm($0[0], lengths: [3, 2], tape: $1)
        }
    }

    func testParameterNames() {
        let (bilstm, store) = make()
        XCTAssertEqual(store.parameters.map(\.name), [
            "enc.bilstm.forward.weight_ih", "enc.bilstm.forward.weight_hh", "enc.bilstm.forward.bias",
            "enc.bilstm.backward.weight_ih", "enc.bilstm.backward.weight_hh", "enc.bilstm.backward.bias",
        ])
        XCTAssertEqual(bilstm.parameters, store.parameters)
        XCTAssertEqual(bilstm.outputSize, 6)
    }

    /// Forward half = the reference LSTM on x; backward half at step t = the reference LSTM on
    /// the sequence reversed by hand (within its length), at step lengths[b] − 1 − t.
    func testHalvesAreTheTwoDirections() {
        let (bilstm, store) = make()
        let lengths = [3, 2], c = 4, h = 3
        let y = bilstm(Tensor(shape: [2, 3, c], scalars: x), lengths: lengths, tape: nil).scalars
        func weights(_ lstm: LSTM) -> (Tensor, Tensor, Tensor) {
            (store.tensor(lstm.weightIH, tape: nil), store.tensor(lstm.weightHH, tape: nil), store.tensor(lstm.bias, tape: nil))
        }
        for b in 0..<2 {
            let len = lengths[b]
            let seq = Array(x[(b * 3 * c)..<((b * 3 + len) * c)])
            var reversed = [Float]()
            for t in stride(from: len - 1, through: 0, by: -1) { reversed += seq[(t * c)..<((t + 1) * c)] }
            let (fi, fh, fb) = weights(bilstm.forwardLSTM), (bi, bh, bb) = weights(bilstm.backwardLSTM)
            let fwd = LSTM.referenceForward(Tensor(shape: [1, len, c], scalars: seq), lengths: [len],
                                            weightIH: fi, weightHH: fh, bias: fb).scalars
            let bwd = LSTM.referenceForward(Tensor(shape: [1, len, c], scalars: reversed), lengths: [len],
                                            weightIH: bi, weightHH: bh, bias: bb).scalars
            for t in 0..<3 {
                let row = Array(y[((b * 3 + t) * 2 * h)..<((b * 3 + t + 1) * 2 * h)])
                if t < len {
                    let tr = len - 1 - t
                    assertClose(Array(row[0..<h]), Array(fwd[(t * h)..<((t + 1) * h)]), atol: 1e-5, rtol: 1e-4, "→h[\(b), \(t)]")
                    assertClose(Array(row[h...]), Array(bwd[(tr * h)..<((tr + 1) * h)]), atol: 1e-5, rtol: 1e-4, "←h[\(b), \(t)]")
                } else {
                    XCTAssertEqual(row, [Float](repeating: 0, count: 2 * h), "padded step [\(b), \(t)]")
                }
            }
        }
    }

    func testPaddingChangesNothing() {
        let (bilstm, store) = make()
        let lengths = [3, 2], c = 4, h = 3
        var wide = randomValues(2 * 5 * c, seed: 23, scale: 5)
        for b in 0..<2 { for t in 0..<lengths[b] { for k in 0..<c { wide[(b * 5 + t) * c + k] = x[(b * 3 + t) * c + k] } } }
        func run(_ values: [Float], steps: Int) -> (y: [Float], dX: [Float], dW: [Float]) {
            store.zeroGrad()
            let tape = Tape()
            let xv = Tensor.variable(shape: [2, steps, c], scalars: values, tape: tape)
            let y = bilstm(xv, lengths: lengths, tape: tape)
            tape.backward(from: (y * y).sum())
            return (y.scalars, xv.gradScalars, Array(UnsafeBufferPointer(start: store.grads.base, count: store.count)))
        }
        let narrow = run(x, steps: 3), padded = run(wide, steps: 5)
        for b in 0..<2 {
            for t in 0..<5 {
                let yw = Array(padded.y[((b * 5 + t) * 2 * h)..<((b * 5 + t + 1) * 2 * h)])
                let dw = Array(padded.dX[((b * 5 + t) * c)..<((b * 5 + t + 1) * c)])
                if t < lengths[b] {
                    assertClose(yw, Array(narrow.y[((b * 3 + t) * 2 * h)..<((b * 3 + t + 1) * 2 * h)]), "y[\(b), \(t)]")
                    assertClose(dw, Array(narrow.dX[((b * 3 + t) * c)..<((b * 3 + t + 1) * c)]), "dX[\(b), \(t)]")
                } else {
                    XCTAssertEqual(yw, [Float](repeating: 0, count: 2 * h), "padded output y[\(b), \(t)]")
                    XCTAssertEqual(dw, [Float](repeating: 0, count: c), "padded input gradient dX[\(b), \(t)]")
                }
            }
        }
        assertClose(padded.dW, narrow.dW, "parameter gradients")
    }
}
