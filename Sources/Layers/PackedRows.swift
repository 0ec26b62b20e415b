/// Some rows of packed sequences (`[N, C]`: the `lengths[0]` rows of sequence 0, then those of
/// sequence 1, ...): the rows a transformer's last layer has to compute when nothing reads the
/// others, such as the subwords a word vector is pooled from. `rows` are indices into the N rows,
/// strictly ascending; `counts[b]` of them lie in sequence b, and `positions[i]` is where `rows[i]`
/// lies inside its sequence.
public struct PackedRows: Equatable, Sendable {
    /// The lengths of the packed sequences (all their rows, selected or not).
    public let lengths: [Int]
    /// The selected rows, strictly ascending, each in `0..<lengths.sum`.
    public let rows: [Int]
    /// How many selected rows each sequence has.
    public let counts: [Int]
    /// For each selected row, its position inside its sequence (`0..<lengths[b]`).
    public let positions: [Int]

    /// The rows `rows` (strictly ascending) of sequences of `lengths`.
    public init(lengths: [Int], rows: [Int]) {
        let n = lengths.reduce(0, +)
        precondition(lengths.allSatisfy { $0 >= 0 } && zip(rows, rows.dropFirst()).allSatisfy { $0 < $1 }
                     && rows.allSatisfy { $0 >= 0 && $0 < n },
                     "PackedRows: rows must ascend strictly inside the \(n) rows of sequences \(lengths)")
        var counts = [Int](repeating: 0, count: lengths.count), positions: [Int] = []
        positions.reserveCapacity(rows.count)
        var b = 0, start = 0
        for r in rows {
            while r >= start + lengths[b] { start += lengths[b]; b += 1 }
            counts[b] += 1
            positions.append(r - start)
        }
        self.lengths = lengths
        self.rows = rows
        self.counts = counts
        self.positions = positions
    }

    /// Every row.
    public init(all lengths: [Int]) {
        self.init(lengths: lengths, rows: Array(0..<lengths.reduce(0, +)))
    }

    /// True when every row is selected.
    public var isAll: Bool { rows.count == lengths.reduce(0, +) }
}
