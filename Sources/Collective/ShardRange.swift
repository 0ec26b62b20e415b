/// The contiguous slice of `0..<total` that rank `rank` of `worldSize` owns: the first
/// `total % worldSize` ranks hold `total / worldSize + 1` elements, the others `total / worldSize`,
/// in rank order, so the slices of all ranks tile `0..<total` without gap or overlap.
///
/// Rank r's slice of the flat parameters: the parameters a sharded optimizer update (ZeRO-1,
/// `training.sharded_update`) updates and keeps optimizer state for, and what its checkpoint shard
/// holds of the parameters and of each optimizer buffer. Pure, so every rank's range can be
/// computed (and tested) anywhere. Requires `total ≥ 0` and `0 ≤ rank < worldSize`.
public func shardRange(total: Int, rank: Int, worldSize: Int) -> Range<Int> {
    precondition(total >= 0 && worldSize >= 1 && rank >= 0 && rank < worldSize,
                 "shardRange: total \(total), rank \(rank), worldSize \(worldSize)")
    let base = total / worldSize, extra = total % worldSize
    // lo = r·base + min(r, extra); no product larger than total is formed
    let lo = rank * base + min(rank, extra)
    return lo..<(lo + base + (rank < extra ? 1 : 0))
}
