import Autodiff
import Foundation
import TestSupport
import XCTest

/// `MatmulPrecision.bf16`: the rounding to bfloat16, `gemm(precision: .bf16)` against a reference
/// that multiplies the rounded operands in Double, and `linear` / `matmul` recorded in a bf16 scope,
/// forward and backward. The products need AVX512_BF16; on a CPU without it these tests are skipped
/// (and `effective` is checked to be fp32).
final class BFloat16Tests: XCTestCase {
    func skipWithoutBF16() throws {
        try XCTSkipUnless(MatmulPrecision.bf16Available,
                          "this CPU has no AVX512_BF16 (or MTL_DIST_BF16=off): bf16 products run as fp32 here")
    }

    /// Round to nearest even on the 16 bits kept, overflow to infinity, denormals to a signed zero
    /// and NaN kept a NaN, as `vcvtneps2bf16` does.
    func testRoundingToBFloat16() {
        let r = MatmulPrecision.rounded
        XCTAssertEqual(r(1), 1)
        XCTAssertEqual(r(-2.5), -2.5)
        XCTAssertEqual(r(1 + 0x1p-8), 1, "a tie goes to the even neighbour (1)")
        XCTAssertEqual(r(1 + 3 * 0x1p-8), 1 + 0x1p-6, "a tie goes to the even neighbour (1 + 2^-6)")
        XCTAssertEqual(r(1 + 0x1p-8 + 0x1p-20), 1 + 0x1p-7, "above the tie rounds up")
        XCTAssertEqual(r(Float.greatestFiniteMagnitude), .infinity)
        XCTAssertEqual(r(-.infinity), -.infinity)
        XCTAssertTrue(r(.nan).isNaN)
        XCTAssertEqual(r(Float.leastNormalMagnitude), Float.leastNormalMagnitude)
        XCTAssertEqual(r(Float.leastNonzeroMagnitude), 0)
        XCTAssertEqual(r(-Float.leastNonzeroMagnitude).sign, .minus)
        XCTAssertEqual(r(-Float.leastNonzeroMagnitude), 0)
        if !MatmulPrecision.bf16Available { XCTAssertEqual(MatmulPrecision.bf16.effective, .fp32) }
    }

    /// Multiplying by an identity gives each rounded element exactly, so this checks the kernel's own
    /// (vectorised) conversion of both operands, in every memory order, against `rounded`, on ties,
    /// denormals and wide exponents.
    func testTheProductsRoundEachOperandAsRoundedDoes() throws {
        try skipWithoutBF16()
        let special: [Float] = [1 + 0x1p-8, 1 + 3 * 0x1p-8, -(1 + 0x1p-8), 0x1p-130, -0x1p-140, 3e38, -1e-30, 0, 65504.7]
        let rows = 11, cols = 37
        var x = randomValues(rows * cols, seed: 5)
        for (i, v) in special.enumerated() { x[i * 7 % x.count] = v }
        let expected = x.map(MatmulPrecision.rounded)
        func identity(_ n: Int) -> [Float] { (0..<(n * n)).map { $0 / n == $0 % n ? 1 : 0 } }
        for transposed in [false, true] {
            // X as A: X · I (X stored [rows, cols], or Xᵀ stored [cols, rows] read transposed)
            let stored = transposed ? transpose(x, rows: rows, cols: cols) : x
            let left = product(transA: transposed, transB: false, m: rows, n: cols, k: cols, a: stored, b: identity(cols))
            XCTAssertEqual(left, expected, "X as A, transposed \(transposed)")
            // X as B: I · X (X stored [rows, cols], or [cols, rows] read transposed)
            let right = product(transA: false, transB: transposed, m: rows, n: cols, k: rows, a: identity(rows), b: stored)
            XCTAssertEqual(right, expected, "X as B, transposed \(transposed)")
        }
    }

