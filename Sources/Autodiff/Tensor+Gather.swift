extension Tensor {
    /// One time step per sequence of a padded batch, e.g. the last real step of each word for
    /// a character encoder: `x [B, T, C]`, `steps[b]` in `0..<T` → `[B, C]` with
    /// `out[b, :] = x[b, steps[b], :]` (PyTorch: `x[torch.arange(B), steps]`).
    /// Backward: scatter, dX[b, steps[b], :] += dOut[b, :]; every other step gets no gradient.
    public func gatherTimeSteps(_ steps: [Int]) -> Tensor {
        precondition(shape.rank == 3, "gatherTimeSteps needs [B, T, C], got \(shape)")
        let b = shape[0], t = shape[1], c = shape[2]
        precondition(steps.count == b && steps.allSatisfy { $0 >= 0 && $0 < t },
                     "gatherTimeSteps: steps \(steps) for \(shape) (need \(b) steps, each in 0..<\(t))")
        let x = self
        let out = Tensor.makeResult(shape: [b, c], inputs: [x]) { dOut, _ in
            // forward: out[b, :] = x[b, steps[b], :]  ⇒  dX[b, steps[b], :] += dOut[b, :]
            let g = x.grad
            for bi in 0..<b {
                let gx = g + (bi * t + steps[bi]) * c, d = dOut + bi * c
                for j in 0..<c { gx[j] += d[j] }
            }
        }
        let a = data, o = out.data
        for bi in 0..<b { (o + bi * c).update(from: a + (bi * t + steps[bi]) * c, count: c) }
        return out
    }
}
