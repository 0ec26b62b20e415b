import Autodiff

extension CRF {
    /// The posterior of each sentence under this CRF's stored scores, for confidence: emissions
    /// `[B, T, K]` and `B` lengths in `1...T` → `B` posteriors (marginals and span scores, in
    /// Double; see `CRFPosterior`).
    public func posteriors(emissions: Tensor, lengths: [Int]) -> [CRFPosterior] {
        precondition(emissions.shape.rank == 3 && emissions.shape[2] == tagCount && emissions.shape[0] == lengths.count,
                     "emissions \(emissions.shape) for \(lengths.count) sentences and \(tagCount) tags")
        let steps = emissions.shape[1]
        let values = emissions.scalars
        let trans = store.scalars(of: transitions)
        let first = store.scalars(of: start)
        let last = store.scalars(of: stop)
        return lengths.enumerated().map { b, length in
            precondition(length >= 1 && length <= steps, "length \(length) outside 1...\(steps)")
            let row = b * steps * tagCount
            return CRFPosterior(emissions: values[row..<(row + length * tagCount)], length: length,
                                transitions: trans, start: first, stop: last)
        }
    }
}