    /// Every transpose pair, shapes on and off the kernel's 8 × 32 block and across its blocks of
    /// 96 rows, 768 columns and 192 pairs of k, odd k, row strides wider than the matrices, alpha and
    /// beta: C equals alpha · round(op(A)) · round(op(B)) + beta · C summed in Double, within float
    /// summation error; columns past n are never written, and beta = 0 never reads C (NaN there).
    func testGemmAgreesWithTheRoundedReference() throws {
        try skipWithoutBF16()
        let shapes = [(1, 1, 1), (7, 33, 3), (8, 32, 2), (9, 31, 385), (17, 65, 400), (100, 40, 390), (9, 790, 30)]
        for (s, (m, n, k)) in shapes.enumerated() {
            for ta in [false, true] {
                for tb in [false, true] {
                    let pad = s % 3
                    let lda = (ta ? m : k) + pad, ldb = (tb ? k : n) + pad, ldc = n + pad
                    let a = randomValues((ta ? k : m) * lda, seed: UInt64(10 * s + 1))
                    let b = randomValues((tb ? n : k) * ldb, seed: UInt64(10 * s + 2))
                    for (alpha, beta): (Float, Float) in [(1, 0), (0.5, 1.5)] {
                        var c = beta == 0 ? [Float](repeating: .nan, count: m * ldc) : randomValues(m * ldc, seed: UInt64(10 * s + 3))
                        for i in 0..<m { for j in n..<ldc { c[i * ldc + j] = 42 } }
                        let before = c
                        a.withUnsafeBufferPointer { pa in
                            b.withUnsafeBufferPointer { pb in
                                c.withUnsafeMutableBufferPointer { pc in
                                    gemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: lda,
                                         b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc, precision: .bf16)
                                }
                            }
                        }
                        var worst = 0.0
                        for i in 0..<m {
                            for j in 0..<ldc {
                                guard j < n else { XCTAssertEqual(c[i * ldc + j], 42, "column \(j) past n was written"); continue }
                                var sum = 0.0, magnitude = 0.0
                                for p in 0..<k {
                                    let x = Double(MatmulPrecision.rounded(ta ? a[p * lda + i] : a[i * lda + p]))
                                    let y = Double(MatmulPrecision.rounded(tb ? b[j * ldb + p] : b[p * ldb + j]))
                                    sum += x * y
                                    magnitude += abs(x * y)
                                }
                                let old = beta == 0 ? 0 : Double(before[i * ldc + j])
                                let reference = Double(alpha) * sum + Double(beta) * old
                                let scale = Double(abs(alpha)) * magnitude + abs(Double(beta) * old) + 1e-30
                                worst = max(worst, abs(Double(c[i * ldc + j]) - reference) / scale)
                            }
                        }
                        XCTAssertLessThan(worst, 2e-6, "\(m)×\(n)×\(k) transA \(ta) transB \(tb) alpha \(alpha) beta \(beta)")
                    }
                }
            }
        }
    }

    /// `linear` over stacked maps recorded in a bf16 scope, its backward run outside the scope:
    /// the output is round(X) · round(W)ᵀ + b, dX = round(dY) · round(W), dW = round(dY)ᵀ · round(X),
    /// db = Σ dY unrounded; and these differ from the fp32 op's (so the scope took effect).
    func testLinearInABF16ScopeRoundsItsOperandsForwardAndBackward() throws {
        try skipWithoutBF16()
        let m = 6, k = 40, widths = [10, 12], n = 22
        let xs = randomValues(m * k, seed: 21), upstream = randomValues(m * n, seed: 22)
        let ws = widths.enumerated().map { randomValues($1 * k, seed: 23 + UInt64($0)) }
        let bs = widths.enumerated().map { randomValues($1, seed: 25 + UInt64($0)) }
        func run(_ precision: MatmulPrecision) -> (out: [Float], dx: [Float], dw: [Float], db: [Float]) {
            let tape = Tape()
            let x = Tensor.variable(shape: [m, k], scalars: xs, tape: tape)
            let w = zip(widths, ws).map { Tensor.variable(shape: [$0, k], scalars: $1, tape: tape) }
            let b = zip(widths, bs).map { Tensor.variable(shape: [$0], scalars: $1, tape: tape) }
            let out = MatmulPrecision.$current.withValue(precision) { linear(x, weights: w, biases: b) }
            tape.backward(from: (out * Tensor(shape: [m, n], scalars: upstream)).sum())
            return (out.scalars, x.gradScalars, w.flatMap(\.gradScalars), b.flatMap(\.gradScalars))
        }
        let bf16 = run(.bf16), fp32 = run(.fp32)
        let r = MatmulPrecision.rounded
        let stacked = ws.flatMap { $0 }, bias = bs.flatMap { $0 }   // [n, k], [n]
        var out = [Float](), dx = [Float](), dw = [Float](), db = [Float]()
        for i in 0..<m { for j in 0..<n { out.append(Float((0..<k).reduce(0.0) { $0 + Double(r(xs[i * k + $1])) * Double(r(stacked[j * k + $1])) } + Double(bias[j]))) } }
        for i in 0..<m { for p in 0..<k { dx.append(Float((0..<n).reduce(0.0) { $0 + Double(r(upstream[i * n + $1])) * Double(r(stacked[$1 * k + p])) })) } }
        for j in 0..<n { for p in 0..<k { dw.append(Float((0..<m).reduce(0.0) { $0 + Double(r(upstream[$1 * n + j])) * Double(r(xs[$1 * k + p])) })) } }
        for j in 0..<n { db.append(Float((0..<m).reduce(0.0) { $0 + Double(upstream[$1 * n + j]) })) }
        assertClose(bf16.out, out, atol: 1e-5, rtol: 1e-5, "output")
        assertClose(bf16.dx, dx, atol: 1e-5, rtol: 1e-5, "dX")
        assertClose(bf16.dw, dw, atol: 1e-5, rtol: 1e-5, "dW")
        assertClose(bf16.db, db, atol: 1e-5, rtol: 1e-5, "db")
        XCTAssertEqual(bf16.db, fp32.db)
        for (name, a, b) in [("output", bf16.out, fp32.out), ("dX", bf16.dx, fp32.dx), ("dW", bf16.dw, fp32.dw)] {
            XCTAssertGreaterThan(zip(a, b).map { abs($0 - $1) }.max() ?? 0, 1e-4, "\(name) in bf16 equals fp32's")
        }
    }

    /// The precision is the one in force when an op is recorded: `matmul` recorded in a bf16 scope
    /// and run backward outside it uses bf16 (round(A)ᵀ · round(dC)); recorded outside and run
    /// backward inside a bf16 scope it stays fp32.
    func testAnOpKeepsThePrecisionItWasRecordedWith() throws {
        try skipWithoutBF16()
        let m = 5, k = 24, n = 9
        let av = randomValues(m * k, seed: 31), bv = randomValues(k * n, seed: 32), up = randomValues(m * n, seed: 33)
        func gradB(recordIn recorded: MatmulPrecision, backwardIn backward: MatmulPrecision) -> [Float] {
            let tape = Tape()
            let a = Tensor.variable(shape: [m, k], scalars: av, tape: tape), b = Tensor.variable(shape: [k, n], scalars: bv, tape: tape)
            let loss = MatmulPrecision.$current.withValue(recorded) { (matmul(a, b) * Tensor(shape: [m, n], scalars: up)).sum() }
            MatmulPrecision.$current.withValue(backward) { tape.backward(from: loss) }
            return b.gradScalars
        }
        let r = MatmulPrecision.rounded
        var rounded = [Float](), plain = [Float]()
        for p in 0..<k {
            for j in 0..<n {
                rounded.append(Float((0..<m).reduce(0.0) { $0 + Double(r(av[$1 * k + p])) * Double(r(up[$1 * n + j])) }))
                plain.append(Float((0..<m).reduce(0.0) { $0 + Double(av[$1 * k + p]) * Double(up[$1 * n + j]) }))
            }
        }
        assertClose(gradB(recordIn: .bf16, backwardIn: .fp32), rounded, atol: 1e-5, rtol: 1e-5, "recorded in bf16")
        assertClose(gradB(recordIn: .fp32, backwardIn: .bf16), plain, atol: 1e-5, rtol: 1e-5, "recorded in fp32")
    }

    // MARK: helpers

    func transpose(_ x: [Float], rows: Int, cols: Int) -> [Float] {
        (0..<(rows * cols)).map { x[($0 % rows) * cols + $0 / rows] }
    }

    func product(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, a: [Float], b: [Float]) -> [Float] {
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: pa.baseAddress!, lda: transA ? m : k,
                         b: pb.baseAddress!, ldb: transB ? k : n, beta: 0, c: pc.baseAddress!, ldc: n, precision: .bf16)
                }
            }
        }
        return c
    }
}
