import Foundation

// The ops of a biaffine dependency parser (Dozat & Manning 2017, "Deep Biaffine Attention for
// Neural Dependency Parsing", https://arxiv.org/abs/1611.01734): every dependent scored against
// every head of its sentence, a bilinear form per label on aligned (dependent, head) pairs, and
// the cross-entropy of each word's gold head over the heads of its own sentence.

/// Dot products of every row of `a` with every row of `b`, sentence by sentence (PyTorch's
/// `torch.bmm(a, b.transpose(1, 2))`): `a [R, N1, K]`, `b [R, N2, K]` → `[R, N1, N2]`,
/// `out[r, i, j] = Σ_k a[r, i, k] · b[r, j, k]`.
///
/// One `gemm` per sentence forward and two backward: dA_r += dOut_r · B_r, dB_r += dOut_rᵀ · A_r.
/// With `a[r, i] = x[r, i] · U + u` this is the biaffine arc score `x_i · U · y_j + y_j · u`.
public func pairScores(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.shape.rank == 3 && b.shape.rank == 3 && a.shape[0] == b.shape[0] && a.shape[2] == b.shape[2],
                 "pairScores: need [R, N1, K] and [R, N2, K], got \(a.shape) and \(b.shape)")
    let rows = a.shape[0], n1 = a.shape[1], n2 = b.shape[1], k = a.shape[2]
    let out = Tensor.makeResult(shape: [rows, n1, n2], inputs: [a, b]) { dOut, _ in
        for r in 0..<rows {
            let d = dOut + r * n1 * n2
            if a.requiresGrad {
                // dA_r[N1, K] += dOut_r[N1, N2] · B_r[N2, K]
                gemm(transA: false, transB: false, m: n1, n: k, k: n2, a: d, lda: n2, b: b.data + r * n2 * k, ldb: k,
                     beta: 1, c: a.grad + r * n1 * k, ldc: k)
            }
            if b.requiresGrad {
                // dB_r[N2, K] += dOut_rᵀ[N2, N1] · A_r[N1, K]
                gemm(transA: true, transB: false, m: n2, n: k, k: n1, a: d, lda: n2, b: a.data + r * n1 * k, ldb: k,
                     beta: 1, c: b.grad + r * n2 * k, ldc: k)
            }
        }
    }
    for r in 0..<rows {
        // out_r[N1, N2] = A_r[N1, K] · B_r[N2, K]ᵀ
        gemm(transA: false, transB: true, m: n1, n: n2, k: k, a: a.data + r * n1 * k, lda: k, b: b.data + r * n2 * k, ldb: k,
             beta: 0, c: out.data + r * n1 * n2, ldc: n2)
    }
    return out
}

/// A bilinear form per output channel on aligned rows (PyTorch's `nn.Bilinear` without its bias):
/// `x [..., A]` and `y [..., B]` with equal leading axes, `weight [A, L, B]` → `[..., L]`,
/// `out[m, l] = Σ_a Σ_b x[m, a] · weight[a, l, b] · y[m, b]`.
///
/// Forward: Z = X · W (one `gemm`, W read as `[A, L·B]`), then out[m, l] = Σ_b Z[m, l, b] · y[m, b].
/// Backward: dY[m, b] += Σ_l dOut[m, l] · Z[m, l, b]; dZ[m, l, b] = dOut[m, l] · y[m, b];
/// dX += dZ · Wᵀ and dW += Xᵀ · dZ (one `gemm` each). Z and dZ take M·L·B floats of scratch.
public func bilinear(_ x: Tensor, _ y: Tensor, weight: Tensor) -> Tensor {
    precondition(x.shape.rank >= 1 && y.shape.rank == x.shape.rank && weight.shape.rank == 3
                 && x.shape.dims.dropLast() == y.shape.dims.dropLast()
                 && weight.shape[0] == x.shape.last && weight.shape[2] == y.shape.last,
                 "bilinear: need x [..., A], y [..., B] and weight [A, L, B], got \(x.shape), \(y.shape), \(weight.shape)")
    let m = x.shape.rows, a = x.shape.last, l = weight.shape[1], b = y.shape.last, lb = l * b
    // z[m, l, b] = Σ_a x[m, a] · weight[a, l, b], kept for backward
    let z = Tensor.scratch(count: m * lb, for: [x, y, weight])
    gemm(transA: false, transB: false, m: m, n: lb, k: a, a: x.data, lda: a, b: weight.data, ldb: lb,
         beta: 0, c: z.base, ldc: lb)
    let out = Tensor.makeResult(shape: x.shape.replacingLast(with: l), inputs: [x, y, weight]) { dOut, _ in
        let zp = z.base, yp = y.data
        if y.requiresGrad {
            // forward: out[m, l] = Σ_b z[m, l, b] · y[m, b]  ⇒  dY[m, b] += Σ_l dOut[m, l] · z[m, l, b]
            let g = y.grad
            for r in 0..<m {
                for c in 0..<l {
                    let d = dOut[r * l + c], zr = zp + (r * l + c) * b, gr = g + r * b
                    for j in 0..<b { gr[j] += d * zr[j] }
                }
            }
        }
        guard x.requiresGrad || weight.requiresGrad else { return }
        // dZ[m, l, b] = dOut[m, l] · y[m, b]
        let dz = Tensor.scratch(count: m * lb, for: [x, y, weight]), dzp = dz.base
        for r in 0..<m {
            for c in 0..<l {
                let d = dOut[r * l + c], row = dzp + (r * l + c) * b, yr = yp + r * b
                for j in 0..<b { row[j] = d * yr[j] }
            }
        }
        if x.requiresGrad {
            // dX[M, A] += dZ[M, L·B] · Wᵀ
            gemm(transA: false, transB: true, m: m, n: a, k: lb, a: dzp, lda: lb, b: weight.data, ldb: lb,
                 beta: 1, c: x.grad, ldc: a)
        }
        if weight.requiresGrad {
            // dW[A, L·B] += Xᵀ · dZ
            gemm(transA: true, transB: false, m: a, n: lb, k: m, a: x.data, lda: a, b: dzp, ldb: lb,
                 beta: 1, c: weight.grad, ldc: lb)
        }
    }
    let zp = z.base, yp = y.data, o = out.data
    for r in 0..<m {
        // out[m, l] = Σ_b z[m, l, b] · y[m, b]
        let yr = yp + r * b
        for c in 0..<l {
            let zr = zp + (r * l + c) * b
            var s: Float = 0
            for j in 0..<b { s += zr[j] * yr[j] }
            o[r * l + c] = s
        }
    }
    return out
}

