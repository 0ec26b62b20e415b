/// Which elements one dropout draw covers.
public enum DropoutKind: Sendable {
    /// Each element of `[B, T, C]` independently; kept ones scaled by 1/(1 − p).
    case element
    /// Locked (variational) dropout: one mask per sentence and feature, shared over time
    /// (Flair's `LockedDropout`); kept ones scaled by 1/(1 − p).
    case locked
    /// Word dropout: whole token vectors dropped, one draw per (sentence, token), kept ones
    /// not rescaled (as Flair's `WordDropout` does).
    case word
}

extension Tensor {
    /// Dropout for training on `[B, T, C]`, with the masks of sentence `b` drawn from
    /// `SplitMix64(keys: keys[b])`, so a sentence gets the same mask whichever batch or rank it
    /// is in. Callers derive keys from (seed, epoch, step, sentence, layer). With p = 0 this is
    /// the identity. Backward multiplies by the same mask.
    public func dropout(probability p: Float, kind: DropoutKind, keys: [UInt64]) -> Tensor {
        precondition(shape.rank == 3, "dropout needs [B, T, C], got \(shape)")
        precondition(p >= 0 && p < 1, "dropout probability \(p) outside [0, 1)")
        let b = shape[0], t = shape[1], c = shape[2]
        precondition(keys.count == b, "dropout: \(keys.count) keys for \(b) sentences")
        let mask = Tensor.scratch(count: count, for: [self])
        let scale: Float = kind == .word ? 1 : 1 / (1 - p)
        let m = mask.base
        for bi in 0..<b {
            var rng = SplitMix64(seed: keys[bi])
            let base = m + bi * t * c
            switch kind {
            case .element:
                for i in 0..<(t * c) { base[i] = rng.nextUniform() < p ? 0 : scale }
            case .locked:
                // mask[b, t, j] = mask[b, 0, j] for every t
                for j in 0..<c { base[j] = rng.nextUniform() < p ? 0 : scale }
                for ti in 1..<max(t, 1) { (base + ti * c).update(from: base, count: c) }
            case .word:
                for ti in 0..<t {
                    let keep: Float = rng.nextUniform() < p ? 0 : scale
                    (base + ti * c).update(repeating: keep, count: c)
                }
            }
        }
        let x = self
        let out = Tensor.makeResult(shape: shape, inputs: [x]) { dOut, _ in
            // y = x · mask  ⇒  dX += dOut · mask (the closure keeps `mask` alive)
            let g = x.grad, mk = mask.base
            for i in 0..<x.count { g[i] += dOut[i] * mk[i] }
        }
        let a = data, o = out.data
        for i in 0..<count { o[i] = a[i] * m[i] }
        return out
    }
}
