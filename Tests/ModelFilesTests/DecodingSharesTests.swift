@testable import ModelFiles
import XCTest

/// Each rank's share of predict's decoding: even until timed, then such that every rank finishes
/// together: rank 0 smaller by the time it spends writing, a slower rank smaller by its speed.
final class DecodingSharesTests: XCTestCase {
    func testRankZeroMakesUpForWritingTime() {
        var share = DecodingShares(worldSize: 2)
        XCTAssertEqual(share.permille, [500, 500])
        // 1 ms per token on both, 1,000 tokens a block, 100 ms to write: x_0 = (1 − 0.1) / 2
        share.decoded(rank: 0, tokens: 500, total: 1000, seconds: 0.5)
        share.decoded(rank: 1, tokens: 500, total: 1000, seconds: 0.5)
        share.wrote(seconds: 0.1)
        XCTAssertEqual(share.permille, [450, 550])
        // writing longer than the others' decoding: rank 0 decodes nothing
        share.wrote(seconds: 2)
        XCTAssertEqual(share.permille, [0, 1000])
        share.wrote(seconds: 0)
        XCTAssertEqual(share.permille, [500, 500])
        var four = DecodingShares(worldSize: 4)
        XCTAssertEqual(four.permille, [250, 250, 250, 250])
        for r in 0..<4 { four.decoded(rank: r, tokens: 250, total: 1000, seconds: 0.25) }
        four.wrote(seconds: 0.1)
        XCTAssertEqual(four.permille, [175, 275, 275, 275])   // x_0 = (1 − 3·0.1) / 4, the others (1 − x_0) / 3
        var one = DecodingShares(worldSize: 1)
        one.decoded(rank: 0, tokens: 1000, total: 1000, seconds: 1)
        one.wrote(seconds: 5)
        XCTAssertEqual(one.permille, [1000])
    }

    /// A rank twice as slow gets half the tokens of a fast one; speeds are smoothed over blocks and
    /// held within 10× of each other; impossible timings are ignored.
    func testASlowerRankGetsLess() {
        var share = DecodingShares(worldSize: 3)
        share.decoded(rank: 0, tokens: 400, total: 1000, seconds: 0.4)
        share.decoded(rank: 1, tokens: 300, total: 1000, seconds: 0.6)   // 2 ms per token
        share.decoded(rank: 2, tokens: 300, total: 1000, seconds: 0.3)
        share.wrote(seconds: 0)
        XCTAssertEqual(share.permille, [400, 200, 400])
        // the next block: rank 1 as fast as the others now, smoothed to 1.5 ms
        share.decoded(rank: 1, tokens: 200, total: 1000, seconds: 0.2)
        share.wrote(seconds: 0)
        // 1/1, 1/1.5, 1/1 → 3/8, 2/8, 3/8
        XCTAssertEqual(share.permille, [375, 250, 375])
        // a rank measured 100× slower is held at 10×
        var held = DecodingShares(worldSize: 2)
        held.decoded(rank: 0, tokens: 500, total: 1000, seconds: 0.5)
        held.decoded(rank: 1, tokens: 5, total: 1000, seconds: 0.5)
        held.wrote(seconds: 0)
        XCTAssertEqual(held.permille, [909, 90])
        // ignored: no tokens, more tokens than the block, a negative or infinite time
        var same = held
        same.decoded(rank: 1, tokens: 0, total: 1000, seconds: 1)
        same.decoded(rank: 1, tokens: 2000, total: 1000, seconds: 1)
        same.decoded(rank: 0, tokens: 10, total: 1000, seconds: -1)
        same.decoded(rank: 0, tokens: 10, total: 1000, seconds: .infinity)
        same.decoded(rank: 7, tokens: 10, total: 1000, seconds: 1)
        same.wrote(seconds: .nan)
        XCTAssertEqual(same.permille, held.permille)
        same.wrote(seconds: 0)
        XCTAssertEqual(same.permille, held.permille)
    }
}
