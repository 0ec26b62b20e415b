import Autodiff
import Layers
import TestSupport
import XCTest

/// `LSTM.fused`: several directions in one op (a BiLSTM, a character encoder's last states)
/// against the composition of single-direction LSTMs with `reversedInTime`, `concatLastAxis` and
/// `gatherTimeSteps`; and its products under `MatmulPrecision.bf16`.
final class LSTMFusedTests: XCTestCase {
    /// Values and every gradient (x and both directions' weights) of `[forward, reversed]` as one
    /// op equal the composed ops, for every step and for the last step, with unsorted lengths and
    /// ties; H = 256 runs the per-step products over two register blocks of rows and many panels.
    func testTwoDirectionsEqualTheComposedOps() {
        for (h, scale) in [(3, Float(0.6)), (256, Float(0.1))] {
            for output in [LSTMOutput.sequence, .lastStep] {
                let lengths = [3, 1, 4, 4, 2, 1, 3, 4, 2, 3]
                assertFusedEqualsComposed(b: lengths.count, t: 4, c: 5, h: h, lengths: lengths, output: output, scale: scale)
            }
        }
    }

    /// A length-0 sequence: zeros in the output (all steps, or its last state), no gradient to its
    /// inputs, nothing changed for the others.
    func testZeroLengthSequence() {
        for output in [LSTMOutput.sequence, .lastStep] {
            let lengths = [2, 0, 3], b = 3, t = 3, c = 2, h = 3
            let tape = Tape()
            let x = Tensor.variable(shape: [b, t, c], scalars: randomValues(b * t * c, seed: 41), tape: tape)
            let directions = (0..<2).map { d in
                LSTMDirection(weightIH: Tensor.variable(shape: [4 * h, c], scalars: randomValues(4 * h * c, seed: 42 + d, scale: 0.5), tape: tape),
                              weightHH: Tensor.variable(shape: [4 * h, h], scalars: randomValues(4 * h * h, seed: 44 + d, scale: 0.5), tape: tape),
                              bias: Tensor.variable(shape: [4 * h], scalars: randomValues(4 * h, seed: 46 + d, scale: 0.5), tape: tape),
                              reversed: d == 1)
            }
            let y = LSTM.fused(x, lengths: lengths, directions: directions, output: output)
            tape.backward(from: (y * y).sum())
            let rows = output == .sequence ? t : 1
            let width = 2 * h
            XCTAssertEqual(Array(y.scalars[(rows * width)..<(2 * rows * width)]), [Float](repeating: 0, count: rows * width), "\(output)")
            XCTAssertEqual(Array(x.gradScalars[(t * c)..<(2 * t * c)]), [Float](repeating: 0, count: t * c), "\(output)")
            XCTAssertTrue(y.scalars[0..<(rows * width)].contains { $0 != 0 }, "\(output)")
        }
    }

