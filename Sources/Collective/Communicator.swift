/// The collective operations data-parallel training needs, over raw float/double buffers (this
/// module knows nothing about tensors). One implementation runs a single process; the MPI one
/// runs one replica per rank.
public protocol Communicator: AnyObject {
    /// This process's index in `0..<worldSize`.
    var rank: Int { get }
    /// Number of processes taking part.
    var worldSize: Int { get }
    /// Replaces `buffer` on every rank with the elementwise sum over all ranks.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces `buffer` on every rank with the elementwise sum over all ranks.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws
    /// Replaces `buffer` on every rank with the elementwise maximum over all ranks.
    func allReduceMax(_ buffer: UnsafeMutableBufferPointer<Double>) throws
    /// Copies rank `root`'s `buffer` into every other rank's.
    func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws
    /// Copies rank `root`'s bytes into every other rank's (same length on every rank).
    func broadcast(bytes: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Returns once every rank has called it.
    func barrier() throws
}

extension Communicator {
    /// True on the rank that prints and writes shared files.
    public var isRoot: Bool { rank == 0 }

    /// Sums `values` over all ranks.
    public func sum(_ values: [Double]) throws -> [Double] {
        var v = values
        try v.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        return v
    }

    /// Every rank learns whether any rank failed, and which message the lowest failing rank had,
    /// so all ranks stop together instead of some waiting forever in the next collective.
    /// Returns nil when every rank succeeded.
    public func agreeOnFailure(_ localMessage: String?) throws -> (rank: Int, message: String)? {
        // the lowest failing rank (worldSize when none) ...
        var flag = [Double(localMessage == nil ? worldSize : rank)]
        flag[0] = -flag[0]
        try flag.withUnsafeMutableBufferPointer { try allReduceMax($0) }
        let failing = Int(-flag[0])
        guard failing < worldSize else { return nil }
        // ... broadcasts its message (length first, then bytes)
        var length = [Float(localMessage?.utf8.count ?? 0)]
        try length.withUnsafeMutableBufferPointer { try broadcast($0, root: failing) }
        var bytes = [UInt8](repeating: 0, count: Int(length[0]))
        if rank == failing, let m = localMessage { bytes = Array(m.utf8) }
        try bytes.withUnsafeMutableBytes { try broadcast(bytes: $0, root: failing) }
        return (failing, String(decoding: bytes, as: UTF8.self))
    }
}

/// The communicator of a run without MPI: one rank, every collective is the identity.
public final class SingleProcessCommunicator: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var worldSize: Int { 1 }
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {}
    public func allReduceMax(_ buffer: UnsafeMutableBufferPointer<Double>) throws {}
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {}
    public func broadcast(bytes: UnsafeMutableRawBufferPointer, root: Int) throws {}
    public func barrier() throws {}
}
