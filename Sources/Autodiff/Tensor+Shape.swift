/// Concatenation along the last axis: tensors `[..., C_i]` with equal leading axes →
/// `[..., Σ C_i]`. Backward: each input takes back its slice of the columns.
public func concatLastAxis(_ parts: [Tensor]) -> Tensor {
    precondition(!parts.isEmpty, "concat of no tensors")
    let lead = parts[0].shape.dims.dropLast()
    for p in parts {
        precondition(p.shape.rank >= 1 && p.shape.dims.dropLast() == lead,
                     "concat: leading axes differ: \(parts.map { $0.shape })")
    }
    let rows = parts[0].shape.rows
    let widths = parts.map { $0.shape.last }
    let total = widths.reduce(0, +)
    let out = Tensor.makeResult(shape: parts[0].shape.replacingLast(with: total), inputs: parts) { dOut, _ in
        var col = 0
        for (p, w) in zip(parts, widths) {
            if p.requiresGrad {
                // dPart[r, j] += dOut[r, col + j]
                let g = p.grad
                for r in 0..<rows { let d = dOut + r * total + col, gr = g + r * w; for j in 0..<w { gr[j] += d[j] } }
            }
            col += w
        }
    }
    var col = 0
    for (p, w) in zip(parts, widths) {
        // out[r, col ..< col + w] = part[r, :]
        let src = p.data, o = out.data
        for r in 0..<rows { (o + r * total + col).update(from: src + r * w, count: w) }
        col += w
    }
    return out
}

extension Tensor {
    /// Splits the last axis into consecutive pieces of the given widths (which sum to it).
    public func split(widths: [Int]) -> [Tensor] {
        precondition(widths.reduce(0, +) == shape.last, "split: widths \(widths) do not sum to the last axis of \(shape)")
        var col = 0
        return widths.map { w in
            defer { col += w }
            return columns(col..<(col + w))
        }
    }

    /// The columns `range` of the last axis: `[..., C]` → `[..., range.count]`.
    public func columns(_ range: Range<Int>) -> Tensor {
        precondition(range.lowerBound >= 0 && range.upperBound <= shape.last,
                     "columns \(range) outside the last axis of \(shape)")
        let x = self, rows = shape.rows, c = shape.last, w = range.count, c0 = range.lowerBound
        let out = Tensor.makeResult(shape: shape.replacingLast(with: w), inputs: [x]) { dOut, _ in
            let g = x.grad
            for r in 0..<rows { let gr = g + r * c + c0, d = dOut + r * w; for j in 0..<w { gr[j] += d[j] } }
        }
        let a = data, o = out.data
        for r in 0..<rows { (o + r * w).update(from: a + r * c + c0, count: w) }
        return out
    }

    /// The same values with another shape of the same element count (a copy; gradients flow back unchanged).
    public func reshaped(_ newShape: Shape) -> Tensor {
        precondition(newShape.count == count, "reshape \(shape) → \(newShape): element counts differ")
        let x = self
        let out = Tensor.makeResult(shape: newShape, inputs: [x]) { dOut, _ in
            let g = x.grad
            for i in 0..<x.count { g[i] += dOut[i] }
        }
        out.data.update(from: data, count: count)
        return out
    }
}
