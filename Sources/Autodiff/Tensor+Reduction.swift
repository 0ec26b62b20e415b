extension Tensor {
    /// Σ of all elements, a scalar `[]`. Accumulates in Double so long sums stay exact enough
    /// for gradient checks.
    public func sum() -> Tensor {
        let x = self
        let out = Tensor.makeResult(shape: [], inputs: [x]) { dOut, _ in
            // y = Σ x  ⇒  dX[i] += dOut
            let g = x.grad, d = dOut[0]
            for i in 0..<x.count { g[i] += d }
        }
        var s: Double = 0
        let a = data
        for i in 0..<count { s += Double(a[i]) }
        out.data[0] = Float(s)
        return out
    }

    /// Mean of all elements, a scalar `[]`.
    public func mean() -> Tensor {
        precondition(count > 0, "mean of an empty tensor \(shape)")
        return sum().scaled(by: 1 / Float(count))
    }

    /// Σ over the last axis: `[..., C]` → `[...]`.
    public func sumLastAxis() -> Tensor {
        precondition(shape.rank >= 1, "sumLastAxis needs at least one axis")
        let x = self, rows = shape.rows, c = shape.last
        let out = Tensor.makeResult(shape: Shape(Array(shape.dims.dropLast())), inputs: [x]) { dOut, _ in
            // y[r] = Σ_j x[r,j]  ⇒  dX[r,j] += dOut[r]
            let g = x.grad
            for r in 0..<rows { for j in 0..<c { g[r * c + j] += dOut[r] } }
        }
        let a = data, o = out.data
        for r in 0..<rows { var s: Float = 0; for j in 0..<c { s += a[r * c + j] }; o[r] = s }
        return out
    }
}
