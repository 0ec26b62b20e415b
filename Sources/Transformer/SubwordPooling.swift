import Autodiff

/// How a word's vector is made from its subwords' vectors (Flair's `subtoken_pooling`).
public enum SubwordPooling: String, CaseIterable, Codable, Sendable {
    /// The first subword's vector.
    case first
    /// The mean over the word's subwords.
    case mean
    /// The first and the last subword's vectors, concatenated (twice the width).
    case firstLast = "first_last"

    /// Output width for a model of width `c`.
    public func width(modelWidth c: Int) -> Int { self == .firstLast ? 2 * c : c }

    /// The rows of `x` that `pool(x, rows:starts:)` reads, ascending, each once: every word's first
    /// subword (`first`), its first and last (`first_last`), or all its subwords (`mean`).
    public func rowsRead(rows: [Int], starts: [Int]) -> [Int] {
        let words = starts.count - 1
        var read: [Int]
        switch self {
        case .first: read = (0..<words).map { rows[starts[$0]] }
        case .firstLast: read = (0..<words).flatMap { [rows[starts[$0]], rows[starts[$0 + 1] - 1]] }
        case .mean: read = rows
        }
        read.sort()
        return read.enumerated().compactMap { i, r in i > 0 && read[i - 1] == r ? nil : r }
    }

    /// Word vectors `[W, C']` from subword vectors `x [N, C]`: word w's subwords are the rows
    /// `rows[starts[w] ..< starts[w + 1]]` of x.
    public func pool(_ x: Tensor, rows: [Int], starts: [Int]) -> Tensor {
        let words = starts.count - 1
        let first = (0..<words).map { rows[starts[$0]] }
        switch self {
        case .first:
            return x.selectingRows(first)
        case .firstLast:
            let last = (0..<words).map { rows[starts[$0 + 1] - 1] }
            return concatLastAxis([x.selectingRows(first), x.selectingRows(last)])
        case .mean:
            return meanOfRowGroups(x, rows: rows, starts: starts)
        }
    }
}

/// Group means of rows: `x [N, C]` → `[G, C]` with `out[g] = mean over i in starts[g] ..< starts[g+1]
/// of x[rows[i]]` (every group non-empty). Backward: dX[rows[i]] += dOut[g] / |group g|.
public func meanOfRowGroups(_ x: Tensor, rows: [Int], starts: [Int]) -> Tensor {
    precondition(x.shape.rank == 2, "meanOfRowGroups needs [N, C], got \(x.shape)")
    let n = x.shape[0], c = x.shape[1], groups = starts.count - 1
    precondition(groups >= 0 && starts.first == 0 && starts.last == rows.count
                 && zip(starts, starts.dropFirst()).allSatisfy { $0 < $1 } && rows.allSatisfy { $0 >= 0 && $0 < n },
                 "meanOfRowGroups: starts \(starts) over \(rows.count) rows of \(x.shape)")
    let out = Tensor.makeResult(shape: [groups, c], inputs: [x], zeroed: true) { dOut, _ in
        // forward: out[g] = Σ x[rows[i]] / size  ⇒  dX[rows[i]] += dOut[g] / size
        let g = x.grad
        for gi in 0..<groups {
            let inv = 1 / Float(starts[gi + 1] - starts[gi]), d = dOut + gi * c
            for i in starts[gi]..<starts[gi + 1] {
                let gr = g + rows[i] * c
                for j in 0..<c { gr[j] += d[j] * inv }
            }
        }
    }
    let a = x.data, o = out.data
    for gi in 0..<groups {
        let inv = 1 / Float(starts[gi + 1] - starts[gi]), orow = o + gi * c
        for i in starts[gi]..<starts[gi + 1] {
            let xr = a + rows[i] * c
            for j in 0..<c { orow[j] += xr[j] }
        }
        for j in 0..<c { orow[j] *= inv }
    }
    return out
}
