import Collective
import Foundation

/// The outcome of one collective check on one rank.
struct CollectiveCheckResult {
    /// Short snake_case name, e.g. `allreduce_sum_float`.
    let name: String
    /// Whether this rank saw the expected result.
    let ok: Bool
    /// What went wrong (expected vs found), or a note on what was observed.
    let detail: String?

    /// `{"name": ..., "ok": ..., "detail": ...}` for the JSON report.
    var json: [String: Any] {
        var object: [String: Any] = ["name": name, "ok": ok]
        if let detail { object["detail"] = detail }
        return object
    }
}

/// Runs every collective of `Communicator` on known per-rank data (rank r of W contributes values
/// computed from r) and compares each rank's result with the closed form. All ranks run the same
/// checks in the same order, so a failing comparison never desynchronises the collectives.
struct CollectiveChecks {
    let communicator: any Communicator

    private var r: Int { communicator.rank }
    private var w: Int { communicator.worldSize }

    /// Every check, in a fixed order; throws only when a collective itself fails.
    func run() throws -> [CollectiveCheckResult] {
        var results = [try distinctRanks(), try allReduceSumFloat(), try allReduceSumLarge(),
                       try allReduceSumDouble(),
                       try allReduceMaxDouble(), try broadcastFloat(), try broadcastBytes(),
                       try broadcastEmpty(), try invalidRootThrows()]
        results.append(try barrier())
        for bucket in [1, 3, 4, 10, 64] { results.append(try bucketedSum(bucketElements: bucket)) }
        for n in [0, 1, 7, 64] { results.append(try reduceScatterSum(count: n)) }
        for n in [0, 1, 7, 64] { results.append(try allGather(count: n)) }
        results.append(try nonBlockingSums())
        results.append(try backgroundProgress())
        results.append(try overlappedSum())
        for n in [7, 1000] { results.append(try sharedSum(count: n)) }
        results.append(try sharedCounter())
        results += [try mean(), try sumHelper(), try agreeOnSuccess(), try agreeOnLowestFailingRank(),
                    try agreeOnEmptyMessage()]
        return results
    }

    // one-hot[r] summed over ranks = all ones iff the ranks are 0..<W, each once
    private func distinctRanks() throws -> CollectiveCheckResult {
        guard r >= 0, r < w else { return fail("ranks", "rank \(r) outside 0..<\(w)") }
        var oneHot = [Float](repeating: 0, count: w)
        oneHot[r] = 1
        try oneHot.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
        return compare("ranks", oneHot, [Float](repeating: 1, count: w))
    }

    // x_r[i] = (r+1)(i+1)  ⇒  Σ_r x_r[i] = W(W+1)/2 · (i+1)
    private func allReduceSumFloat() throws -> CollectiveCheckResult {
        var x = (0..<7).map { Float((r + 1) * ($0 + 1)) }
        try x.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
        return compare("allreduce_sum_float", x, (0..<7).map { Float(w * (w + 1) / 2 * ($0 + 1)) })
    }

