import Foundation

extension Tensor {
    /// log-softmax over the last axis, PyTorch's `log_softmax(dim=-1)`:
    /// `y[r, j] = x[r, j] − log Σ_k e^(x[r, k])`, computed with the row maximum subtracted.
    public func logSoftmax() -> Tensor {
        precondition(shape.rank >= 1, "logSoftmax needs at least one axis")
        let x = self, rows = shape.rows, k = shape.last
        let out = Tensor.makeResult(shape: shape, inputs: [x]) { dOut, y in
            // dX[r,j] += dOut[r,j] − softmax[r,j] · Σ_k dOut[r,k], softmax = e^y
            let g = x.grad
            for r in 0..<rows {
                let d = dOut + r * k, yr = y + r * k, gr = g + r * k
                var s: Float = 0
                for j in 0..<k { s += d[j] }
                for j in 0..<k { gr[j] += d[j] - expf(yr[j]) * s }
            }
        }
        let a = data, o = out.data
        for r in 0..<rows {
            let xr = a + r * k, yr = o + r * k
            var mx = -Float.infinity
            for j in 0..<k { mx = max(mx, xr[j]) }
            var s: Float = 0
            for j in 0..<k { s += expf(xr[j] - mx) }
            let lse = mx + logf(s)
            for j in 0..<k { yr[j] = xr[j] - lse }
        }
        return out
    }
}

/// Softmax cross-entropy summed over the unmasked rows, PyTorch's
/// `cross_entropy(logits, targets, reduction="sum")` with masked rows ignored:
/// `loss = Σ_{r: mask[r]} −log softmax(logits[r])[targets[r]]`.
///
/// - `logits`: `[..., K]`, one row per position (`[B, T, K]` for a padded batch).
/// - `targets`: one class index in `0..<K` per row; ignored where the mask is false.
/// - `mask`: one flag per row (false for padding); nil means every row counts.
/// - result: a scalar `[]`. Backward: dLogits[r] = dLoss · (softmax(logits[r]) − onehot(target)).
public func softmaxCrossEntropy(logits: Tensor, targets: [Int32], mask: [Bool]? = nil) -> Tensor {
    let rows = logits.shape.rows, k = logits.shape.last
    precondition(targets.count == rows, "softmaxCrossEntropy: \(rows) rows in \(logits.shape), \(targets.count) targets")
    precondition(mask == nil || mask!.count == rows, "softmaxCrossEntropy: \(rows) rows, mask of \(mask!.count)")
    let live = mask ?? [Bool](repeating: true, count: rows)
    for r in 0..<rows where live[r] {
        precondition(targets[r] >= 0 && Int(targets[r]) < k, "target \(targets[r]) at row \(r) outside 0..<\(k)")
    }
    // probabilities kept for the backward pass: p[r, :] = softmax(logits[r, :])
    let probs = Tensor.scratch(count: rows * k, for: [logits])
    let out = Tensor.makeResult(shape: [], inputs: [logits]) { dOut, _ in
        let g = logits.grad, p = probs.base, d = dOut[0]
        for r in 0..<rows where live[r] {
            let gr = g + r * k, pr = p + r * k
            for j in 0..<k { gr[j] += d * pr[j] }
            gr[Int(targets[r])] -= d
        }
    }
    var loss: Double = 0
    let x = logits.data, p = probs.base
    for r in 0..<rows where live[r] {
        let xr = x + r * k
        let (mx, s) = softmaxRow(xr, into: p + r * k, count: k)
        loss += Double(mx + logf(s) - xr[Int(targets[r])])
    }
    out.data[0] = Float(loss)
    return out
}

/// `out[j] = exp(x[j] − max) / Σ_j exp(x[j] − max)` over `count` floats (`out` may be `x`), the row
/// kernel of cross-entropy and of attention; returns the row maximum and the sum of exponentials,
/// so that `log Σ exp x = max + log sum`.
@inlinable
public func softmaxRow(_ x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) -> (max: Float, sum: Float) {
    var mx = -Float.infinity
    for j in 0..<count { mx = max(mx, x[j]) }
    var sum: Float = 0
    for j in 0..<count { let e = expf(x[j] - mx); out[j] = e; sum += e }
    let inv = 1 / sum
    for j in 0..<count { out[j] *= inv }
    return (mx, sum)
}
