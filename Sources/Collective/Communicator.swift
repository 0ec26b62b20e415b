/// The collective operations data-parallel training needs, over raw float/double buffers (this
/// module knows nothing about tensors). One implementation runs a single process; the MPI one
/// runs one replica per rank.
///
/// Every rank must call the same collectives, with the same element counts and roots, in the same
/// order; a rank that skips one leaves the others waiting. Failures before the first collective are
/// therefore shared with `agreeOnFailure(_:)`, never thrown on one rank alone.
public protocol Communicator: AnyObject {
    /// This process's index in `0..<worldSize`.
    var rank: Int { get }
    /// Number of processes taking part.
    var worldSize: Int { get }
    /// Replaces `buffer` on every rank with the elementwise sum over all ranks:
    /// `buffer[i] = Σ_r buffer_r[i]`.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// A buffer of `count` floats summed in place over shared memory (`SharedSum`) when every rank
    /// runs on one host, else nil (on every rank alike). Collective.
    func makeSharedSum(count: Int) throws -> SharedSum?
    /// A counter at 0 that every rank takes numbers from (`SharedCounter`) when every rank runs
    /// on one host, else nil (on every rank alike; the default). Collective.
    func makeSharedCounter() throws -> SharedCounter?
    /// Replaces `buffer` on every rank with the elementwise sum over all ranks.
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws
    /// Starts replacing `buffer` on every rank with the elementwise sum over all ranks,
    /// `buffer[i] = Σ_r buffer_r[i]`, and returns at once. The buffer must stay allocated and
    /// untouched (neither read nor written) until `wait(_:)` has returned for the request. Every
    /// rank must start the same sums, with the same counts, in the same order.
    func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> CollectiveRequest
    /// Lets started collectives advance without blocking (MPI progresses a non-blocking collective
    /// only inside MPI calls); call it now and then while computing.
    func progress() throws
    /// Every how many microseconds a thread of the communicator's own advances started collectives
    /// while the caller computes, or nil when they advance only inside the caller's calls
    /// (`progress()`, `wait`).
    var progressThreadMicroseconds: Int? { get }
    /// Returns once every one of `requests` has completed; requests already completed by an
    /// earlier `wait` return at once.
    func wait(_ requests: [CollectiveRequest]) throws
    /// Sums `buffer` over all ranks and leaves each rank only its own slice of the sum, at the
    /// front of its buffer (an in-place reduce-scatter): `buffer[i] = Σ_r buffer_r[lo + i]` for
    /// `i < hi − lo`, where `lo..<hi = shardRange(total: buffer.count, rank: rank, worldSize:
    /// worldSize)`; the rest of `buffer` is unspecified afterwards. No second buffer is needed.
    /// Every rank passes a buffer of the same length.
    func reduceScatterSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// Gathers the slices in place (an all-gather): on every rank, slice
    /// `shardRange(total: buffer.count, rank: r, worldSize: worldSize)` of `buffer` becomes rank r's
    /// slice, for every r. Every rank passes a buffer of the same length.
    func allGather(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces `buffer` on every rank with the elementwise maximum over all ranks:
    /// `buffer[i] = max_r buffer_r[i]`.
    func allReduceMax(_ buffer: UnsafeMutableBufferPointer<Double>) throws
    /// Copies rank `root`'s `buffer` into every other rank's (same count on every rank).
    /// Throws `CollectiveError` when `root` is not in `0..<worldSize`.
    func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws
    /// Copies rank `root`'s bytes into every other rank's (same length on every rank).
    /// Throws `CollectiveError` when `root` is not in `0..<worldSize`.
    func broadcast(bytes: UnsafeMutableRawBufferPointer, root: Int) throws
    /// Returns once every rank has called it.
    func barrier() throws
    /// Ends the communicator (collective: every rank calls it once, at exit). Later collectives
    /// throw `CollectiveError.finalized`; calling it again does nothing.
    func finalize() throws
}

extension Communicator {
    /// Nil: no shared memory (one process, or ranks that are not MPI processes).
    public func makeSharedCounter() throws -> SharedCounter? { nil }

    /// Nil: started collectives advance inside the caller's calls (a communicator without a
    /// progress thread of its own).
    public var progressThreadMicroseconds: Int? { nil }

    /// True on the rank that prints and writes shared files.
    public var isRoot: Bool { rank == 0 }

    /// Sums `values` over all ranks: `out[i] = Σ_r values_r[i]`.
    public func sum(_ values: [Double]) throws -> [Double] {
        var v = values
        try v.withUnsafeMutableBufferPointer { try allReduceSum($0) }
        return v
    }

