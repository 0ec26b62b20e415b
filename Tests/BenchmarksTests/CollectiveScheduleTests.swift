@testable import Benchmarks
import XCTest

/// `bench collective` spreads each size's calls over passes through the sizes, so that a few
/// seconds of something else running take a few calls of every size, not every call of one.
final class CollectiveScheduleTests: XCTestCase {
    func testEverySizeIsTimedInEveryPassAndAsOftenAsAsked() {
        let counts = [200, 64, 16, 5]
        let schedule = CollectiveBenchmark.schedule(counts: counts, warmup: 3)
        for k in counts.indices {
            let mine = schedule.filter { $0.size == k }
            XCTAssertEqual(mine.map(\.timed).reduce(0, +), counts[k], "size \(k)")
            XCTAssertEqual(mine.count, CollectiveBenchmark.passes, "size \(k) in every pass")
            XCTAssertEqual(mine.map(\.untimed), [3] + Array(repeating: 0, count: CollectiveBenchmark.passes - 1), "warm-up before the first pass only")
            // an even share per pass: no pass takes more than one call beyond another's
            XCTAssertLessThanOrEqual((mine.map(\.timed).max() ?? 0) - (mine.map(\.timed).min() ?? 0), 1, "size \(k)")
        }
        // the passes follow one another: every size once, in order, then again
        XCTAssertEqual(schedule.map(\.size), Array(repeating: Array(counts.indices), count: CollectiveBenchmark.passes).flatMap { $0 })
        // the longest run of one size back to back is a pass's share, not all its calls
        XCTAssertEqual(schedule.filter { $0.size == 0 }.map(\.timed).max(), 50)
    }

    func testASizeWithFewerCallsThanPassesIsLeftOutOfTheLastPasses() {
        let schedule = CollectiveBenchmark.schedule(counts: [2], warmup: 0)
        XCTAssertEqual(schedule.map(\.timed), [1, 1])
        XCTAssertTrue(CollectiveBenchmark.schedule(counts: [], warmup: 5).isEmpty)
    }
}
