import Collective
import XCTest

/// `allReduceSum(_:ranges:scratch:)` on three threads: the ranges hold the sum over the ranks,
/// everything outside them is this rank's own value, and the packed buffer is reused.
final class RangeSumTests: XCTestCase {
    func testOnlyTheRangesAreSummed() throws {
        let ranges = [0..<2, 5..<6, 7..<10]
        let results = try XCTUnwrap(ThreadGroup.run(worldSize: 3) { comm -> ([Float], Int, Int) in
            // x_r[i] = 10·(r+1) + i
            var x = (0..<12).map { Float(10 * (comm.rank + 1) + $0) }
            var scratch: [Float] = []
            let summed = try x.withUnsafeMutableBufferPointer { try comm.allReduceSum($0, ranges: ranges, scratch: &scratch) }
            return (x, summed, scratch.count)
        })
        for (rank, result) in results.enumerated() {
            let (x, summed, scratch) = try result.get()
            XCTAssertEqual(summed, 6)
            XCTAssertEqual(scratch, 6)
            for i in 0..<12 {
                // Σ_r 10(r+1) + i = 60 + 3i inside the ranges, 10(rank+1) + i outside
                let inside = ranges.contains { $0.contains(i) }
                XCTAssertEqual(x[i], inside ? Float(60 + 3 * i) : Float(10 * (rank + 1) + i), "rank \(rank) element \(i)")
            }
        }
    }

    /// A second call over fewer elements sums into the first call's scratch (kept, not shrunk),
    /// only its own ranges; a third over more grows it.
    func testTheScratchIsKeptAcrossCallsOfOtherSizes() throws {
        let results = try XCTUnwrap(ThreadGroup.run(worldSize: 2) { comm -> ([Float], [Int]) in
            // x_r[i] = r + 1 + i
            var x = (0..<16).map { Float(comm.rank + 1 + $0) }
            var scratch: [Float] = []
            var counts: [Int] = []
            for ranges in [[0..<8], [10..<12], [0..<16]] {
                _ = try x.withUnsafeMutableBufferPointer { try comm.allReduceSum($0, ranges: ranges, scratch: &scratch) }
                counts.append(scratch.count)
            }
            return (x, counts)
        })
        for (rank, result) in results.enumerated() {
            let (x, counts) = try result.get()
            XCTAssertEqual(counts, [8, 8, 16])
            for i in 0..<16 {
                // calls 1 and 2 leave 3 + 2i on both ranks in 0..<8 and 10..<12, each rank's own value
                // elsewhere; call 3 sums every element: this rank's value + the other rank's
                let once = i < 8 || (10..<12).contains(i) ? Float(3 + 2 * i) : Float(rank + 1 + i)
                let other = i < 8 || (10..<12).contains(i) ? Float(3 + 2 * i) : Float(2 - rank + i)
                XCTAssertEqual(x[i], once + other, "rank \(rank) element \(i)")
            }
        }
    }

    func testNoRangesSumNothing() throws {
        let results = try XCTUnwrap(ThreadGroup.run(worldSize: 2) { comm -> [Float] in
            var x: [Float] = [1, 2]
            var scratch: [Float] = []
            _ = try x.withUnsafeMutableBufferPointer { try comm.allReduceSum($0, ranges: [], scratch: &scratch) }
            return x
        })
        for result in results { XCTAssertEqual(try result.get(), [1, 2]) }
    }
}
