extension Communicator {
    /// Every rank's `value`, in rank order, on every rank: `out[r] = value_r`. Collective (one
    /// all-reduce of `worldSize` doubles), for small per-rank figures such as peak memory.
    public func gather(_ value: Double) throws -> [Double] {
        var slots = [Double](repeating: 0, count: worldSize)
        slots[rank] = value
        try slots.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        return slots
    }
}
