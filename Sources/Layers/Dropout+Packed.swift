import Autodiff

extension Dropout {
    /// Element dropout on packed sequences (`x [N, C]`: the `lengths[0]` rows of sequence 0, then
    /// those of sequence 1, ...), as a transformer reads them. Sequence b's mask is drawn from its key
    /// mixed with this layer's site, L_b·C draws in row-major order: exactly the mask the `[B, T, C]`
    /// form draws for a sentence of that length, so a sentence gets the same mask wherever it is packed.
    /// The identity when not training or when p = 0.
    public func callAsFunction(_ x: Tensor, lengths: [Int], keys: [UInt64], training: Bool) -> Tensor {
        precondition(kind == .element, "packed dropout is element dropout, got \(kind)")
        guard training, probability > 0, x.count > 0 else { return x }
        precondition(x.shape.rank == 2 && lengths.reduce(0, +) == x.shape[0] && keys.count == lengths.count,
                     "packed dropout: x \(x.shape), \(lengths.count) lengths summing to \(lengths.reduce(0, +)), \(keys.count) keys")
        let c = x.shape[1], p = probability, scale = 1 / (1 - p)
        let salt = SplitMix64.mix(site)
        let mask = Tensor.scratch(count: x.count, for: [x])   // every element written below
        var row = 0
        for (b, length) in lengths.enumerated() {
            // mask[row_b + t, j] for t < L_b, one uniform per element in order
            var rng = SplitMix64(seed: SplitMix64.mix(keys[b] ^ salt))
            let m = mask.base + row * c
            for i in 0..<(length * c) { m[i] = rng.nextUniform() < p ? 0 : scale }
            row += length
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