    /// Every rank learns whether any rank failed, and which message the lowest failing rank had,
    /// so all ranks stop together instead of some waiting forever in the next collective.
    /// Returns nil when every rank succeeded. Collective: every rank calls it, failed or not.
    public func agreeOnFailure(_ localMessage: String?) throws -> (rank: Int, message: String)? {
        // lowest failing rank = −max_r(−r) over failing ranks; a rank that succeeded offers worldSize
        var flag = [-Double(localMessage == nil ? worldSize : rank)]
        try flag.withUnsafeMutableBufferPointer { try allReduceMax($0) }
        let failing = Int(-flag[0])
        guard failing < worldSize else { return nil }
        // that rank broadcasts its message
        let bytes = try broadcast(message: rank == failing ? Array((localMessage ?? "").utf8) : [], root: failing)
        return (failing, String(decoding: bytes, as: UTF8.self))
    }

    /// Every rank learns whether every rank holds what rank 0 holds (`local`: e.g. a model's
    /// checksum and the command's arguments, which mpirun's MPMD form `-np 1 A : -np 1 B` can make
    /// differ): nil when they all do, else the lowest differing rank and a message naming `what`
    /// and both values. Collective, and `agreeOnFailure`'s order: ranks stop together.
    public func disagreementWithRoot(_ local: String, about what: String) throws -> (rank: Int, message: String)? {
        try disagreementWithRoot(local) { root in "\(what) differs from rank 0's (rank \(rank): \(local); rank 0: \(root))" }
    }

    /// `disagreementWithRoot(_:about:)` with the message of a differing rank made by `message`
    /// from rank 0's value.
    public func disagreementWithRoot(_ local: String, message: (String) -> String) throws -> (rank: Int, message: String)? {
        let bytes = try broadcast(message: Array(local.utf8), root: 0, limit: 1 << 16)
        let root = String(decoding: bytes, as: UTF8.self)
        return try agreeOnFailure(root == local ? nil : message(root))
    }

    /// Rank `root`'s `message` on every rank (what other ranks pass is ignored): the length goes
    /// first as a UInt64, then the bytes, so the receivers need not know it. Collective. Every rank
    /// throws `CollectiveError.messageTooLong` when the root's message is longer than `limit` bytes
    /// (64 MiB unless told), before anything is allocated for it.
    public func broadcast(message: [UInt8], root: Int, limit: Int = 1 << 26) throws -> [UInt8] {
        var length = UInt64(rank == root ? message.count : 0)
        try withUnsafeMutableBytes(of: &length) { try broadcast(bytes: $0, root: root) }
        guard length <= UInt64(max(limit, 0)) else {
            throw CollectiveError.messageTooLong(root: root, count: length, limit: limit)
        }
        var bytes = rank == root ? message : [UInt8](repeating: 0, count: Int(length))
        try bytes.withUnsafeMutableBytes { try broadcast(bytes: $0, root: root) }
        return bytes
    }
}

/// The communicator of a run without MPI: one rank, every collective is the identity.
public final class SingleProcessCommunicator: Communicator {
    private var isFinalized = false
    private var startedRequests = 0

    /// A communicator with `rank == 0` and `worldSize == 1`.
    public init() {}
    /// Always 0.
    public var rank: Int { 0 }
    /// Always 1.
    public var worldSize: Int { 1 }
    /// The identity (the sum over one rank).
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        try checkOpen("allReduceSum")
    }
    /// Nil: one rank sums nothing.
    public func makeSharedSum(count: Int) throws -> SharedSum? {
        try checkOpen("makeSharedSum")
        return nil
    }
    /// The identity (the sum over one rank).
    public func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try checkOpen("allReduceSum")
    }
    /// The identity (the sum over one rank), complete at once.
    public func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> CollectiveRequest {
        try checkOpen("startAllReduceSum")
        defer { startedRequests += 1 }
        return CollectiveRequest(id: startedRequests)
    }
    /// Nothing to advance.
    public func progress() throws {
        try checkOpen("progress")
    }
    /// Returns at once: every request is complete when started.
    public func wait(_ requests: [CollectiveRequest]) throws {
        try checkOpen("wait")
    }
    /// The identity (the one rank's slice is the whole buffer, the sum over one rank).
    public func reduceScatterSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        try checkOpen("reduceScatterSum")
    }
    /// The identity (one rank holds every slice).
    public func allGather(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        try checkOpen("allGather")
    }
    /// The identity (the maximum over one rank).
    public func allReduceMax(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try checkOpen("allReduceMax")
    }
    /// The identity; throws `CollectiveError.invalidRoot` unless `root == 0`.
    public func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        try checkOpen("broadcast", root: root)
    }
    /// The identity; throws `CollectiveError.invalidRoot` unless `root == 0`.
    public func broadcast(bytes: UnsafeMutableRawBufferPointer, root: Int) throws {
        try checkOpen("broadcast(bytes:)", root: root)
    }
    /// Returns at once.
    public func barrier() throws {
        try checkOpen("barrier")
    }
    /// Marks the communicator finished; later collectives throw `CollectiveError.finalized`.
    public func finalize() throws {
        isFinalized = true
    }

    private func checkOpen(_ operation: String, root: Int = 0) throws {
        guard !isFinalized else { throw CollectiveError.finalized(operation: operation) }
        guard root == 0 else { throw CollectiveError.invalidRoot(operation: operation, root: root, worldSize: 1) }
    }
}
