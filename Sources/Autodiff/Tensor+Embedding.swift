/// Embedding lookup, PyTorch's `F.embedding`: `table [V, C]`, `indices` (N of them, each in
/// `0..<V`) → `[N, C]` (reshape to `[B, T, C]` afterwards).
/// Backward: scatter-add, dTable[indices[i], :] += dOut[i, :] (repeated rows accumulate).
public func embedding(_ table: Tensor, indices: [Int32]) -> Tensor {
    precondition(table.shape.rank == 2, "embedding: table must be [V, C], got \(table.shape)")
    let v = table.shape[0], c = table.shape[1], n = indices.count
    for (i, id) in indices.enumerated() {
        precondition(id >= 0 && Int(id) < v, "embedding: index \(id) at position \(i) outside 0..<\(v)")
    }
    let out = Tensor.makeResult(shape: [n, c], inputs: [table]) { dOut, _ in
        let g = table.grad
        for i in 0..<n {
            let row = g + Int(indices[i]) * c, d = dOut + i * c
            for j in 0..<c { row[j] += d[j] }
        }
    }
    // out[i, :] = table[indices[i], :]
    let t = table.data, o = out.data
    for i in 0..<n { (o + i * c).update(from: t + Int(indices[i]) * c, count: c) }
    return out
}
