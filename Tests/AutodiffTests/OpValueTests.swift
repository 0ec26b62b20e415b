import Autodiff
import Foundation
import TestSupport
import XCTest

/// Forward values of the ops against values written out by hand or computed naively.
final class OpValueTests: XCTestCase {
    func testGemmAgreesWithNaiveForAllTransposes() {
        let m = 7, n = 5, k = 9
        let a = randomValues(m * k, seed: 1), b = randomValues(k * n, seed: 2), c0 = randomValues(m * n, seed: 3)
        for ta in [false, true] {
            for tb in [false, true] {
                var fast = c0, slow = c0
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        fast.withUnsafeMutableBufferPointer { pc in
                            gemm(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: pa.baseAddress!, lda: ta ? m : k,
                                 b: pb.baseAddress!, ldb: tb ? k : n, beta: 2, c: pc.baseAddress!, ldc: n)
                        }
                        slow.withUnsafeMutableBufferPointer { pc in
                            gemmNaive(transA: ta, transB: tb, m: m, n: n, k: k, alpha: 0.5, a: pa.baseAddress!, lda: ta ? m : k,
                                      b: pb.baseAddress!, ldb: tb ? k : n, beta: 2, c: pc.baseAddress!, ldc: n)
                        }
                    }
                }
                assertClose(fast, slow, atol: 1e-5, rtol: 1e-5, "gemm transA=\(ta) transB=\(tb)")
            }
        }
    }

    /// `gemmFewRows` splits 3 × 4000 (K = 300) into panels of 1104 columns, and runs 16 × 300
    /// (K = 4096, where 16 columns exceed the limit) and 2 × 50 (K = 7) as one gemm; all agree with
    /// the naive gemm, for beta 0 and 1, with row strides wider than the matrices.
    func testGemmFewRowsAgreesWithNaive() {
        for (m, n, k) in [(3, 4000, 300), (16, 300, 4096), (2, 50, 7)] {
            let lda = k + 3, ldb = n + 5, ldc = n + 2
            let a = randomValues(m * lda, seed: 11), b = randomValues(k * ldb, seed: 12), c0 = randomValues(m * ldc, seed: 13)
            for beta: Float in [0, 1] {
                var fast = c0, slow = c0
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        fast.withUnsafeMutableBufferPointer { pc in
                            gemmFewRows(m: m, n: n, k: k, a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb,
                                        beta: beta, c: pc.baseAddress!, ldc: ldc)
                        }
                        slow.withUnsafeMutableBufferPointer { pc in
                            gemmNaive(transA: false, transB: false, m: m, n: n, k: k, a: pa.baseAddress!, lda: lda,
                                      b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc)
                        }
                    }
                }
                assertClose(fast, slow, atol: 1e-3, rtol: 1e-4, "gemmFewRows m=\(m) n=\(n) k=\(k) beta=\(beta)")
            }
        }
    }

    func testTransposeByHand() {
        // a [2, 3] stored with row stride 4 → b [3, 2] with row stride 3
        let a: [Float] = [1, 2, 3, -1, 4, 5, 6, -1]
        var b = [Float](repeating: 0, count: 9)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeMutableBufferPointer { pb in
                transpose(rows: 2, cols: 3, a: pa.baseAddress!, lda: 4, b: pb.baseAddress!, ldb: 3)
            }
        }
        XCTAssertEqual(b, [1, 4, 0, 2, 5, 0, 3, 6, 0])
    }

    /// `BLAS.betterCore` replaces only OpenBLAS's SSE3 fallback, and the kernels it selects
    /// agree with the naive gemm.
    func testBetterCoreReplacesOnlyTheSSE3Fallback() {
        guard let core = BLAS.betterCore else {
            XCTAssertNotEqual(BLAS.coreName, "Prescott", "an x86-64 CPU without AVX2 and FMA keeps the SSE3 kernels")
            return
        }
        XCTAssertEqual(BLAS.coreName, "Prescott")
        guard BLAS.selectCore(core) else { return }
        XCTAssertEqual(BLAS.coreName, core)
        XCTAssertNil(BLAS.betterCore)
        testGemmAgreesWithNaiveForAllTransposes()
    }

    func testMatmulByHand() {
        let a = Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [3, 2], scalars: [7, 8, 9, 10, 11, 12])
        XCTAssertEqual(matmul(a, b).scalars, [58, 64, 139, 154])
        XCTAssertEqual(matmul(a, a, transposeB: true).scalars, [14, 32, 32, 77])
    }

    func testBroadcastAddByHand() {
        let a = Tensor(shape: [2, 2], scalars: [1, 2, 3, 4])
        let b = Tensor(shape: [2], scalars: [10, 20])
        XCTAssertEqual((a + b).scalars, [11, 22, 13, 24])
        XCTAssertEqual((b + a).scalars, [11, 22, 13, 24])
        XCTAssertEqual((a * b).scalars, [10, 40, 30, 80])
    }

    func testCrossEntropyByHand() {
        // row 0: logits [0, ln 3] → p(target 1) = 3/4; row 1 masked out
        let logits = Tensor(shape: [2, 2], scalars: [0, Float(Foundation.log(3.0)), 5, -5])
        let loss = softmaxCrossEntropy(logits: logits, targets: [1, 0], mask: [true, false])
        XCTAssertEqual(loss.item, -Float(Foundation.log(0.75)), accuracy: 1e-6)
    }

    func testLogSoftmaxRowsNormalise() {
        let x = Tensor(shape: [3, 5], scalars: randomValues(15, seed: 4, scale: 30))
        let y = x.logSoftmax().scalars
        for r in 0..<3 {
            let s = (0..<5).reduce(Float(0)) { $0 + Foundation.exp(y[r * 5 + $1]) }
            XCTAssertEqual(s, 1, accuracy: 1e-5)
        }
    }

    func testReverseInTimeByHand() {
        let x = Tensor(shape: [2, 3, 1], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(x.reversedInTime(lengths: [3, 2]).scalars, [3, 2, 1, 5, 4, 0])
    }

    func testLayerNormNormalises() {
        let x = Tensor(shape: [2, 4], scalars: [1, 2, 3, 4, -1, 0, 0, 5])
        let y = layerNorm(x, gamma: Tensor(shape: [4], scalars: [1, 1, 1, 1]), beta: Tensor(zeros: [4])).scalars
        for r in 0..<2 {
            let row = Array(y[(r * 4)..<(r * 4 + 4)])
            XCTAssertEqual(row.reduce(0, +) / 4, 0, accuracy: 1e-5)
            XCTAssertEqual(row.map { $0 * $0 }.reduce(0, +) / 4, 1, accuracy: 1e-3)
        }
    }

    func testDropoutRatesAndDeterminism() {
        let x = Tensor(shape: [2, 50, 40], scalars: [Float](repeating: 1, count: 4000))
        let a = x.dropout(probability: 0.3, kind: .element, keys: [1, 2]).scalars
        let b = x.dropout(probability: 0.3, kind: .element, keys: [1, 2]).scalars
        XCTAssertEqual(a, b, "same keys, same mask")
        let dropped = Float(a.filter { $0 == 0 }.count) / Float(a.count)
        XCTAssertEqual(dropped, 0.3, accuracy: 0.03)
        XCTAssertEqual(a.first { $0 != 0 }!, 1 / 0.7, accuracy: 1e-6, "kept elements are rescaled")
        // a sentence's mask depends on its own key only, not on its batch neighbours
        let alone = Tensor(shape: [1, 50, 40], scalars: [Float](repeating: 1, count: 2000))
            .dropout(probability: 0.3, kind: .element, keys: [2]).scalars
        XCTAssertEqual(Array(a[2000...]), alone)

        let locked = x.dropout(probability: 0.5, kind: .locked, keys: [3, 4]).scalars
        for t in 1..<50 { XCTAssertEqual(Array(locked[(t * 40)..<(t * 40 + 40)]), Array(locked[0..<40])) }
        let word = x.dropout(probability: 0.5, kind: .word, keys: [5, 6]).scalars
        for t in 0..<100 {
            let row = Set(word[(t * 40)..<(t * 40 + 40)])
            XCTAssertEqual(row.count, 1, "a word is dropped whole")
            XCTAssertTrue(row.first == 0 || row.first == 1, "word dropout does not rescale")
        }
    }

    func testInferenceModeRecordsNothing() {
        var rng = SplitMix64(seed: 1)
        let store = ParameterStore()
        let w = store.add("w", shape: [3, 2], initializer: .xavierUniform, rng: &rng)
        let x = Tensor(shape: [1, 2], scalars: [1, 2])
        let y = linear(x, weight: store.tensor(w, tape: nil), bias: nil).tanh()
        XCTAssertFalse(y.requiresGrad)
        XCTAssertNil(y.tape)
        XCTAssertFalse(y.hasGrad)
    }

    func testParameterGradientsLandInTheFlatBuffer() {
        var rng = SplitMix64(seed: 1)
        let store = ParameterStore()
        let w = store.add("w", shape: [2, 2], initializer: .constant(1), rng: &rng)
        let b = store.add("b", shape: [2], initializer: .zeros, rng: &rng)
        XCTAssertEqual(store.count, 6)
        XCTAssertEqual(b.offset, 4)
        for _ in 0..<2 {
            // two passes accumulate
            let tape = Tape()
            let x = Tensor(shape: [1, 2], scalars: [3, 4])
            let loss = linear(x, weight: store.tensor(w, tape: tape), bias: store.tensor(b, tape: tape)).sum()
            tape.backward(from: loss)
        }
        XCTAssertEqual(Array(store.grads.pointer), [6, 8, 6, 8, 2, 2])
        store.zeroGrad()
        XCTAssertEqual(Array(store.grads.pointer), [0, 0, 0, 0, 0, 0])
    }
}
