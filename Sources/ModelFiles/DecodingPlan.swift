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

    /// The batches' indices costliest first (`cost(of:)`; ties in plan order): the order they are
    /// dealt to the ranks in, by `batches(rank:worldSize:permille:)` or as each rank becomes free
    /// (`PredictionRun` over a `SharedCounter`), so the batches left last are the cheapest.
    public var dealingOrder: [Int] {
        let costs = batches.map(cost(of:))
        return batches.indices.sorted { costs[$0] > costs[$1] || (costs[$0] == costs[$1] && $0 < $1) }
    }

    /// The batches rank `rank` of `worldSize` decodes when rank r takes about `permille[r]` ‰ of
    /// the padded tokens (`cost(of:)`; the default, or shares that are all 0, an even split), in
    /// plan order. The batches are dealt costliest first (ties in plan order), each
    /// to the rank whose load with it is the smallest against its target, ties to the lower rank:
    /// so the loads end within the cheapest batches of their targets, where dealing in plan order
    /// (ascending lengths) left the costliest batch last and a rank up to a whole batch (6 % of a
    /// rank's share of a block) behind the other. Integer arithmetic over lengths and `rootPermille`
    /// alone, so every rank computes the same split; which rank decodes a batch never changes it.
    public func batches(rank: Int, worldSize: Int, permille: [Int]? = nil) -> [[Int]] {
        precondition(worldSize >= 1 && rank >= 0 && rank < worldSize, "rank \(rank) of \(worldSize)")
        precondition(permille == nil || (permille!.count == worldSize && permille!.allSatisfy { (0...1000).contains($0) }),
                     "shares \(permille!) ‰ for \(worldSize) ranks")
        guard worldSize > 1 else { return batches }
        // targets in proportion to the shares
        let weights = permille.flatMap { $0.contains { $0 > 0 } ? $0 : nil } ?? Array(repeating: 1, count: worldSize)
        let costs = batches.map(cost(of:))
        var loads = Array(repeating: 0, count: worldSize)
        var mine: [Int] = []
        for b in dealingOrder {
            let c = costs[b]
            var best = -1
            for r in 0..<worldSize where weights[r] > 0 {
                // (loads[r] + c) / weights[r] < (loads[best] + c) / weights[best]
                if best < 0 || (loads[r] + c) * weights[best] < (loads[best] + c) * weights[r] { best = r }
            }
            loads[best] += c
            if best == rank { mine.append(b) }
        }
        return mine.sorted().map { batches[$0] }
    }
}
