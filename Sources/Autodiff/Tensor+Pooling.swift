import Foundation

extension Tensor {
    /// A weighted sum over the real tokens of each row, the pooling of a sentence classifier:
    /// `x [B, T, C]`, `weights [B, T]` → `[B, C]` with `out[b, :] = Σ_{t < lengths[b]} w[b, t] · x[b, t, :]`
    /// (padding steps never read). Mean pooling passes constant weights `1 / lengths[b]`, first-token
    /// pooling a one-hot, attention pooling `maskedSoftmax(lengths:)` of learned scores.
    /// Backward: `dX[b, t, :] += w[b, t] · dOut[b, :]`, `dW[b, t] += x[b, t, :] · dOut[b, :]`.
    public func weightedTokenSum(_ weights: Tensor, lengths: [Int]) -> Tensor {
        precondition(shape.rank == 3, "weightedTokenSum needs x [B, T, C], got \(shape)")
        let b = shape[0], t = shape[1], c = shape[2]
        precondition(weights.shape == Shape([b, t]), "weightedTokenSum: weights \(weights.shape) for x \(shape)")
        precondition(lengths.count == b && lengths.allSatisfy { $0 >= 1 && $0 <= t },
                     "weightedTokenSum: lengths \(lengths) for \(shape)")
        let x = self
        let out = Tensor.makeResult(shape: [b, c], inputs: [x, weights]) { dOut, _ in
            // forward: out[b, :] = Σ_t w[b, t] · x[b, t, :]
            let xv = x.data, wv = weights.data
            let gx: UnsafeMutablePointer<Float>? = x.requiresGrad ? x.grad : nil
            let gw: UnsafeMutablePointer<Float>? = weights.requiresGrad ? weights.grad : nil
            for bi in 0..<b {
                let d = dOut + bi * c
                for ti in 0..<lengths[bi] {
                    let row = (bi * t + ti) * c
                    if let gx {
                        // dX[b, t, :] += w[b, t] · dOut[b, :]
                        let w = wv[bi * t + ti]
                        for j in 0..<c { gx[row + j] += w * d[j] }
                    }
                    if let gw {
                        // dW[b, t] += x[b, t, :] · dOut[b, :]
                        var s: Float = 0
                        for j in 0..<c { s += xv[row + j] * d[j] }
                        gw[bi * t + ti] += s
                    }
                }
            }
        }
        let xv = data, wv = weights.data, o = out.data
        for bi in 0..<b {
            let ob = o + bi * c
            for j in 0..<c { ob[j] = 0 }
            for ti in 0..<lengths[bi] {
                // out[b, :] += w[b, t] · x[b, t, :]
                let w = wv[bi * t + ti], xr = xv + (bi * t + ti) * c
                for j in 0..<c { ob[j] += w * xr[j] }
            }
        }
        return out
    }

    /// Softmax over the first `lengths[b]` entries of each row of `[B, T]`, zeros after them: the
    /// attention weights of attention pooling, `a[b, t] = e^{s[b,t]} / Σ_{u < len} e^{s[b,u]}` for
    /// `t < lengths[b]`, else 0. Backward: `dS[b, t] += a[b, t] · (dA[b, t] − Σ_u a[b, u] · dA[b, u])`.
    public func maskedSoftmax(lengths: [Int]) -> Tensor {
        precondition(shape.rank == 2, "maskedSoftmax needs [B, T], got \(shape)")
        let b = shape[0], t = shape[1]
        precondition(lengths.count == b && lengths.allSatisfy { $0 >= 1 && $0 <= t },
                     "maskedSoftmax: lengths \(lengths) for \(shape)")
        let s = self
        let out = Tensor.makeResult(shape: shape, inputs: [s]) { dOut, a in
            let g = s.grad
            for bi in 0..<b {
                let ar = a + bi * t, d = dOut + bi * t, gr = g + bi * t
                var dot: Float = 0
                for ti in 0..<lengths[bi] { dot += ar[ti] * d[ti] }
                for ti in 0..<lengths[bi] { gr[ti] += ar[ti] * (d[ti] - dot) }
            }
        }
        let x = data, o = out.data
        for bi in 0..<b {
            _ = softmaxRow(x + bi * t, into: o + bi * t, count: lengths[bi])
            for ti in lengths[bi]..<t { o[bi * t + ti] = 0 }
        }
        return out
    }
}
