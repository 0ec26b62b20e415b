import Foundation
extension Communicator {
    /// Every rank's `value`, in rank order, on every rank: `out[r] = value_r`. Collective (one
    /// all-reduce of `worldSize` doubles), for small per-rank figures such as peak memory.
    public func gather(_ value: Double) throws -> [Double] {
        var slots = [Double](repeating: 0, count: worldSize)
        slots[rank] = value
        try slots.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        return slots
    }

    /// How many distinct machines the ranks run on, by host name (each emulated host of
    /// `launch/emulated-cluster.sh` has its own). Collective (one `gather`).
    public func hostCount() throws -> Int {
        Set(try gather(Double(Self.hostID()))).count
    }

    /// This machine's host name as a number below 2^52 (exact in a Double, for `gather`): FNV-1a.
    static func hostID() -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var name = [CChar](repeating: 0, count: 256)
        let length = gethostname(&name, name.count - 1) == 0 ? (name.firstIndex(of: 0) ?? 0) : 0
        for byte in name[..<length] { hash = (hash ^ UInt64(UInt8(bitPattern: byte))) &* 0x100_0000_01b3 }
        return hash & ((1 << 52) - 1)
    }
}
