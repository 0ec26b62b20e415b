extension Tensor {
    /// Reverses each sequence of a padded batch within its own length, for the backward LSTM:
    /// `x [B, T, C]`, `lengths[b] ≤ T` → `out[b, t, :] = x[b, lengths[b] − 1 − t, :]` for
    /// `t < lengths[b]`, zeros at padding. Applying it twice restores the unpadded positions.
    public func reversedInTime(lengths: [Int]) -> Tensor {
        precondition(shape.rank == 3, "reversedInTime needs [B, T, C], got \(shape)")
        let b = shape[0], t = shape[1], c = shape[2]
        precondition(lengths.count == b && lengths.allSatisfy { $0 >= 0 && $0 <= t },
                     "reversedInTime: \(lengths.count) lengths \(lengths) for \(shape)")
        let x = self
        let out = Tensor.makeResult(shape: shape, inputs: [x]) { dOut, _ in
            // forward: out[b,t] = x[b, L−1−t]  ⇒  dX[b, L−1−t] += dOut[b,t]
            let g = x.grad
            for bi in 0..<b {
                let len = lengths[bi]
                for ti in 0..<len {
                    let d = dOut + (bi * t + ti) * c, gx = g + (bi * t + len - 1 - ti) * c
                    for j in 0..<c { gx[j] += d[j] }
                }
            }
        }
        let a = data, o = out.data
        for bi in 0..<b {
            let len = lengths[bi]
            for ti in 0..<len {
                (o + (bi * t + ti) * c).update(from: a + (bi * t + len - 1 - ti) * c, count: c)
            }
            // out[b, t ≥ L, :] = 0
            (o + (bi * t + len) * c).update(repeating: 0, count: (t - len) * c)
        }
        return out
    }
}
