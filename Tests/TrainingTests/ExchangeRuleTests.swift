import RunConfig
import Training
import XCTest

/// `exchange: auto`'s rule: the strategy predicted fastest, the dense sum on a tie.
final class ExchangeRuleTests: XCTestCase {
    func testTheFastestPredictionIsTakenAndTheDenseSumOnATie() {
        // the probe's predictions on one machine (shared memory) and on a 100 Mbit/s link (BENCHMARKS.md)
        XCTAssertEqual(ExchangeChoice.choose([(.dense, 0.0640), (.touched, 0.0632), (.overlap, 0.0635), (.sharded, 0.0636)]), .touched)
        XCTAssertEqual(ExchangeChoice.choose([(.dense, 1.195), (.touched, 0.532), (.overlap, 1.176), (.sharded, 1.194)]), .touched)
        XCTAssertEqual(ExchangeChoice.choose([(.dense, 1.0), (.overlap, 1.2), (.sharded, 0.99)]), .sharded)
        XCTAssertEqual(ExchangeChoice.choose([(.sharded, 1.0), (.dense, 1.0), (.overlap, 1.0)]), .dense, "a tie keeps the dense sum")
        XCTAssertEqual(ExchangeChoice.choose([(.touched, 0.1)]), .touched)
        XCTAssertEqual(ExchangeChoice.choose([]), .dense)
    }
}
