@testable import ModelFiles
import XCTest

/// Rank 0's share of predict's decoding: even until timed, then smaller by the time it spends writing.
final class RootShareTests: XCTestCase {
    func testTheShareMakesUpForWritingTime() {
        var share = RootShare(worldSize: 2)
        XCTAssertEqual(share.permille, 500)
        // 1 ms per token, 1,000 tokens a block, 100 ms to write: s = (1 − 0.1) / 2
        share.decoded(tokens: 500, total: 1000, seconds: 0.5)
        share.wrote(seconds: 0.1)
        XCTAssertEqual(share.permille, 450)
        // writing longer than the others' decoding: rank 0 decodes nothing
        share.wrote(seconds: 2)
        XCTAssertEqual(share.permille, 0)
        // never above an even share, whatever the clock says
        share.wrote(seconds: 0)
        XCTAssertEqual(share.permille, 500)
        var four = RootShare(worldSize: 4)
        XCTAssertEqual(four.permille, 250)
        four.decoded(tokens: 250, total: 1000, seconds: 0.25)
        four.wrote(seconds: 0.1)
        XCTAssertEqual(four.permille, 175)   // (1 − 3·0.1) / 4
        var one = RootShare(worldSize: 1)
        one.decoded(tokens: 1000, total: 1000, seconds: 1)
        one.wrote(seconds: 5)
        XCTAssertEqual(one.permille, 1000)
    }
}
