/// Matrix product `op(a) · op(b)` through `gemm`, with transposes as flags, never materialised.
///
/// - `a`: `[..., K]` read as an `[M, K]` matrix (M = product of the leading axes), or, with
///   `transposeA`, a 2-D `[K, M]`.
/// - `b`: 2-D `[K, N]`, or `[N, K]` with `transposeB` (a PyTorch `Linear` weight `[out, in]`).
/// - result: `[..., N]` (the leading axes of `a`), or `[M, N]` when `transposeA`.
/// Backward: dop(A) = dC · op(B)ᵀ, dop(B) = op(A)ᵀ · dC, each one `gemm` with flags.
/// Forward and backward products run at `MatmulPrecision.current` as it is when the op is recorded.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    let precision = MatmulPrecision.current
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
                     a: dC, lda: n, b: b.data, ldb: ldb, beta: 1, c: a.grad, ldc: k, precision: precision)
            } else {
                // dA[K,M] += op(B)[K,N] · dCᵀ
                gemm(transA: transposeB, transB: true, m: k, n: m, k: n,
                     a: b.data, lda: ldb, b: dC, ldb: n, beta: 1, c: a.grad, ldc: m, precision: precision)
            }
        }
        if b.requiresGrad {
            if !transposeB {
                // dB[K,N] += op(A)ᵀ · dC
                gemm(transA: !transposeA, transB: false, m: k, n: n, k: m,
                     a: a.data, lda: lda, b: dC, ldb: n, beta: 1, c: b.grad, ldc: n, precision: precision)
            } else {
                // dB[N,K] += dCᵀ · op(A)
                gemm(transA: true, transB: transposeA, m: n, n: k, k: m,
                     a: dC, lda: n, b: a.data, ldb: lda, beta: 1, c: b.grad, ldc: k, precision: precision)
            }
        }
    }
    // out[M,N] = op(A) · op(B)
    gemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k,
         a: a.data, lda: lda, b: b.data, ldb: ldb, beta: 0, c: out.data, ldc: n, precision: precision)
    return out
}

/// An affine map over the last axis, PyTorch's `F.linear`: `x [..., in]`, `weight [out, in]`,
/// `bias [out]` → `[..., out]`, `y = x · Wᵀ + b` (see `linear(_:weights:biases:)`).
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    guard let bias else { return matmul(x, weight, transposeB: true) }
    return linear(x, weights: [weight], biases: [bias])
}

/// Affine maps of one input side by side, as one op: `x [..., in]`, `weights[i] [out_i, in]`,
/// `biases[i] [out_i]` → `[..., Σ out_i]` whose columns `o_i ..< o_i + out_i` (o_i = Σ_{j<i} out_j)
/// are `x · W_iᵀ + b_i`, PyTorch's `torch.cat([F.linear(x, W_i, b_i) for i], -1)`: attention's
/// query, key and value projections in one `gemm` over the weights stacked `[Σ out_i, in]`
/// (copied once per call when there are several). No intermediate product or its gradient is
/// kept. Backward: dX += dY · W_stacked (one `gemm`), dW_i += dY_iᵀ · X, db_i[j] += Σ_r dY_i[r, j]
/// (rows in order), dY_i being the columns of block i read in place. Forward and backward products
/// run at `MatmulPrecision.current` as it is when the op is recorded (the bias sums stay float).
public func linear(_ x: Tensor, weights: [Tensor], biases: [Tensor]) -> Tensor {
    let precision = MatmulPrecision.current
    let k = x.shape.last, m = x.shape.rows
    precondition(!weights.isEmpty && weights.count == biases.count && x.shape.rank >= 1
                 && zip(weights, biases).allSatisfy { w, b in w.shape.rank == 2 && w.shape[1] == k && b.shape == [w.shape[0]] },
                 "linear: x \(x.shape), weights \(weights.map(\.shape)), biases \(biases.map(\.shape)) (need [..., in], [out_i, in], [out_i])")
    let widths = weights.map { $0.shape[0] }, n = widths.reduce(0, +)
    var offsets = [0]
    for w in widths.dropLast() { offsets.append(offsets[offsets.count - 1] + w) }
    // W_stacked [N, K] and b_stacked [N]: the one weight itself, else copies side by side
    let stacked: (w: UnsafePointer<Float>, b: UnsafePointer<Float>, keep: Buffer?)
    if weights.count == 1 {
        stacked = (UnsafePointer(weights[0].data), UnsafePointer(biases[0].data), nil)
    } else {
        let copy = Tensor.scratch(count: n * k + n, for: [x] + weights + biases)
        for (i, (w, b)) in zip(weights, biases).enumerated() {
            (copy.base + offsets[i] * k).update(from: w.data, count: widths[i] * k)
            (copy.base + n * k + offsets[i]).update(from: b.data, count: widths[i])
        }
        stacked = (UnsafePointer(copy.base), UnsafePointer(copy.base + n * k), copy)
    }
    let out = Tensor.makeResult(shape: x.shape.replacingLast(with: n), inputs: [x] + weights + biases) { dY, _ in
        withExtendedLifetime(stacked.keep) {
            if x.requiresGrad {
                // dX[M,K] += dY[M,N] · W_stacked[N,K]
                gemm(transA: false, transB: false, m: m, n: k, k: n, a: dY, lda: n, b: stacked.w, ldb: k, beta: 1, c: x.grad, ldc: k, precision: precision)
            }
            for (i, (w, b)) in zip(weights, biases).enumerated() {
                let dYi = dY + offsets[i]
                if w.requiresGrad {
                    // dW_i[out_i, K] += dY_iᵀ · X
                    gemm(transA: true, transB: false, m: widths[i], n: k, k: m, a: dYi, lda: n, b: x.data, ldb: k,
                         beta: 1, c: w.grad, ldc: k, precision: precision)
                }
                if b.requiresGrad {
                    // db_i[j] += Σ_r dY_i[r, j]
                    let db = b.grad
                    for r in 0..<m { addVectors(db, dYi + r * n, into: db, count: widths[i]) }
                }
            }
        }
    }
    // out[M,N] = X · W_stackedᵀ, then out[r, :] += b_stacked
    gemm(transA: false, transB: true, m: m, n: n, k: k, a: x.data, lda: k, b: stacked.w, ldb: k, beta: 0, c: out.data, ldc: n, precision: precision)
    let o = out.data
    for r in 0..<m { addVectors(o + r * n, stacked.b, into: o + r * n, count: n) }
    return out
}
