/// Each rank's share of a block's decoding in predict's pipeline (`PredictionRun`), in ‰ of the
/// block's padded tokens. Rank 0 formats and writes a block while the other ranks decode the next,
/// and ranks do not decode equally fast (another job on a core, another CPU): so from the last
/// block's timings (d_r seconds per padded token on rank r, f seconds for rank 0 to format and
/// write, T padded tokens) the shares x_r are chosen for every rank to finish together,
///
///     d_0·x_0·T + f = d_r·x_r·T = τ for every r ≥ 1,   Σ x_r = 1,
///     τ = (1 + f / (d_0·T)) / Σ_r 1 / (d_r·T),
///
/// with x_0 = 0 when writing alone outlasts τ (the others then share by speed). Even shares until
/// a block has been timed. Each rank's speed is smoothed over blocks (the mean of its last value and
/// the new one) and held within 10× of the fastest rank's, so one noisy block cannot starve a rank.
/// Only rank 0's values are used (it sends them with each block), and they never change what any
/// batch decodes to.
struct DecodingShares {
    let worldSize: Int
    /// Each rank's share of the next block's padded tokens, in ‰.
    private(set) var permille: [Int]
    private var secondsPerToken: [Double?]
    private var blockCost = 0

    /// The largest ratio of two ranks' speeds the shares follow.
    static let speedRange = 10.0

    init(worldSize: Int) {
        self.worldSize = max(1, worldSize)
        permille = Array(repeating: 1000 / self.worldSize, count: self.worldSize)
        secondsPerToken = Array(repeating: nil, count: self.worldSize)
    }

    /// Rank `rank` decoded `tokens` of a block's `total` padded tokens in `seconds`. Values that
    /// cannot be a measurement (out of range, not finite) are ignored.
    mutating func decoded(rank: Int, tokens: Int, total: Int, seconds: Double) {
        guard (0..<worldSize).contains(rank), total > 0, (1...total).contains(tokens), seconds.isFinite, seconds > 0 else { return }
        blockCost = total
        let d = seconds / Double(tokens)
        secondsPerToken[rank] = secondsPerToken[rank].map { ($0 + d) / 2 } ?? d
    }

    /// Rank 0 formatted and wrote a block in `seconds`: the shares of the next block.
    mutating func wrote(seconds: Double) {
        guard worldSize > 1, blockCost > 0, seconds.isFinite, seconds >= 0,
              let fastest = secondsPerToken.compactMap({ $0 }).min() else { return }
        // a rank not timed yet (it had no batch) counts as fast as the slowest timed one
        let slowest = secondsPerToken.compactMap { $0 }.max()!
        let t = Double(blockCost)
        let cost = secondsPerToken.map { min(max($0 ?? slowest, fastest), fastest * Self.speedRange) * t }
        let f = seconds
        // τ from Σ x = 1 with rank 0 writing first; without rank 0 when its writing outlasts τ
        var tau = (1 + f / cost[0]) / cost.reduce(0) { $0 + 1 / $1 }
        var shares = cost.enumerated().map { r, c in r == 0 ? (tau - f) / c : tau / c }
        if shares[0] <= 0 {
            tau = 1 / cost.dropFirst().reduce(0) { $0 + 1 / $1 }
            shares = cost.enumerated().map { r, c in r == 0 ? 0 : tau / c }
        }
        permille = shares.map { Int((min(max($0, 0), 1) * 1000).rounded(.down)) }
    }
}
