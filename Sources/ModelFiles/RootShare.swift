/// Rank 0's share of each block's decoding in predict's pipeline (`PredictionRun`): rank 0 formats
/// and writes a block while the other ranks decode the next, so it takes fewer of the next block's
/// padded tokens. From the last block's timings on rank 0 (d seconds per padded token decoded, f
/// seconds to format and write a block, T padded tokens in a block) and W ranks, rank 0 finishes
/// with the others when d·s·T + f = d·(1 − s)·T/(W − 1), that is
///
///     s = (1 − (W − 1)·f / (d·T)) / W,   kept within [0, 1/W];
///
/// an even 1/W until a block has been timed. Only rank 0's value is used (it sends it with each
/// block), and it never changes what any batch decodes to.
struct RootShare {
    let worldSize: Int
    /// Rank 0's share of the next block's padded tokens, in ‰.
    private(set) var permille: Int
    private var secondsPerToken: Double?
    private var blockCost = 0

    init(worldSize: Int) {
        self.worldSize = max(1, worldSize)
        permille = 1000 / self.worldSize
    }

    /// This rank decoded `tokens` of a block's `total` padded tokens in `seconds`.
    mutating func decoded(tokens: Int, total: Int, seconds: Double) {
        blockCost = total
        if tokens > 0 && seconds > 0 { secondsPerToken = seconds / Double(tokens) }
    }

    /// Rank 0 formatted and wrote a block in `seconds`.
    mutating func wrote(seconds: Double) {
        guard worldSize > 1, let d = secondsPerToken, blockCost > 0, seconds >= 0 else { return }
        let w = Double(worldSize)
        let s = (1 - (w - 1) * seconds / (d * Double(blockCost))) / w
        permille = Int((min(max(s, 0), 1 / w) * 1000).rounded(.down))
    }
}
