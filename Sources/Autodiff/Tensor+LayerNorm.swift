/// Layer normalisation over the last axis (Ba et al., 2016; PyTorch's `nn.LayerNorm`):
/// `x [..., C]`, `gamma [C]`, `beta [C]` → `y = (x − μ) / √(σ² + eps) · gamma + beta`, with μ and
/// σ² (biased) over the C features of each row. Not used by the BiLSTM models yet: kept, with its
/// gradient check, for the transformer encoder (issue 11).
public func layerNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, eps: Float = 1e-5) -> Tensor {
    let rows = x.shape.rows, c = x.shape.last
    precondition(gamma.shape == [c] && beta.shape == [c],
                 "layerNorm: x \(x.shape) needs gamma and beta of [\(c)], got \(gamma.shape), \(beta.shape)")
    let stats = Tensor.scratch(count: 2 * rows, for: [x, gamma, beta]) // mean[r], rstd[r]
    let out = Tensor.makeResult(shape: x.shape, inputs: [x, gamma, beta]) { dOut, _ in
        // forward: y = n · gamma + beta, n = (x − μ) · rstd
        // dX = rstd · (dN − mean(dN) − n · mean(dN · n)), dN = dOut · gamma
        let xs = x.data, gm = gamma.data, mean = stats.base, rstd = stats.base + rows
        let dGamma = gamma.requiresGrad ? gamma.grad : nil
        let dBeta = beta.requiresGrad ? beta.grad : nil
        let dX = x.requiresGrad ? x.grad : nil
        for r in 0..<rows {
            let xr = xs + r * c, d = dOut + r * c
            var sumDN: Float = 0, sumDNN: Float = 0
            for j in 0..<c {
                let nj = (xr[j] - mean[r]) * rstd[r]
                let dn = d[j] * gm[j]
                sumDN += dn; sumDNN += dn * nj
            }
            let meanDN = sumDN / Float(c), meanDNN = sumDNN / Float(c)
            for j in 0..<c {
                let nj = (xr[j] - mean[r]) * rstd[r]
                dGamma?[j] += d[j] * nj
                dBeta?[j] += d[j]
                dX?[r * c + j] += rstd[r] * (d[j] * gm[j] - meanDN - nj * meanDNN)
            }
        }
    }
    let xs = x.data, gm = gamma.data, bt = beta.data, o = out.data
    let mean = stats.base, rstd = stats.base + rows
    for r in 0..<rows {
        let xr = xs + r * c, yr = o + r * c
        var m: Float = 0
        for j in 0..<c { m += xr[j] }
        m /= Float(c)
        var v: Float = 0
        for j in 0..<c { let dx = xr[j] - m; v += dx * dx }
        v /= Float(c)
        let s = 1 / (v + eps).squareRoot()
        mean[r] = m; rstd[r] = s
        for j in 0..<c { yr[j] = (xr[j] - m) * s * gm[j] + bt[j] }
    }
    return out
}
