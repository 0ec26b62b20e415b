/// How a run of sentences is decoded: cut into pieces of at most `Evaluator.maxTokensPerPass`
/// tokens, and the pieces grouped into length-sorted batches. Pure arithmetic over lengths, so
/// every rank computes the same plan, and a piece is decoded in the same batch whatever the number
/// of ranks (which is what makes predict's output under mpirun equal to one process's, bit for bit).
public struct DecodingPlan: Equatable, Sendable {
    /// One piece: its sentence (index into the lengths given) and its tokens.
    public struct Piece: Equatable, Sendable {
        public let sentence: Int
        public let tokens: Range<Int>
    }

    /// The pieces, in sentence order, each sentence's pieces in token order.
    public let pieces: [Piece]
    /// Batches of piece indices: ascending lengths (ties in piece order), each at most `batchSize`
    /// pieces and at most `tokenBudget` padded tokens (pieces × the longest; a longer piece alone).
    public let batches: [[Int]]

    /// The plan for sentences of `lengths` tokens (an empty sentence gives one empty piece).
    public init(lengths: [Int], batchSize: Int, tokenBudget: Int, maxTokensPerPass: Int = Evaluator.maxTokensPerPass) {
        precondition(batchSize >= 1 && tokenBudget >= 1 && maxTokensPerPass >= 1,
                     "batch size \(batchSize), token budget \(tokenBudget), pass \(maxTokensPerPass)")
        var pieces: [Piece] = []
        for (s, n) in lengths.enumerated() {
            var a = 0
            repeat {
                pieces.append(Piece(sentence: s, tokens: a..<min(a + maxTokensPerPass, n)))
                a += maxTokensPerPass
            } while a < n
        }
        let order = pieces.indices.sorted { pieces[$0].tokens.count < pieces[$1].tokens.count
            || (pieces[$0].tokens.count == pieces[$1].tokens.count && $0 < $1) }
        var batches: [[Int]] = []
        var start = 0
        while start < order.count {
            // ascending lengths: the piece added last is the batch's longest
            var end = start + 1
            while end < order.count && end - start < batchSize
                && (end - start + 1) * pieces[order[end]].tokens.count <= tokenBudget { end += 1 }
            batches.append(Array(order[start..<end]))
            start = end
        }
        self.pieces = pieces
        self.batches = batches
    }

    /// The batches rank `rank` of `worldSize` decodes: batch `b` goes to rank `b mod worldSize`.
    public func batches(rank: Int, worldSize: Int) -> [[Int]] {
        precondition(worldSize >= 1 && rank >= 0 && rank < worldSize, "rank \(rank) of \(worldSize)")
        return Swift.stride(from: rank, to: batches.count, by: worldSize).map { batches[$0] }
    }
}