    // 4 MiB per rank in four 1 MiB buckets, past the eager limit, so shared-memory transfers take the
    // large-message path (CMA single-copy unless disabled): x_r[i] = (r+1)(i mod 1000)  ⇒  W(W+1)/2 · (i mod 1000)
    private func allReduceSumLarge() throws -> CollectiveCheckResult {
        let n = 1 << 20
        var x = ramp(n)
        let buckets = try GradientBuckets(parameters: layout([Int](repeating: n / 4, count: 4)), bucketElements: 300_000)
        try x.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0, buckets: buckets) }
        guard let mismatch = rampSumMismatch(x) else { return pass("allreduce_sum_large") }
        return fail("allreduce_sum_large", mismatch)
    }

    // x_r[i] = (r+1)(i+1)  ⇒  at the front, rank r's slice [lo, hi) of the sum: W(W+1)/2 · (i+1) for
    // i in [lo, hi); n < W leaves some ranks an empty slice, n = 7 uneven ones
    private func reduceScatterSum(count n: Int) throws -> CollectiveCheckResult {
        var x = (0..<n).map { Float((r + 1) * ($0 + 1)) }
        let mine = shardRange(total: n, rank: r, worldSize: w)
        try x.withUnsafeMutableBufferPointer { try communicator.reduceScatterSum($0) }
        return compare("reduce_scatter_sum_\(n)", Array(x[0..<mine.count]), mine.map { Float(w * (w + 1) / 2 * ($0 + 1)) })
    }

    // rank r fills its slice with 100r + i and NaN elsewhere  ⇒  after the all-gather element i holds
    // 100·owner(i) + i everywhere
    private func allGather(count n: Int) throws -> CollectiveCheckResult {
        let owner = (0..<w).flatMap { q in shardRange(total: n, rank: q, worldSize: w).map { _ in q } }
        var x = (0..<n).map { owner[$0] == r ? Float(100 * r + $0) : .nan }
        try x.withUnsafeMutableBufferPointer { try communicator.allGather($0) }
        return compare("allgather_\(n)", x, (0..<n).map { Float(100 * owner[$0] + $0) })
    }

    // x_r[i] = (r+1)/2 + i  ⇒  Σ_r x_r[i] = W(W+1)/4 + W·i
    private func allReduceSumDouble() throws -> CollectiveCheckResult {
        var x = (0..<5).map { Double(r + 1) / 2 + Double($0) }
        try x.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
        return compare("allreduce_sum_double", x.map(Float.init),
                       (0..<5).map { Float(Double(w * (w + 1)) / 4 + Double(w * $0)) })
    }

    // x_r[i] = 10·((r+i) mod W) − i  ⇒  max_r x_r[i] = 10(W−1) − i (a different rank wins each i)
    private func allReduceMaxDouble() throws -> CollectiveCheckResult {
        var x = (0..<6).map { Double(10 * ((r + $0) % w) - $0) }
        try x.withUnsafeMutableBufferPointer { try communicator.allReduceMax($0) }
        return compare("allreduce_max_double", x.map(Float.init), (0..<6).map { Float(10 * (w - 1) - $0) })
    }

    // root W−1 holds 100·root + i, the others −1  ⇒  everyone 100·(W−1) + i
    private func broadcastFloat() throws -> CollectiveCheckResult {
        let root = w - 1
        var x = (0..<5).map { r == root ? Float(100 * root + $0) : -1 }
        try x.withUnsafeMutableBufferPointer { try communicator.broadcast($0, root: root) }
        return compare("broadcast_float", x, (0..<5).map { Float(100 * root + $0) })
    }

    // root W/2 holds "root R says hello", the others zeros
    private func broadcastBytes() throws -> CollectiveCheckResult {
        let root = w / 2
        let expected = Array("root \(root) says hello ✓".utf8)
        var bytes = r == root ? expected : [UInt8](repeating: 0, count: expected.count)
        try bytes.withUnsafeMutableBytes { try communicator.broadcast(bytes: $0, root: root) }
        return bytes == expected
            ? pass("broadcast_bytes")
            : fail("broadcast_bytes", "expected \(expected), found \(bytes)")
    }

    private func broadcastEmpty() throws -> CollectiveCheckResult {
        var bytes: [UInt8] = []
        try bytes.withUnsafeMutableBytes { try communicator.broadcast(bytes: $0, root: 0) }
        return pass("broadcast_empty")
    }

    // root = W is no rank: the communicator must throw a CollectiveError (MPI: from the returned
    // code, which needs MPI_ERRORS_RETURN) and stay usable; the following checks show it does.
    private func invalidRootThrows() throws -> CollectiveCheckResult {
        var x: [Float] = [1]
        do {
            try x.withUnsafeMutableBufferPointer { try communicator.broadcast($0, root: w) }
            return fail("invalid_root_throws", "broadcast with root \(w) returned normally")
        } catch let error as CollectiveError {
            return CollectiveCheckResult(name: "invalid_root_throws", ok: true, detail: error.description)
        }
    }

    private func barrier() throws -> CollectiveCheckResult {
        try communicator.barrier()
        return pass("barrier")
    }

    // x_r[i] = (r+1)(i+1), n = 10 as parameters of 1, 2, 3 and 4 floats, in buckets of at most
    // `bucketElements`  ⇒  W(W+1)/2 · (i+1)
    private func bucketedSum(bucketElements: Int) throws -> CollectiveCheckResult {
        var x = (0..<10).map { Float((r + 1) * ($0 + 1)) }
        let buckets = try GradientBuckets(parameters: layout([1, 2, 3, 4]), bucketElements: bucketElements)
        try x.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0, buckets: buckets) }
        return compare("allreduce_sum_bucketed_\(bucketElements)", x,
                       (0..<10).map { Float(w * (w + 1) / 2 * ($0 + 1)) })
    }

    // the same sum overlapped: parameters of 1, 2, 3 and 4 floats in buckets of ≤ 3, reported
    // ready in a different order on odd and even ranks  ⇒  W(W+1)/2 · (i+1)
    private func overlappedSum() throws -> CollectiveCheckResult {
        var x = (0..<10).map { Float((r + 1) * ($0 + 1)) }
        let parameters = layout([1, 2, 3, 4])
        let buckets = try GradientBuckets(parameters: parameters, bucketElements: 3)
        try x.withUnsafeMutableBufferPointer { g in
            let reduce = OverlappedGradientReduce(buckets: buckets, communicator: communicator, gradients: g)
            for p in r % 2 == 0 ? parameters : parameters.reversed() { try reduce.parameterReady(p) }
            try reduce.finish()
        }
        return compare("overlapped_sum_bucketed", x, (0..<10).map { Float(w * (w + 1) / 2 * ($0 + 1)) })
    }

    // three sums in flight at once, driven by progress(), waited for out of order (one twice):
    // small x_r[i] = (r+1)(i+1), large (4 MiB) y_r[i] = (r+1)(i mod 1000), and an empty one
    private func nonBlockingSums() throws -> CollectiveCheckResult {
        let n = 1 << 20
        var x = (0..<7).map { Float((r + 1) * ($0 + 1)) }
        var y = ramp(n)
        var empty: [Float] = []
        let small = try x.withUnsafeMutableBufferPointer { try communicator.startAllReduceSum($0) }
        let large = try y.withUnsafeMutableBufferPointer { try communicator.startAllReduceSum($0) }
        let none = try empty.withUnsafeMutableBufferPointer { try communicator.startAllReduceSum($0) }
        for _ in 0..<3 { try communicator.progress() }
        try communicator.wait([large, none])
        try communicator.wait([small, large])
        let w2 = Float(w * (w + 1) / 2)
        guard x == (0..<7).map({ w2 * Float($0 + 1) }) else {
            return fail("iallreduce_sum", "small: expected \((0..<7).map { w2 * Float($0 + 1) }), found \(x)")
        }
        guard let mismatch = rampSumMismatch(y) else { return pass("iallreduce_sum") }
        return fail("iallreduce_sum", "large: " + mismatch)
    }

    // a 4 MiB sum y_r[i] = (r+1)(i mod 1000) started, then 50 ms without an MPI call on this
    // thread: the progress thread (when it runs) tests it meanwhile; when it does not, nothing
    // does. Either way the sum is W(W+1)/2 · (i mod 1000) once waited for.
    private func backgroundProgress() throws -> CollectiveCheckResult {
        let name = "background_progress"
        guard let mpi = communicator as? MPICommunicator else { return pass(name, "one process: every sum is complete when started") }
        let n = 1 << 20
        var y = ramp(n)
        let before = mpi.backgroundTests
        let request = try y.withUnsafeMutableBufferPointer { try communicator.startAllReduceSum($0) }
        Thread.sleep(forTimeInterval: 0.05)
        let tests = mpi.backgroundTests - before
        try communicator.wait([request])
        if let mismatch = rampSumMismatch(y) { return fail(name, mismatch) }
        guard let interval = mpi.progressThreadMicroseconds else {
            return tests == 0 ? pass(name, "progress thread off: 0 background tests")
                : fail(name, "progress thread off, yet \(tests) background tests")
        }
        return tests > 0 ? pass(name, "progress thread every \(interval) µs: \(tests) background tests in 50 ms")
            : fail(name, "progress thread every \(interval) µs made no test in 50 ms")
    }

    // x_r[i] = 2r + i  ⇒  mean_r x_r[i] = (W−1) + i (1/W is inexact for W = 3: tolerance)
    // the gradient sum over shared memory (every rank of a test runs on this host): made zero, then
    // x_r[i] = (r+1)(i+1) sums to W(W+1)/2 · (i+1) on every rank; summed again from x_r[i] = r − i,
    // W(W−1)/2 − W·i (the buffer is reused step after step)
    private func sharedSum(count n: Int) throws -> CollectiveCheckResult {
        let name = "shared_sum_\(n)"
        guard let shared = try communicator.makeSharedSum(count: n) else {
            return w == 1 ? pass(name) : fail(name, "no shared buffer for \(w) ranks on one host")
        }
        let buffer = shared.buffer
        guard buffer.count == n, buffer.allSatisfy({ $0 == 0 }) else { return fail(name, "the buffer is not \(n) zeros") }
        for i in 0..<n { buffer[i] = Float((r + 1) * (i + 1)) }
        try shared.sum()
        let first = compare(name, Array(buffer), (0..<n).map { Float(w * (w + 1) / 2 * ($0 + 1)) })
        for i in 0..<n { buffer[i] = Float(r - i) }
        try shared.sum()
        let second = compare(name, Array(buffer), (0..<n).map { Float(w * (w - 1) / 2 - w * $0) })
        return first.ok ? second : first
    }

    // the counter in shared memory: the ranks take numbers at once until one is ≥ n; every number
    // below n is taken by exactly one rank (a sum of each rank's marks is 1 everywhere), and the W
    // numbers past the end are n ..< n+W; after a reset by rank 0 (between barriers) the same again
    private func sharedCounter() throws -> CollectiveCheckResult {
        let name = "shared_counter"
        guard let counter = try communicator.makeSharedCounter() else {
            return w == 1 ? pass(name) : fail(name, "no shared counter for \(w) ranks on one host")
        }
        for n in [20_000, 3] {
            var marks = [Float](repeating: 0, count: n + w)
            while case let i = try counter.next(), i < n + w {
                guard i >= 0 else { return fail(name, "took \(i)") }
                marks[i] += 1
                if i >= n { break }
            }
            try marks.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
            if let i = marks.indices.first(where: { marks[$0] != 1 }) {
                return fail(name, "counting to \(n): \(i) was taken \(Int(marks[i])) times, not once")
            }
            try communicator.barrier()
            if r == 0 { try counter.reset() }
            try communicator.barrier()
        }
        return pass(name)
    }

    private func mean() throws -> CollectiveCheckResult {
        var x = (0..<6).map { Float(2 * r + $0) }
        let buckets = try GradientBuckets(parameters: layout([2, 4]), bucketElements: 4)
        try x.withUnsafeMutableBufferPointer { try communicator.allReduceMean($0, buckets: buckets) }
        return compare("allreduce_mean", x, (0..<6).map { Float(w - 1 + $0) }, tolerance: 1e-5)
    }

    private func sumHelper() throws -> CollectiveCheckResult {
        let s = try communicator.sum([Double(r), 1])
        return compare("sum_helper", s.map(Float.init), [Float(w * (w - 1) / 2), Float(w)])
    }

    private func agreeOnSuccess() throws -> CollectiveCheckResult {
        let agreed = try communicator.agreeOnFailure(nil)
        return agreed == nil
            ? pass("agree_on_success")
            : fail("agree_on_success", "found failure \(String(describing: agreed))")
    }

    // odd ranks and the last rank fail  ⇒  everyone agrees on the lowest: 1 (0 when W = 1)
    private func agreeOnLowestFailingRank() throws -> CollectiveCheckResult {
        let message = { (rank: Int) in "check failure from rank \(rank) ✗" }
        let failing = r % 2 == 1 || r == w - 1
        let agreed = try communicator.agreeOnFailure(failing ? message(r) : nil)
        let lowest = w == 1 ? 0 : 1
        guard let agreed, agreed.rank == lowest, agreed.message == message(lowest) else {
            return fail("agree_on_lowest_failing_rank",
                        "expected rank \(lowest) '\(message(lowest))', found \(String(describing: agreed))")
        }
        return pass("agree_on_lowest_failing_rank")
    }

    private func agreeOnEmptyMessage() throws -> CollectiveCheckResult {
        let agreed = try communicator.agreeOnFailure(r == w - 1 ? "" : nil)
        guard let agreed, agreed.rank == w - 1, agreed.message.isEmpty else {
            return fail("agree_on_empty_message", "expected rank \(w - 1) with '', found \(String(describing: agreed))")
        }
        return pass("agree_on_empty_message")
    }

    /// Consecutive ranges of `sizes` floats from 0: a flat buffer's parameter layout.
    private func layout(_ sizes: [Int]) -> [Range<Int>] {
        var start = 0
        return sizes.map { n in defer { start += n }; return start ..< start + n }
    }

    private func compare(_ name: String, _ found: [Float], _ expected: [Float],
                         tolerance: Float = 0) -> CollectiveCheckResult {
        let close = found.count == expected.count
            && zip(found, expected).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
        return close ? pass(name) : fail(name, "expected \(expected), found \(found)")
    }

    /// Rank r's large buffer: x_r[i] = (r+1)(i mod 1000), 4 bytes each.
    private func ramp(_ n: Int) -> [Float] { (0..<n).map { Float((r + 1) * ($0 % 1000)) } }

    /// Where `x` differs from the ramp's sum over ranks, W(W+1)/2 · (i mod 1000), or nil.
    private func rampSumMismatch(_ x: [Float]) -> String? {
        let w2 = Float(w * (w + 1) / 2)
        guard let i = x.indices.first(where: { x[$0] != w2 * Float($0 % 1000) }) else { return nil }
        return "element \(i) of \(x.count): expected \(w2 * Float(i % 1000)), found \(x[i])"
    }

    private func pass(_ name: String, _ note: String? = nil) -> CollectiveCheckResult {
        CollectiveCheckResult(name: name, ok: true, detail: note)
    }

    private func fail(_ name: String, _ detail: String) -> CollectiveCheckResult {
        CollectiveCheckResult(name: name, ok: false, detail: "rank \(r): \(detail)")
    }
}
