// Moving time steps within the sentences of a padded batch: a step put before every sentence
// (a parser's artificial root) and, for every word, the step of another word of its sentence
// (the vector of its head).

extension Tensor {
    /// `first` put before the steps of every sentence: `x [R, T, C]`, `first [C]` → `[R, T + 1, C]`,
    /// `out[r, 0, :] = first`, `out[r, t + 1, :] = x[r, t, :]` (PyTorch:
    /// `torch.cat([first.expand(R, 1, C), x], dim=1)`).
    /// Backward: dFirst += Σ_r dOut[r, 0, :]; dX[r, t, :] += dOut[r, t + 1, :].
    public func prependingStep(_ first: Tensor) -> Tensor {
        precondition(shape.rank == 3 && first.shape == [shape[2]],
                     "prependingStep: need x [R, T, C] and first [C], got \(shape) and \(first.shape)")
        let rows = shape[0], t = shape[1], c = shape[2]
        let x = self
        let out = Tensor.makeResult(shape: [rows, t + 1, c], inputs: [x, first]) { dOut, _ in
            for r in 0..<rows {
                let d = dOut + r * (t + 1) * c
                if first.requiresGrad { let g = first.grad; addVectors(g, d, into: g, count: c) }
                if x.requiresGrad { let g = x.grad + r * t * c; addVectors(g, d + c, into: g, count: t * c) }
            }
        }
        let a = data, f = first.data, o = out.data
        for r in 0..<rows {
            // out[r, 0, :] = first ; out[r, 1..., :] = x[r]
            (o + r * (t + 1) * c).update(from: f, count: c)
            (o + r * (t + 1) * c + c).update(from: a + r * t * c, count: t * c)
        }
        return out
    }

    /// For every sentence r and position i, the step `steps[r·T' + i]` of sentence r:
    /// `x [R, N, C]`, `steps` R·T' values in `0..<N` → `[R, T', C]`,
    /// `out[r, i, :] = x[r, steps[r·T' + i], :]` (PyTorch: `x.gather(1, steps.unsqueeze(-1).expand(-1, -1, C))`).
    /// Backward: scatter, dX[r, steps[r·T' + i], :] += dOut[r, i, :] (a step chosen twice gets both).
    public func selectingSteps(_ steps: [Int32]) -> Tensor {
        precondition(shape.rank == 3 && shape[0] > 0 && steps.count % shape[0] == 0,
                     "selectingSteps: need x [R, N, C] and R·T' steps, got \(shape) and \(steps.count) steps")
        let rows = shape[0], n = shape[1], c = shape[2], t = steps.count / rows
        for (k, s) in steps.enumerated() {
            precondition(s >= 0 && Int(s) < n, "selectingSteps: step \(s) at \(k) outside 0..<\(n) of \(shape)")
        }
        let x = self
        let out = Tensor.makeResult(shape: [rows, t, c], inputs: [x]) { dOut, _ in
            // forward: out[r, i] = x[r, steps[r·T' + i]]  ⇒  dX[r, steps[r·T' + i]] += dOut[r, i]
            let g = x.grad
            for r in 0..<rows {
                for i in 0..<t {
                    let gx = g + (r * n + Int(steps[r * t + i])) * c
                    addVectors(gx, dOut + (r * t + i) * c, into: gx, count: c)
                }
            }
        }
        let a = data, o = out.data
        for r in 0..<rows {
            for i in 0..<t { (o + (r * t + i) * c).update(from: a + (r * n + Int(steps[r * t + i])) * c, count: c) }
        }
        return out
    }
}
