import Collective
import XCTest

/// The one bucket plan of the gradient all-reduce, the order in which `OverlappedGradientReduce`
/// starts the buckets' sums as parameters become ready, and both sums (blocking and overlapped)
/// following the plan to the single-call sum.
final class GradientBucketsTests: XCTestCase {
    /// Parameters of 10, 3, 4, 20, 2 and 5 floats, laid out as a `ParameterStore` does.
    let parameters = layout([10, 3, 4, 20, 2, 5])

    func testBucketsAreWholeParametersFromTheEnd() throws {
        // from the end: 5+2 (20 would pass 8), 20 alone (larger than a bucket), 4+3, 10 alone
        let b = try GradientBuckets(parameters: parameters, bucketElements: 8)
        XCTAssertEqual(b.ranges, [37 ..< 44, 17 ..< 37, 10 ..< 17, 0 ..< 10])
        XCTAssertEqual(b.parameterCounts, [2, 1, 2, 1])
        XCTAssertEqual(b.elementCount, 44)
        XCTAssertEqual(try GradientBuckets(parameters: parameters, bucketElements: 44).ranges, [0 ..< 44])
        XCTAssertEqual(try GradientBuckets(parameters: parameters).ranges, [0 ..< 44], "default: one bucket")
        XCTAssertEqual(try GradientBuckets(parameters: parameters, bucketElements: 1).ranges.count, 6)
        XCTAssertEqual(try GradientBuckets(parameters: [], bucketElements: 4).ranges, [])
    }

    func testInvalidBucketSizeThrows() {
        for size in [0, -3] {
            XCTAssertThrowsError(try GradientBuckets(parameters: parameters, bucketElements: size)) {
                XCTAssertEqual($0 as? CollectiveError, .invalidBucketSize(size))
            }
        }
    }

    /// `allreduce_bucket_mb` → floats: 0 (and what cannot be counted) is one bucket, a tiny cap one float.
    func testMebibytesToElements() {
        XCTAssertEqual(GradientBuckets.elements(mebibytes: 0), .max)
        XCTAssertEqual(GradientBuckets.elements(mebibytes: 1), 262_144)
        XCTAssertEqual(GradientBuckets.elements(mebibytes: 0.01), 2_621)
        XCTAssertEqual(GradientBuckets.elements(mebibytes: 1e-9), 1)
        XCTAssertEqual(GradientBuckets.elements(mebibytes: 1e300), .max)
        XCTAssertEqual(GradientBuckets.elements(mebibytes: .infinity), .max)
    }

    func testEveryBucketSizeTilesTheBufferWithEachParameterInOneBucket() throws {
        for size in 1 ... 50 {
            let b = try GradientBuckets(parameters: parameters, bucketElements: size)
            XCTAssertEqual(b.ranges.first?.upperBound, 44, "size \(size)")
            XCTAssertEqual(b.ranges.last?.lowerBound, 0, "size \(size)")
            for k in 1 ..< b.count { XCTAssertEqual(b.ranges[k].upperBound, b.ranges[k - 1].lowerBound, "size \(size)") }
            for (k, r) in b.ranges.enumerated() {
                XCTAssertTrue(r.count <= size || b.parameterCounts[k] == 1, "size \(size): bucket \(r) over the cap")
            }
            XCTAssertEqual(b.parameterCounts.reduce(0, +), parameters.count)
            for p in parameters {
                let k = b.bucketOfParameter[p]
                XCTAssertTrue(k.map { b.ranges[$0].contains(p.lowerBound) && b.ranges[$0].upperBound >= p.upperBound } ?? false,
                              "size \(size): \(p) in bucket \(String(describing: k))")
            }
        }
    }

