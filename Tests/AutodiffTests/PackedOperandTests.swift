import Autodiff
import Foundation
import TestSupport
import XCTest

/// `PackedOperand`: a weight prepared once and multiplied by few rows at a time (the LSTM's steps),
/// packed for the AVX-512 kernel (float or bf16 pairs), stored for `gemmFewRows`, or read in place.
final class PackedOperandTests: XCTestCase {
    /// Against the naive gemm (on bf16-rounded operands for the bf16 layouts), every layout, for every row count up to two register blocks and a
    /// few more, column counts that fill panels exactly, leave one column or fall short of one, and
    /// K from 1 to 1024, with and without accumulating, with row strides wider than the matrices.
    /// Elements beyond [m, n] (the strides' padding and the rows after m) keep their values.
    func testProductsAgreeWithNaiveAndTouchNothingElse() {
        let shapes = [(1, 1, 1), (3, 33, 7), (8, 32, 25), (9, 100, 25), (16, 1024, 256), (17, 256, 1024),
                      (150, 96, 13), (5, 15, 64), (13, 47, 2)]
        for (m, n, k) in shapes {
            for transposed in [false, true] {
                let ldb = (transposed ? k : n) + 3, lda = k + 2, ldc = n + 5
                let b = randomValues((transposed ? n : k) * ldb, seed: 21)
                let a = randomValues((m + 2) * lda, seed: 22), c0 = randomValues((m + 2) * ldc, seed: 23)
                for layout in [PackedOperand.Layout.panels, .bf16Panels, .plain, .source] {
                    var storage = [Float](repeating: .nan, count: max(1, PackedOperand.count(k: k, n: n, layout: layout)))
                    let operand = storage.withUnsafeMutableBufferPointer { ps in
                        b.withUnsafeBufferPointer { pb in
                            PackedOperand(k: k, n: n, b: pb.baseAddress!, ldb: ldb, transposed: transposed,
                                          storage: ps.baseAddress!, layout: layout)
                        }
                    }
                    // what the products multiply: bf16-rounded operands where bf16 runs
                    let bf16 = (layout == .bf16Panels || layout == .source) && MatmulPrecision.bf16Available
                    let (ra, rb) = bf16 ? (a.map(MatmulPrecision.rounded), b.map(MatmulPrecision.rounded)) : (a, b)
                    for accumulate in [false, true] {
                        var fast = c0, slow = c0
                        storage.withUnsafeBufferPointer { _ in
                            a.withUnsafeBufferPointer { pa in
                                fast.withUnsafeMutableBufferPointer { pc in
                                    operand.multiply(rows: m, a: pa.baseAddress!, lda: lda, accumulate: accumulate,
                                                     c: pc.baseAddress!, ldc: ldc)
                                }
                            }
                            ra.withUnsafeBufferPointer { pa in
                                rb.withUnsafeBufferPointer { pb in
                                    slow.withUnsafeMutableBufferPointer { pc in
                                        gemmNaive(transA: false, transB: transposed, m: m, n: n, k: k, a: pa.baseAddress!, lda: lda,
                                                  b: pb.baseAddress!, ldb: ldb, beta: accumulate ? 1 : 0, c: pc.baseAddress!, ldc: ldc)
                                    }
                                }
                            }
                        }
                        let what = "m=\(m) n=\(n) k=\(k) transposed=\(transposed) layout=\(layout)→\(operand.layout) accumulate=\(accumulate)"
                        assertClose(fast, slow, atol: 1e-4, rtol: 1e-4, what)
                        for i in 0..<(m + 2) {
                            for j in 0..<ldc where i >= m || j >= n {
                                XCTAssertEqual(fast[i * ldc + j].bitPattern, c0[i * ldc + j].bitPattern, "\(what): C[\(i), \(j)] touched")
                            }
                        }
                    }
                }
            }
        }
    }

    /// A row's result has the same bits whatever the number of rows and its place among them: so
    /// `predict` tags a sentence alike in any batch, and np = 2 writes what np = 1 writes. For the
    /// layouts products use on this CPU (the packed kernels: AVX-512, or AVX2 with FMA; bf16 pairs
    /// where AVX512_BF16 is); OpenBLAS's products (`plain`, `source`) promise nothing of the kind.
    func testARowsProductIsTheSameInAnyBatch() throws {
        let used = [PackedOperand.Layout.for(.fp32), .for(.bf16)].filter { $0 == .panels || $0 == .bf16Panels }
        guard !used.isEmpty else { throw XCTSkip("no packed kernel on this CPU (neither AVX-512 nor AVX2 with FMA)") }
        for layout in used { assertRowsIndependent(layout) }
    }

