import Foundation

// Elementwise activations. Each backward rule is written from the forward output where that is
// cheaper (tanh' = 1 − y², σ' = y(1 − y), exp' = y).

extension Tensor {
    /// tanh, elementwise (vectorised polynomial, see `FastMath`).
    public func tanh() -> Tensor {
        let x = self
        let out = Tensor.makeResult(shape: shape, inputs: [x]) { dOut, y in
            // y = tanh(x)  ⇒  dX += dOut · (1 − y²)
            let g = x.grad
            for i in 0..<x.count { g[i] += dOut[i] * (1 - y[i] * y[i]) }
        }
        FastMath.tanh(data, out.data, count: count)
        return out
    }

    /// σ(x) = 1 / (1 + e^(-x)), elementwise.
    public func sigmoid() -> Tensor {
        let x = self
        let out = Tensor.makeResult(shape: shape, inputs: [x]) { dOut, y in
            // y = σ(x)  ⇒  dX += dOut · y · (1 − y)
            let g = x.grad
            for i in 0..<x.count { g[i] += dOut[i] * y[i] * (1 - y[i]) }
        }
        FastMath.sigmoid(data, out.data, count: count)
        return out
    }

    /// max(x, 0), elementwise. Not used by the BiLSTM models yet: kept, with its gradient check,
    /// for the transformer encoder's feed-forward blocks (issue 11).
    public func relu() -> Tensor {
        let x = self
        let out = Tensor.makeResult(shape: shape, inputs: [x]) { dOut, _ in
            // y = max(x, 0)  ⇒  dX += dOut · [x > 0]
            let g = x.grad, a = x.data
            for i in 0..<x.count where a[i] > 0 { g[i] += dOut[i] }
        }
        let a = data, o = out.data
        for i in 0..<count { o[i] = max(a[i], 0) }
        return out
    }

    /// GELU with the exact error function, PyTorch's default `nn.GELU()`:
    /// y = x · Φ(x) = x · ½ (1 + erf(x / √2)). Not used by the BiLSTM models yet: kept, with its
    /// gradient check, for the transformer encoder's feed-forward blocks (issue 11).
    public func gelu() -> Tensor {
        let x = self
        let out = Tensor.makeResult(shape: shape, inputs: [x]) { dOut, _ in
            // dy/dx = Φ(x) + x · φ(x), φ(x) = e^(−x²/2) / √(2π)
            let g = x.grad, a = x.data
            for i in 0..<x.count {
                let v = a[i]
                let cdf = 0.5 * (1 + erff(v * 0.707_106_77))
                let pdf = expf(-0.5 * v * v) * 0.398_942_28
                g[i] += dOut[i] * (cdf + v * pdf)
            }
        }
        let a = data, o = out.data
        for i in 0..<count { o[i] = a[i] * 0.5 * (1 + erff(a[i] * 0.707_106_77)) }
        return out
    }

    /// e^x, elementwise.
    public func exp() -> Tensor {
        let x = self
        let out = Tensor.makeResult(shape: shape, inputs: [x]) { dOut, y in
            // y = e^x  ⇒  dX += dOut · y
            let g = x.grad
            for i in 0..<x.count { g[i] += dOut[i] * y[i] }
        }
        FastMath.exp(data, out.data, count: count)
        return out
    }

    /// Natural logarithm, elementwise (inputs must be positive).
    public func log() -> Tensor {
        let x = self
        let out = Tensor.makeResult(shape: shape, inputs: [x]) { dOut, _ in
            // y = ln x  ⇒  dX += dOut / x
            let g = x.grad, a = x.data
            for i in 0..<x.count { g[i] += dOut[i] / a[i] }
        }
        let a = data, o = out.data
        for i in 0..<count { o[i] = logf(a[i]) }
        return out
    }
}
