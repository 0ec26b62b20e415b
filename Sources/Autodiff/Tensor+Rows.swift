// Moving whole rows (sentences, tokens) between tensors: selecting the sentences of one task
// from a batch, and laying per-token vectors out as a padded batch.

extension Tensor {
    /// The rows `rows` of the first axis, in that order: `[B, ...]` → `[rows.count, ...]`.
    /// Backward: dX[rows[i]] += dOut[i] (a row selected twice accumulates twice).
    public func selectingRows(_ rows: [Int]) -> Tensor {
        precondition(shape.rank >= 1, "selectingRows needs at least one axis")
        let b = shape[0], w = b == 0 ? 0 : count / b
        for r in rows { precondition(r >= 0 && r < b, "selectingRows: row \(r) outside 0..<\(b) of \(shape)") }
        var outDims = shape.dims
        outDims[0] = rows.count
        let x = self
        let out = Tensor.makeResult(shape: Shape(outDims), inputs: [x]) { dOut, _ in
            let g = x.grad
            for (i, r) in rows.enumerated() {
                let gr = g + r * w, d = dOut + i * w
                for j in 0..<w { gr[j] += d[j] }
            }
        }
        // out[i, ...] = x[rows[i], ...]
        let a = data, o = out.data
        for (i, r) in rows.enumerated() { (o + i * w).update(from: a + r * w, count: w) }
        return out
    }

    /// Lays out packed per-token rows as a padded batch: `[N, C]` with N = Σ lengths (the tokens of
    /// sentence 0, then of sentence 1, ...) → `[B, T, C]` with zeros at t ≥ lengths[b].
    public func paddedSequences(lengths: [Int], steps: Int) -> Tensor {
        precondition(shape.rank == 2, "paddedSequences needs [N, C], got \(shape)")
        precondition(lengths.reduce(0, +) == shape[0] && lengths.allSatisfy { $0 >= 0 && $0 <= steps },
                     "paddedSequences: lengths \(lengths) (T = \(steps)) do not cover \(shape)")
        let c = shape[1], b = lengths.count
        let x = self
        let out = Tensor.makeResult(shape: [b, steps, c], inputs: [x]) { dOut, _ in
            // forward: out[b, t] = x[offset_b + t]  ⇒  dX[offset_b + t] += dOut[b, t]
            let g = x.grad
            var n = 0
            for bi in 0..<b {
                for t in 0..<lengths[bi] {
                    let gr = g + (n + t) * c, d = dOut + (bi * steps + t) * c
                    for j in 0..<c { gr[j] += d[j] }
                }
                n += lengths[bi]
            }
        }
        let a = data, o = out.data
        var n = 0
        for bi in 0..<b {
            (o + bi * steps * c).update(from: a + n * c, count: lengths[bi] * c)
            // out[b, t ≥ lengths[b], :] = 0
            (o + (bi * steps + lengths[bi]) * c).update(repeating: 0, count: (steps - lengths[bi]) * c)
            n += lengths[bi]
        }
        return out
    }
}
