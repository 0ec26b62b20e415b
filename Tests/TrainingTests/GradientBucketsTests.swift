import Autodiff
import Collective
@testable import Training
import XCTest

/// The bucket plan of the overlapped gradient all-reduce, and the order in which
/// `OverlappedGradientReduce` starts the buckets' sums as parameters become ready.
final class GradientBucketsTests: XCTestCase {
    /// Parameters of 10, 3, 4, 20, 2 and 5 floats, laid out as a `ParameterStore` does.
    let parameters: [Parameter] = {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        for (i, n) in [10, 3, 4, 20, 2, 5].enumerated() { store.add("p\(i)", shape: [n], initializer: .zeros, rng: &rng) }
        return store.parameters
    }()

    func testBucketsAreWholeParametersFromTheEnd() {
        // from the end: 5+2 (20 would pass 8), 20 alone (larger than a bucket), 4+3, 10 alone
        let b = GradientBuckets(parameters: parameters, bucketElements: 8)
        XCTAssertEqual(b.ranges, [37 ..< 44, 17 ..< 37, 10 ..< 17, 0 ..< 10])
        XCTAssertEqual(b.parameterCounts, [2, 1, 2, 1])
        XCTAssertEqual(GradientBuckets(parameters: parameters, bucketElements: 44).ranges, [0 ..< 44])
        XCTAssertEqual(GradientBuckets(parameters: parameters, bucketElements: 1).ranges.count, 6)
        XCTAssertEqual(GradientBuckets(parameters: [], bucketElements: 4).ranges, [])
    }

    func testEveryBucketSizeTilesTheBufferWithEachParameterInOneBucket() {
        for size in 1 ... 50 {
            let b = GradientBuckets(parameters: parameters, bucketElements: size)
            XCTAssertEqual(b.ranges.first?.upperBound, 44, "size \(size)")
            XCTAssertEqual(b.ranges.last?.lowerBound, 0, "size \(size)")
            for k in 1 ..< b.count { XCTAssertEqual(b.ranges[k].upperBound, b.ranges[k - 1].lowerBound, "size \(size)") }
            for (k, r) in b.ranges.enumerated() {
                XCTAssertTrue(r.count <= size || b.parameterCounts[k] == 1, "size \(size): bucket \(r) over the cap")
            }
            XCTAssertEqual(b.parameterCounts.reduce(0, +), parameters.count)
            for p in parameters {
                let range = p.offset ..< p.offset + p.count
                let k = b.bucketOfParameter[range]
                XCTAssertTrue(k.map { b.ranges[$0].contains(p.offset) && b.ranges[$0].upperBound >= range.upperBound } ?? false,
                              "size \(size): \(p.name) in bucket \(String(describing: k))")
            }
        }
    }

    func testBucketsStartInOrderOnceAllTheirParametersAreReady() throws {
        let buckets = GradientBuckets(parameters: parameters, bucketElements: 8)
        let comm = RecordingCommunicator()
        var gradients = [Float](repeating: 0, count: 44)
        try gradients.withUnsafeMutableBufferPointer { g in
            comm.base = g.baseAddress
            let reduce = OverlappedGradientReduce(buckets: buckets, communicator: comm, gradients: g)
            func ready(_ i: Int) throws { try reduce.parameterReady(parameters[i].offset ..< parameters[i].offset + parameters[i].count) }
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
}

/// Records which ranges of the gradient buffer a rank starts summing, and what it waits for.
private final class RecordingCommunicator: Communicator {
    var base: UnsafeMutablePointer<Float>?
    var started: [Range<Int>] = []
    var progressCalls = 0
    var waited: [[Int]] = []

    var rank: Int { 0 }
    var worldSize: Int { 2 }
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws { XCTFail("blocking sum during overlap") }
    func allReduceSum(_ buffer: UnsafeMutableBufferPointer<Double>) throws { XCTFail("blocking sum during overlap") }
    func allReduceMax(_ buffer: UnsafeMutableBufferPointer<Double>) throws { XCTFail("blocking max during overlap") }
    func broadcast(_ buffer: UnsafeMutableBufferPointer<Float>, root: Int) throws {}
    func broadcast(bytes: UnsafeMutableRawBufferPointer, root: Int) throws {}
    func barrier() throws {}
    func finalize() throws {}

    func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws -> CollectiveRequest {
        let lower = buffer.baseAddress! - base!
        started.append(lower ..< lower + buffer.count)
        return CollectiveRequest(id: started.count - 1)
    }

    func progress() throws { progressCalls += 1 }

    func wait(_ requests: [CollectiveRequest]) throws { waited.append(requests.map(\.id)) }
}
