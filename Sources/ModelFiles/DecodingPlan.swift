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

    /// What decoding `batch` costs: its pieces × its longest piece's tokens (at least 1 each).
    public func cost(of batch: [Int]) -> Int {
        batch.count * max(1, batch.map { pieces[$0].tokens.count }.max() ?? 0)
    }

    /// The cost of every batch.
    public var totalCost: Int { batches.reduce(0) { $0 + cost(of: $1) } }

    /// The batches rank `rank` of `worldSize` decodes when rank 0 takes about `rootPermille` ‰ of
    /// the padded tokens (`cost(of:)`) and the other ranks share the rest evenly (the default: an
    /// even split). Each batch in turn goes to the rank whose load with it is the smallest against
    /// its target, ties to the lower rank; integer arithmetic over lengths and `rootPermille`
    /// alone, so every rank computes the same split.
    public func batches(rank: Int, worldSize: Int, rootPermille: Int? = nil) -> [[Int]] {
        precondition(worldSize >= 1 && rank >= 0 && rank < worldSize, "rank \(rank) of \(worldSize)")
        let permille = rootPermille ?? 1000 / worldSize
        precondition((0...1000).contains(permille), "rank 0's share \(permille) ‰")
        guard worldSize > 1 else { return batches }
        // targets in proportion: rank 0 permille/1000, every other (1000 − permille)/(1000·(W − 1))
        let weights = [permille * (worldSize - 1)] + Array(repeating: 1000 - permille, count: worldSize - 1)
        var loads = Array(repeating: 0, count: worldSize)
        var mine: [[Int]] = []
        for batch in batches {
            let c = cost(of: batch)
            var best = -1
            for r in 0..<worldSize where weights[r] > 0 {
                // (loads[r] + c) / weights[r] < (loads[best] + c) / weights[best]
                if best < 0 || (loads[r] + c) * weights[best] < (loads[best] + c) * weights[r] { best = r }
            }
            loads[best] += c
            if best == rank { mine.append(batch) }
        }
        return mine
    }
}