    func testBucketsStartInOrderOnceAllTheirParametersAreReady() throws {
        let buckets = try GradientBuckets(parameters: parameters, bucketElements: 8)
        try recording { comm, g in
            let reduce = OverlappedGradientReduce(buckets: buckets, communicator: comm, gradients: g)
            func ready(_ i: Int) throws { try reduce.parameterReady(parameters[i]) }
            // bucket 1 (p3) and bucket 3 (p0) become ready before bucket 0 (p4, p5): nothing may start
            try ready(3)
            try ready(0)
            try ready(5)
            XCTAssertEqual(comm.started, [])
            XCTAssertEqual(comm.progressCalls, 0, "nothing to progress yet")
            // p4 completes bucket 0, and bucket 1 is ready behind it
            try ready(4)
            XCTAssertEqual(comm.started, [37 ..< 44, 17 ..< 37])
            XCTAssertEqual(comm.progressCalls, 1)
            try ready(1)
            XCTAssertEqual(comm.started.count, 2, "bucket 2 still waits for p2")
            try ready(2)
            XCTAssertEqual(comm.started, [37 ..< 44, 17 ..< 37, 10 ..< 17, 0 ..< 10])
            XCTAssertEqual(comm.progressCalls, 3)
            XCTAssertEqual(comm.waited, [])
            try reduce.finish()
            XCTAssertEqual(comm.waited, [[0, 1, 2, 3]])
        }
    }

    /// `BucketReadiness` answers which buckets can start as each parameter is reported, by the
    /// overlapped sum's rule (all of a bucket's parameters, every earlier bucket started), and the
    /// overlapped sum notes each start's moment in bucket order.
    func testReadinessStartsBucketsInOrderAndTheSumNotesWhen() throws {
        let buckets = try GradientBuckets(parameters: parameters, bucketElements: 8)
        var readiness = BucketReadiness(buckets)
        XCTAssertEqual(readiness.parameterReady(parameters[3]), 0 ..< 0)
        XCTAssertEqual(readiness.parameterReady(parameters[5]), 0 ..< 0)
        XCTAssertEqual(readiness.unreportedInNextBucket, 1)
        XCTAssertEqual(readiness.parameterReady(parameters[4]), 0 ..< 2, "bucket 0, and bucket 1 behind it")
        XCTAssertEqual(readiness.parameterReady(parameters[0]), 2 ..< 2, "bucket 3 waits for bucket 2")
        XCTAssertFalse(readiness.allStarted)
        XCTAssertEqual(readiness.parameterReady(parameters[1]), 2 ..< 2)
        XCTAssertEqual(readiness.parameterReady(parameters[2]), 2 ..< 4)
        XCTAssertTrue(readiness.allStarted)
        XCTAssertEqual(readiness.unreportedInNextBucket, 0)
        try recording { comm, g in
            let reduce = OverlappedGradientReduce(buckets: buckets, communicator: comm, gradients: g)
            for i in [5, 4, 3, 2, 1, 0] { try reduce.parameterReady(parameters[i]) }
            XCTAssertEqual(reduce.startSeconds.count, buckets.count)
            XCTAssertEqual(reduce.startSeconds, reduce.startSeconds.sorted())
            XCTAssertTrue(reduce.startSeconds.allSatisfy { $0 >= 0 })
            try reduce.finish()
        }
    }

    /// The blocking sum makes one call per bucket of the plan, over the plan's ranges in order.
    func testBlockingSumCallsOncePerBucketInPlanOrder() throws {
        let buckets = try GradientBuckets(parameters: parameters, bucketElements: 8)
        try recording { comm, g in
            try comm.allReduceSum(g, buckets: buckets)
            XCTAssertEqual(comm.summed, buckets.ranges)
            XCTAssertEqual(comm.started, [])
        }
    }

    /// Runs `body` with a `RecordingCommunicator` over a gradient buffer of the 44 floats of `parameters`.
    private func recording(_ body: (RecordingCommunicator, UnsafeMutableBufferPointer<Float>) throws -> Void) throws {
        let comm = RecordingCommunicator()
        var gradients = [Float](repeating: 0, count: 44)
        try gradients.withUnsafeMutableBufferPointer { g in
            comm.base = g.baseAddress
            try body(comm, g)
        }
    }