    /// The AVX2 kernel and the AVX-512 one sum each element by the same chain of fused
    /// multiply-adds, so the packed product equals that chain computed here with `fma`, bit for bit
    /// (on either kernel), for shapes that leave partial panels and partial blocks of rows.
    func testThePackedProductIsTheFusedChainInTheOrderOfP() throws {
        guard PackedOperand.kernelAvailable else { throw XCTSkip("no packed kernel on this CPU") }
        for (m, n, k) in [(1, 1, 1), (2, 33, 5), (4, 100, 64), (7, 31, 17), (9, 65, 3)] {
            let b = randomValues(k * n, seed: 41), a = randomValues(m * k, seed: 42), c0 = randomValues(m * n, seed: 43)
            var storage = [Float](repeating: .nan, count: PackedOperand.count(k: k, n: n, layout: .panels))
            let operand = storage.withUnsafeMutableBufferPointer { ps in
                b.withUnsafeBufferPointer {
                    PackedOperand(k: k, n: n, b: $0.baseAddress!, ldb: n, transposed: false, storage: ps.baseAddress!, layout: .panels)
                }
            }
            XCTAssertEqual(operand.layout, .panels)
            for accumulate in [false, true] {
                var c = c0
                storage.withUnsafeBufferPointer { _ in
                    a.withUnsafeBufferPointer { pa in
                        c.withUnsafeMutableBufferPointer { pc in
                            operand.multiply(rows: m, a: pa.baseAddress!, lda: k, accumulate: accumulate, c: pc.baseAddress!, ldc: n)
                        }
                    }
                }
                var expected = [Float](repeating: 0, count: m * n)
                for i in 0..<m {
                    for j in 0..<n {
                        var sum: Float = 0
                        // sum + a·b rounded once, as the kernels' fused multiply-add
                        for p in 0..<k { sum = sum.addingProduct(a[i * k + p], b[p * n + j]) }
                        expected[i * n + j] = accumulate ? c0[i * n + j] + sum : sum
                    }
                }
                XCTAssertEqual(c.map(\.bitPattern), expected.map(\.bitPattern), "m=\(m) n=\(n) k=\(k) accumulate=\(accumulate)")
            }
        }
    }

    func assertRowsIndependent(_ layout: PackedOperand.Layout) {
        let n = 100, k = 256, rows = 19
        let b = randomValues(n * k, seed: 31), a = randomValues(rows * k, seed: 32), c0 = randomValues(rows * n, seed: 33)
        var storage = [Float](repeating: 0, count: PackedOperand.count(k: k, n: n, layout: layout))
        let operand = storage.withUnsafeMutableBufferPointer { ps in
            b.withUnsafeBufferPointer {
                PackedOperand(k: k, n: n, b: $0.baseAddress!, ldb: k, transposed: true, storage: ps.baseAddress!, layout: layout)
            }
        }
        func product(from first: Int, count: Int) -> [Float] {
            var c = Array(c0[(first * n)..<((first + count) * n)])
            storage.withUnsafeBufferPointer { _ in
                a.withUnsafeBufferPointer { pa in
                    c.withUnsafeMutableBufferPointer { pc in
                        operand.multiply(rows: count, a: pa.baseAddress! + first * k, lda: k, accumulate: true,
                                         c: pc.baseAddress!, ldc: n)
                    }
                }
            }
            return c
        }
        let all = product(from: 0, count: rows)
        for (first, count) in [(0, 1), (5, 1), (11, 8), (3, 13), (18, 1), (9, 10)] {
            let part = product(from: first, count: count)
            XCTAssertEqual(part.map(\.bitPattern), all[(first * n)..<((first + count) * n)].map(\.bitPattern),
                           "\(operand.layout): rows \(first)..<\(first + count) alone")
        }
    }

    /// Which layouts run here, for the CI log; and the storage each needs.
    func testTheLayoutsInUseAreNamed() {
        print("PackedOperand: fp32 products as \(PackedOperand.Layout.for(.fp32)), bf16 as \(PackedOperand.Layout.for(.bf16))")
        XCTAssertEqual(PackedOperand.Layout.for(.fp32), PackedOperand.kernelAvailable ? .panels : .plain)
        XCTAssertEqual(PackedOperand.Layout.for(.bf16), MatmulPrecision.bf16Available ? .bf16Panels : PackedOperand.Layout.for(.fp32))
        // k = 3 rows of 33 columns: 2 panels of 32; bf16: 2 pairs per column
        XCTAssertEqual(PackedOperand.count(k: 3, n: 33, layout: .panels), 3 * 64)
        XCTAssertEqual(PackedOperand.count(k: 3, n: 33, layout: .bf16Panels), 2 * 64)
        XCTAssertEqual(PackedOperand.count(k: 3, n: 33, layout: .plain), 99)
        XCTAssertEqual(PackedOperand.count(k: 3, n: 33, layout: .source), 0)
    }
}
