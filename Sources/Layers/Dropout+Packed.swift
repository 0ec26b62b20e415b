import Autodiff

extension Dropout {
    /// Element dropout on packed sequences (`x [N, C]`: the `lengths[0]` rows of sequence 0, then
    /// those of sequence 1, ...), as a transformer reads them. Sequence b's mask is drawn from its key
    /// mixed with this layer's site, L_b·C draws in row-major order: exactly the mask the `[B, T, C]`
    /// form draws for a sentence of that length, so a sentence gets the same mask wherever it is packed.
    /// The identity when not training or when p = 0.
    public func callAsFunction(_ x: Tensor, lengths: [Int], keys: [UInt64], training: Bool) -> Tensor {
        self(x, rows: nil, lengths: lengths, keys: keys, training: training)
    }

    /// Element dropout on the rows `rows` of packed sequences (`x [rows.rows.count, C]`, e.g. the
    /// pooled rows a transformer's last layer computes alone): each row gets the mask the whole
    /// sequence's dropout gives it (the draws of the rows left out are made and dropped).
    public func callAsFunction(_ x: Tensor, rows: PackedRows, keys: [UInt64], training: Bool) -> Tensor {
        self(x, rows: rows, lengths: rows.lengths, keys: keys, training: training)
    }

    private func callAsFunction(_ x: Tensor, rows selection: PackedRows?, lengths: [Int], keys: [UInt64],
                                training: Bool) -> Tensor {
        precondition(kind == .element, "packed dropout is element dropout, got \(kind)")
        guard training, probability > 0, x.count > 0 else { return x }
        let n = selection?.rows.count ?? lengths.reduce(0, +)
        precondition(x.shape.rank == 2 && n == x.shape[0] && keys.count == lengths.count,
                     "packed dropout: x \(x.shape) for \(n) rows of \(lengths.count) sequences, \(keys.count) keys")
        let c = x.shape[1], p = probability, scale = 1 / (1 - p)
        let salt = SplitMix64.mix(site)
        let mask = Tensor.scratch(count: x.count, for: [x])   // every element written below
        var row = 0, selected = 0
        for (b, length) in lengths.enumerated() {
            // mask[row_b + t, j] for t < L_b, one uniform per element in order
            var rng = SplitMix64(seed: SplitMix64.mix(keys[b] ^ salt))
            guard let selection else {
                let m = mask.base + row * c
                for i in 0..<(length * c) { m[i] = rng.nextUniform() < p ? 0 : scale }
                row += length
                continue
            }
            // only the selected rows' masks are kept, in the stream the whole sequence draws
            let end = selected + selection.counts[b]
            for t in 0..<length where selected < end {
                if selection.positions[selected] == t {
                    let m = mask.base + selected * c
                    for j in 0..<c { m[j] = rng.nextUniform() < p ? 0 : scale }
                    selected += 1
                } else {
                    for _ in 0..<c { _ = rng.nextUniform() }
                }
            }
        }
        let out = Tensor.makeResult(shape: x.shape, inputs: [x]) { dOut, _ in
            // y = x · mask  ⇒  dX += dOut · mask
            let g = x.grad, m = mask.base
            for i in 0..<x.count { g[i] += dOut[i] * m[i] }
        }
        let a = x.data, o = out.data, m = mask.base
        for i in 0..<x.count { o[i] = a[i] * m[i] }
        return out
    }
}
