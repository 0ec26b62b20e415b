import Optimizers
import XCTest

/// Schedules at their boundary steps, worked by hand.
final class ScheduleTests: XCTestCase {
    private func assertRates(_ schedule: Schedule, _ expected: [Int: Float],
                             file: StaticString = #filePath, line: UInt = #line) {
        for (s, lr) in expected.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(schedule(s), lr, accuracy: 1e-6, "step \(s)", file: file, line: line)
        }
    }

    func testConstant() throws {
        assertRates(try .constant(0.1), [0: 0.1, 1: 0.1, 1_000_000: 0.1])
    }

    func testLinearWarmupDecay() throws {
        // W = 4, N = 12: warmup (s+1)/4, then 1 − (s−4)/8
        assertRates(try .linearWarmupDecay(peak: 1, warmupSteps: 4, totalSteps: 12),
                    [0: 0.25, 1: 0.5, 3: 1, 4: 1, 8: 0.5, 11: 0.125, 12: 0, 13: 0, 100: 0])
        // floor 0.2: 0.2 + 0.8·(1 − (s−4)/8)
        assertRates(try .linearWarmupDecay(peak: 1, warmupSteps: 4, totalSteps: 12, floor: 0.2),
                    [0: 0.25, 4: 1, 8: 0.6, 12: 0.2, 50: 0.2])
        // no warmup: decay starts at the peak
        assertRates(try .linearWarmupDecay(peak: 2, warmupSteps: 0, totalSteps: 4), [0: 2, 1: 1.5, 4: 0])
    }

    func testWarmupCosine() throws {
        // W = 2, N = 6: warmup (s+1)/2, then ½(1 + cos(π(s−2)/4))
        assertRates(try .warmupCosine(peak: 1, warmupSteps: 2, totalSteps: 6),
                    [0: 0.5, 1: 1, 2: 1, 3: 0.8535534, 4: 0.5, 5: 0.1464466, 6: 0, 7: 0])
        assertRates(try .warmupCosine(peak: 1, warmupSteps: 2, totalSteps: 6, floor: 0.1),
                    [2: 1, 4: 0.55, 6: 0.1, 9: 0.1])
    }

    func testInvalidSchedulesThrow() {
        XCTAssertThrowsError(try Schedule.linearWarmupDecay(peak: 1, warmupSteps: 10, totalSteps: 5))
        XCTAssertThrowsError(try Schedule.warmupCosine(peak: 1, warmupSteps: -1, totalSteps: 5))
        XCTAssertThrowsError(try Schedule.warmupCosine(peak: 1, warmupSteps: 1, totalSteps: 5, floor: 2))
        XCTAssertThrowsError(try Schedule.constant(-1))
    }

    func testClosureSchedule() {
        let halving = Schedule { s in 1 / Float(1 << min(s, 20)) }
        assertRates(halving, [0: 1, 1: 0.5, 3: 0.125])
    }
}