    /// Under `MatmulPrecision.bf16` the fused LSTM equals the per-step reference (whose `linear`
    /// and `matmul` honour the same scope) within float summation order, values and gradients,
    /// and differs from fp32 by more than that: every product, forward and backward, rounds its
    /// operands. Skipped without AVX512_BF16 (bf16 then runs as fp32).
    func testBF16ProductsEqualTheReferenceInBF16() throws {
        try XCTSkipUnless(MatmulPrecision.bf16Available, "no AVX512_BF16 here (or MTL_DIST_BF16 off)")
        let lengths = [5, 2, 4, 5, 1, 3, 5, 2, 4, 3, 1, 5, 4, 2, 3, 5, 4]
        let b = lengths.count, t = 5, c = 7, h = 40
        let values = [randomValues(b * t * c, seed: 51), randomValues(4 * h * c, seed: 52, scale: 0.3),
                      randomValues(4 * h * h, seed: 53, scale: 0.3), randomValues(4 * h, seed: 54, scale: 0.3)]
        let r = randomValues(b * t * h, seed: 55)
        func run(_ precision: MatmulPrecision, _ f: (Tensor, [Int], Tensor, Tensor, Tensor) -> Tensor) -> [[Float]] {
            MatmulPrecision.$current.withValue(precision) {
                let tape = Tape()
                let inputs = zip([[b, t, c], [4 * h, c], [4 * h, h], [4 * h]], values).map {
                    Tensor.variable(shape: Shape($0.0), scalars: $0.1, tape: tape)
                }
                let y = f(inputs[0], lengths, inputs[1], inputs[2], inputs[3])
                tape.backward(from: (y * Tensor(shape: [b, t, h], scalars: r)).sum())
                return [y.scalars] + inputs.map(\.gradScalars)
            }
        }
        let fused = run(.bf16, LSTM.forward), reference = run(.bf16, LSTM.referenceForward), fp32 = run(.fp32, LSTM.forward)
        for (i, what) in ["output", "dX", "dW_ih", "dW_hh", "dBias"].enumerated() {
            assertClose(fused[i], reference[i], atol: 2e-5, rtol: 1e-4, "bf16 \(what)")
            let gap = zip(fused[i], fp32[i]).map { abs($0 - $1) }.max() ?? 0
            XCTAssertGreaterThan(gap, 1e-4, "bf16 \(what) should differ from fp32's")
        }
    }

    func assertFusedEqualsComposed(b: Int, t: Int, c: Int, h: Int, lengths: [Int], output: LSTMOutput, scale: Float) {
        let values = [randomValues(b * t * c, seed: 31)]
            + (0..<2).flatMap { d in [randomValues(4 * h * c, seed: 32 + d, scale: scale), randomValues(4 * h * h, seed: 34 + d, scale: scale),
                                      randomValues(4 * h, seed: 36 + d, scale: scale)] }
        let shapes: [Shape] = [[b, t, c]] + (0..<2).flatMap { _ in [Shape([4 * h, c]), Shape([4 * h, h]), Shape([4 * h])] }
        let outCount = output == .sequence ? b * t * 2 * h : b * 2 * h
        let r = randomValues(outCount, seed: 38)
        func run(fused: Bool) -> [[Float]] {
            let tape = Tape()
            let inputs = zip(shapes, values).map { Tensor.variable(shape: $0.0, scalars: $0.1, tape: tape) }
            let x = inputs[0]
            let directions = (0..<2).map { d in
                LSTMDirection(weightIH: inputs[1 + 3 * d], weightHH: inputs[2 + 3 * d], bias: inputs[3 + 3 * d], reversed: d == 1)
            }
            let y: Tensor
            if fused {
                y = LSTM.fused(x, lengths: lengths, directions: directions, output: output)
            } else {
                let f = LSTM.forward(x, lengths: lengths, weightIH: directions[0].weightIH, weightHH: directions[0].weightHH,
                                     bias: directions[0].bias)
                let r = LSTM.forward(x.reversedInTime(lengths: lengths), lengths: lengths, weightIH: directions[1].weightIH,
                                     weightHH: directions[1].weightHH, bias: directions[1].bias)
                switch output {
                case .sequence: y = concatLastAxis([f, r.reversedInTime(lengths: lengths)])
                case .lastStep:
                    let last = lengths.map { $0 - 1 }
                    y = concatLastAxis([f.gatherTimeSteps(last), r.gatherTimeSteps(last)])
                }
            }
            XCTAssertEqual(y.shape, output == .sequence ? [b, t, 2 * h] : [b, 2 * h])
            tape.backward(from: (y * Tensor(shape: y.shape, scalars: r)).sum())
            return [y.scalars] + inputs.map(\.gradScalars)
        }
        let fused = run(fused: true), composed = run(fused: false)
        let names = ["output", "dX"] + ["forward", "reversed"].flatMap { d in ["\(d) dW_ih", "\(d) dW_hh", "\(d) dBias"] }
        for (i, what) in names.enumerated() {
            // the same arithmetic in the same order: equal bits
            XCTAssertEqual(fused[i].map(\.bitPattern), composed[i].map(\.bitPattern), "H=\(h) \(output) \(what)")
        }
    }
}
