import Collective
import Foundation

/// A fake multi-rank `Communicator` for in-process tests: W threads, one communicator each,
/// meeting in a shared `ThreadGroup`. Every collective is an all-gather of each rank's bytes
/// followed by the reduction in rank order, so results match what MPI computes on small data.
/// (The pattern of llm.c `dev/test/test_dataloader.c`: rank logic tested in one process.)
final class ThreadedCommunicator: Communicator {
    let rank: Int
    let group: ThreadGroup
    private var round = 0
    private var isFinalized = false
    /// Number of `allReduceSum(Float)` calls this rank made (to count buckets).
    private(set) var floatReduceCalls = 0
    /// Number of `startAllReduceSum` calls this rank made.
    private(set) var startedRequests = 0

    init(rank: Int, group: ThreadGroup) {
        self.rank = rank
        self.group = group
    }

    var worldSize: Int { group.worldSize }

    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        floatReduceCalls += 1
        try reduce(buffer, "allReduceSum(Float)") { $0 + $1 }
    }

    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try reduce(buffer, "allReduceSum(Double)") { $0 + $1 }
    }

    /// Nil: threads share no MPI window (callers fall back to `allReduceSum`).
    func makeSharedSum(count: Int) throws -> SharedSum? { nil }

    /// Sums at once (every rank starts the same sums in the same order, so completing each at its
    /// start is one valid schedule of the non-blocking collective).
    func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> CollectiveRequest {
        try reduce(buffer, "startAllReduceSum(Float)") { $0 + $1 }
        defer { startedRequests += 1 }
        return CollectiveRequest(id: startedRequests)
    }

    func progress() throws {
        guard !isFinalized else { throw CollectiveError.finalized(operation: "progress") }
    }

    func wait(_ requests: [CollectiveRequest]) throws {
        guard !isFinalized else { throw CollectiveError.finalized(operation: "wait") }
    }

    /// The sum in rank order, then this rank's slice of it moved to the front.
    func reduceScatterSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        try reduce(buffer, "reduceScatterSum(Float)") { $0 + $1 }
        for (i, j) in shardRange(total: buffer.count, rank: rank, worldSize: worldSize).enumerated() { buffer[i] = buffer[j] }
    }

    /// Every rank's bytes, each taking its own slice.
    func allGather(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        let all = try exchange("allGather(Float) count: \(buffer.count)", Array(UnsafeRawBufferPointer(buffer)))
        for r in 0..<worldSize {
            let contribution = all[r].withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
            for i in shardRange(total: buffer.count, rank: r, worldSize: worldSize) { buffer[i] = contribution[i] }
        }
    }

    func allReduceMax(_ buffer: UnsafeMutableBufferPointer<Double>) throws {
        try reduce(buffer, "allReduceMax(Double)") { Swift.max($0, $1) }
    }

    func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {
        try broadcast(bytes: UnsafeMutableRawBufferPointer(buffer), root: root)
    }

    func broadcast(bytes: UnsafeMutableRawBufferPointer, root: Int) throws {
        guard (0..<worldSize).contains(root) else {
            throw CollectiveError.invalidRoot(operation: "broadcast", root: root, worldSize: worldSize)
        }
        let all = try exchange("broadcast(root: \(root), count: \(bytes.count))", Array(bytes))
        for (i, byte) in all[root].enumerated() { bytes[i] = byte }
    }

    func barrier() throws {
        _ = try exchange("barrier", [])
    }

    func finalize() throws {
        isFinalized = true
    }

    private func reduce<T: Numeric>(_ buffer: UnsafeMutableBufferPointer<T>, _ operation: String,
                                    _ combine: (T, T) -> T) throws {
        let all = try exchange("\(operation) count: \(buffer.count)", Array(UnsafeRawBufferPointer(buffer)))
        let contributions = all.map { bytes in bytes.withUnsafeBytes { Array($0.bindMemory(to: T.self)) } }
        for i in 0..<buffer.count {
            buffer[i] = contributions.dropFirst().reduce(contributions[0][i]) { combine($0, $1[i]) }
        }
    }

    private func exchange(_ operation: String, _ bytes: [UInt8]) throws -> [[UInt8]] {
        guard !isFinalized else { throw CollectiveError.finalized(operation: operation) }
        defer { round += 1 }
        return try group.allGather(rank: rank, round: round, operation: operation, bytes: bytes)
    }
}

/// The meeting point of `ThreadedCommunicator`s: per round, every rank deposits its operation
/// name and bytes, waits until all W have, and reads all of them.
final class ThreadGroup {
    /// Thrown on every rank when the ranks called different collectives in the same round.
    struct Mismatch: Error, CustomStringConvertible {
        let round: Int
        let operations: [String]
        var description: String { "round \(round): ranks called different collectives \(operations)" }
    }

    let worldSize: Int
    private let condition = NSCondition()
    private var deposits: [Int: [(operation: String, bytes: [UInt8])?]] = [:]
    private var reads: [Int: Int] = [:]

    init(worldSize: Int) {
        self.worldSize = worldSize
    }

    func allGather(rank: Int, round: Int, operation: String, bytes: [UInt8]) throws -> [[UInt8]] {
        condition.lock()
        defer { condition.unlock() }
        deposits[round, default: Array(repeating: nil, count: worldSize)][rank] = (operation, bytes)
        condition.broadcast()
        while deposits[round]!.contains(where: { $0 == nil }) { condition.wait() }
        let all = deposits[round]!.map { $0! }
        reads[round, default: 0] += 1
        if reads[round] == worldSize {
            deposits[round] = nil
            reads[round] = nil
        }
        guard Set(all.map(\.operation)).count == 1 else {
            throw Mismatch(round: round, operations: all.map(\.operation))
        }
        return all.map(\.bytes)
    }

    /// Runs `body` on W threads, one communicator each, and returns each rank's result in rank
    /// order, or nil when some rank did not finish within `timeout` seconds (a hang).
    static func run<Result>(worldSize: Int, timeout: TimeInterval = 10,
                            _ body: @escaping (ThreadedCommunicator) throws -> Result) -> [Swift.Result<Result, Error>]? {
        let group = ThreadGroup(worldSize: worldSize)
        let outcomes = Outcomes<Result>(count: worldSize)
        let done = DispatchGroup()
        for rank in 0..<worldSize {
            done.enter()
            Thread {
                let outcome = Swift.Result { try body(ThreadedCommunicator(rank: rank, group: group)) }
                outcomes.lock.lock()
                outcomes.results[rank] = outcome
                outcomes.lock.unlock()
                done.leave()
            }.start()
        }
        guard done.wait(timeout: .now() + timeout) == .success else { return nil }
        outcomes.lock.lock()
        defer { outcomes.lock.unlock() }
        return outcomes.results.compactMap { $0 }
    }
}

/// The threads' results, written under `lock`.
private final class Outcomes<Value> {
    let lock = NSLock()
    var results: [Result<Value, Error>?]
    init(count: Int) { results = Array(repeating: nil, count: count) }
}