/// The cross-entropy of each word's gold head among the heads of its own sentence, summed:
/// `scores [R, T, K]` with `scores[r, i, j]` the score of head j (0 the root, j the word j) for word
/// i + 1, `heads` `[R, T]` row-major, `lengths[r]` in `0...T` with `lengths[r] < K`:
/// `loss = Σ_r Σ_{i < lengths[r]} −log softmax(scores[r, i, 0...lengths[r]])[heads[r, i]]`.
///
/// Heads beyond a sentence's last word (padding) take no part in the softmax and get no gradient,
/// nor do words beyond its length. Backward: dScores[r, i, j] = dLoss · (p[r, i, j] − [j = head])
/// for j ≤ lengths[r], p the softmax over those heads (PyTorch: `cross_entropy` on scores masked
/// with −∞, `reduction="sum"`).
public func arcCrossEntropy(scores: Tensor, heads: [Int32], lengths: [Int]) -> Tensor {
    precondition(scores.shape.rank == 3 && lengths.count == scores.shape[0] && heads.count == scores.shape[0] * scores.shape[1],
                 "arcCrossEntropy: scores \(scores.shape), \(heads.count) heads, \(lengths.count) lengths (need [R, T, K], R·T, R)")
    let rows = scores.shape[0], t = scores.shape[1], k = scores.shape[2]
    for (r, len) in lengths.enumerated() {
        precondition(len >= 0 && len <= t && len < k, "arcCrossEntropy: length \(len) of row \(r) outside 0...\(min(t, k - 1))")
        for i in 0..<len {
            precondition(heads[r * t + i] >= 0 && Int(heads[r * t + i]) <= len,
                         "arcCrossEntropy: head \(heads[r * t + i]) of word \(i + 1) in row \(r) outside 0...\(len)")
        }
    }
    // p[r, i, 0...len] = softmax over the sentence's heads, kept for backward
    let probs = Tensor.scratch(count: scores.count, for: [scores])
    let out = Tensor.makeResult(shape: [], inputs: [scores]) { dOut, _ in
        let g = scores.grad, p = probs.base, d = dOut[0]
        for r in 0..<rows {
            let len = lengths[r]
            for i in 0..<len {
                let base = (r * t + i) * k
                for j in 0...len { g[base + j] += d * p[base + j] }
                g[base + Int(heads[r * t + i])] -= d
            }
        }
    }
    var loss: Double = 0
    let x = scores.data, p = probs.base
    for r in 0..<rows {
        let len = lengths[r]
        for i in 0..<len {
            let base = (r * t + i) * k
            let (mx, s) = softmaxRow(x + base, into: p + base, count: len + 1)
            loss += Double(mx + logf(s) - x[base + Int(heads[r * t + i])])
        }
    }
    out.data[0] = Float(loss)
    return out
}