    // x_r[i] = (r+1)(i+1) + 0.25 on W = 3 ranks  ⇒  6(i+1) + 0.75, for every bucket size, blocking
    // (one call per bucket) and overlapped (ranks reporting parameters in different orders) alike
    func testBlockingAndOverlappedSumsEqualTheSingleCallSum() throws {
        let n = 44
        let expected = (0..<n).map { Float(6 * ($0 + 1)) + 0.75 }
        for size in [1, 3, 7, 8, 20, 43, 44, Int.max] {
            let buckets = try GradientBuckets(parameters: parameters, bucketElements: size)
            let results = try XCTUnwrap(ThreadGroup.run(worldSize: 3) { comm -> ([Float], [Float], [Float], Int, Int) in
                var single = (0..<n).map { Float((comm.rank + 1) * ($0 + 1)) + 0.25 }
                var blocking = single, overlapped = single
                try single.withUnsafeMutableBufferPointer { try comm.allReduceSum($0) }
                try blocking.withUnsafeMutableBufferPointer { try comm.allReduceSum($0, buckets: buckets) }
                try overlapped.withUnsafeMutableBufferPointer { g in
                    let reduce = OverlappedGradientReduce(buckets: buckets, communicator: comm, gradients: g)
                    // rank r reports the parameters rotated by 2r: each rank in its own order
                    let order = (0 ..< self.parameters.count).map { (2 * comm.rank + $0) % self.parameters.count }
                    for i in order { try reduce.parameterReady(self.parameters[i]) }
                    try reduce.finish()
                }
                return (single, blocking, overlapped, comm.floatReduceCalls - 1, comm.startedRequests)
            }, "bucket \(size): ranks hung")
            for result in results {
                let (single, blocking, overlapped, calls, starts) = try result.get()
                XCTAssertEqual(single, expected, "bucket \(size), one call")
                XCTAssertEqual(blocking, expected, "bucket \(size), blocking")
                XCTAssertEqual(overlapped, expected, "bucket \(size), overlapped")
                XCTAssertEqual(calls, buckets.count, "bucket \(size): one blocking call per bucket")
                XCTAssertEqual(starts, buckets.count, "bucket \(size): one started sum per bucket")
            }
        }
    }

    func testEmptyBufferMakesNoCall() throws {
        let buckets = try GradientBuckets(parameters: [], bucketElements: 4)
        let results = try XCTUnwrap(ThreadGroup.run(worldSize: 2) { comm -> Int in
            var x: [Float] = []
            try x.withUnsafeMutableBufferPointer { try comm.allReduceSum($0, buckets: buckets) }
            return comm.floatReduceCalls
        })
        XCTAssertEqual(try results.map { try $0.get() }, [0, 0])
    }
}

/// Consecutive ranges of `sizes` floats from 0: a flat buffer's parameter layout.
private func layout(_ sizes: [Int]) -> [Range<Int>] {
    var start = 0
    return sizes.map { n in defer { start += n }; return start ..< start + n }
}

/// Records which ranges of the gradient buffer a rank starts summing, and what it waits for.
private final class RecordingCommunicator: Communicator {
    var base: UnsafeMutablePointer<Float>?
    var started: [Range<Int>] = []
    var summed: [Range<Int>] = []
    var progressCalls = 0
    var waited: [[Int]] = []

    var rank: Int { 0 }
    var worldSize: Int { 2 }
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        XCTAssertTrue(started.isEmpty, "blocking sum during overlap")
        summed.append(range(buffer))
    }
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws { XCTFail("blocking sum during overlap") }
    func makeSharedSum(count: Int) throws -> SharedSum? { nil }
    func allReduceMax(_ buffer: UnsafeMutableBufferPointer<Double>) throws { XCTFail("blocking max during overlap") }
    func reduceScatterSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws { XCTFail("reduce-scatter during overlap") }
    func allGather(_ buffer: UnsafeMutableBufferPointer<Float>) throws { XCTFail("all-gather during overlap") }
    func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {}
    func broadcast(bytes: UnsafeMutableRawBufferPointer, root: Int) throws {}
    func barrier() throws {}
    func finalize() throws {}

    func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> CollectiveRequest {
        started.append(range(buffer))
        return CollectiveRequest(id: started.count - 1)
    }

    private func range(_ buffer: UnsafeMutableBufferPointer<Float>) -> Range<Int> {
        let lower = buffer.baseAddress! - base!
        return lower ..< lower + buffer.count
    }

    func progress() throws { progressCalls += 1 }

    func wait(_ requests: [CollectiveRequest]) throws { waited.append(requests.map(\.id)) }
}
