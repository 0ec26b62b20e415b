/// Matrix product `op(a) · op(b)` through `gemm`, with transposes as flags, never materialised.
///
/// - `a`: `[..., K]` read as an `[M, K]` matrix (M = product of the leading axes), or, with
///   `transposeA`, a 2-D `[K, M]`.
/// - `b`: 2-D `[K, N]`, or `[N, K]` with `transposeB` (a PyTorch `Linear` weight `[out, in]`).
/// - result: `[..., N]` (the leading axes of `a`), or `[M, N]` when `transposeA`.
/// Backward: dop(A) = dC · op(B)ᵀ, dop(B) = op(A)ᵀ · dC, each one `gemm` with flags.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(b.shape.rank == 2, "matmul: b must be 2-D, got \(b.shape)")
    precondition(!transposeA || a.shape.rank == 2, "matmul: a transposed must be 2-D, got \(a.shape)")
    let m = transposeA ? a.shape[1] : a.shape.rows
    let k = transposeA ? a.shape[0] : a.shape.last
    let kb = transposeB ? b.shape[1] : b.shape[0]
    let n = transposeB ? b.shape[0] : b.shape[1]
    precondition(a.shape.rank >= 1 && k == kb,
                 "matmul: inner sizes differ: a \(a.shape)\(transposeA ? "ᵀ" : "") · b \(b.shape)\(transposeB ? "ᵀ" : "")")
    let outShape: Shape = transposeA ? [m, n] : a.shape.replacingLast(with: n)
    let lda = transposeA ? m : k, ldb = transposeB ? k : n
    let out = Tensor.makeResult(shape: outShape, inputs: [a, b]) { dC, _ in
        if a.requiresGrad {
            if !transposeA {
                // dA[M,K] += dC[M,N] · op(B)ᵀ
                gemm(transA: false, transB: !transposeB, m: m, n: k, k: n,
                     a: dC, lda: n, b: b.data, ldb: ldb, beta: 1, c: a.grad, ldc: k)
            } else {
                // dA[K,M] += op(B)[K,N] · dCᵀ
                gemm(transA: transposeB, transB: true, m: k, n: m, k: n,
                     a: b.data, lda: ldb, b: dC, ldb: n, beta: 1, c: a.grad, ldc: m)
            }
        }
        if b.requiresGrad {
            if !transposeB {
                // dB[K,N] += op(A)ᵀ · dC
                gemm(transA: !transposeA, transB: false, m: k, n: n, k: m,
                     a: a.data, lda: lda, b: dC, ldb: n, beta: 1, c: b.grad, ldc: n)
            } else {
                // dB[N,K] += dCᵀ · op(A)
                gemm(transA: true, transB: transposeA, m: n, n: k, k: m,
                     a: dC, lda: n, b: a.data, ldb: lda, beta: 1, c: b.grad, ldc: k)
            }
        }
    }
    // out[M,N] = op(A) · op(B)
    gemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k,
         a: a.data, lda: lda, b: b.data, ldb: ldb, beta: 0, c: out.data, ldc: n)
    return out
}

/// An affine map over the last axis, PyTorch's `F.linear`: `x [..., in]`, `weight [out, in]`,
/// `bias [out]` → `[..., out]`, `y = x · Wᵀ + b`. With a bias it is one op: the product by `gemm`,
/// then `b` added to every row in place, so no intermediate product and its gradient are kept;
/// backward: dX += dY · W, dW += dYᵀ · X (one `gemm` each), db[j] += Σ_r dY[r, j] (rows in
/// order). The values and gradients are those of `matmul(x, weight, transposeB: true) + bias`.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    guard let bias else { return matmul(x, weight, transposeB: true) }
    precondition(weight.shape.rank == 2 && x.shape.rank >= 1 && x.shape.last == weight.shape[1] && bias.shape == [weight.shape[0]],
                 "linear: x \(x.shape), weight \(weight.shape), bias \(bias.shape) (need [..., in], [out, in], [out])")
    let m = x.shape.rows, k = weight.shape[1], n = weight.shape[0]
    let out = Tensor.makeResult(shape: x.shape.replacingLast(with: n), inputs: [x, weight, bias]) { dY, _ in
        if x.requiresGrad {
            // dX[M,K] += dY[M,N] · W[N,K]
            gemm(transA: false, transB: false, m: m, n: k, k: n, a: dY, lda: n, b: weight.data, ldb: k, beta: 1, c: x.grad, ldc: k)
        }
        if weight.requiresGrad {
            // dW[N,K] += dYᵀ · X
            gemm(transA: true, transB: false, m: n, n: k, k: m, a: dY, lda: n, b: x.data, ldb: k, beta: 1, c: weight.grad, ldc: k)
        }
        if bias.requiresGrad {
            // db[j] += Σ_r dY[r, j]
            let db = bias.grad
            for r in 0..<m { addVectors(db, dY + r * n, into: db, count: n) }
        }
    }
    // out[M,N] = X · Wᵀ, then out[r, :] += b
    gemm(transA: false, transB: true, m: m, n: n, k: k, a: x.data, lda: k, b: weight.data, ldb: k, beta: 0, c: out.data, ldc: n)
    let o = out.data, b = bias.data
    for r in 0..<m { addVectors(o + r * n, b, into: o + r * n, count: n) }
    return out
}
