import Foundation
import Optimizers
import XCTest

/// Schedules at their boundary steps, worked by hand; the plateau kind driven by scores; the
/// state a checkpoint saves, restored exactly.
final class ScheduleTests: XCTestCase {
    private func assertRates(_ schedule: Schedule, _ expected: [Int: Float],
                             file: StaticString = #filePath, line: UInt = #line) {
        for (s, lr) in expected.sorted(by: { $0.key < $1.key }) {
            XCTAssertEqual(schedule(s), lr, accuracy: 1e-6, "step \(s)", file: file, line: line)
        }
    }

    func testConstant() throws {
        assertRates(try .constant(0.1), [0: 0.1, 1: 0.1, 1_000_000: 0.1])
        // W = 4: 0.2·(s+1)/4, then 0.2
        assertRates(try .constant(0.2, warmupSteps: 4), [0: 0.05, 1: 0.1, 3: 0.2, 4: 0.2, 1000: 0.2])
    }

    func testPlateauWarmsUpToItsCurrentRateAndAnnealsOnScores() throws {
        var schedule = try Schedule.plateau(ReduceOnPlateau(learningRate: 1, mode: .max, patience: 0), warmupSteps: 4)
        XCTAssertEqual(schedule.kind, .plateau)
        assertRates(schedule, [0: 0.25, 3: 1, 4: 1, 50: 1])
        XCTAssertFalse(schedule.record(0.5), "the first score improves")
        XCTAssertTrue(schedule.record(0.5), "patience 0: one bad evaluation anneals")
        XCTAssertEqual(schedule.peak, 0.5)
        assertRates(schedule, [0: 0.125, 3: 0.5, 50: 0.5])
        XCTAssertFalse(schedule.isExhausted)
        for _ in 0..<12 { schedule.record(0.1) }
        XCTAssertEqual(schedule.peak, 0.5 / 4096)
        XCTAssertFalse(schedule.isExhausted, "1.2e-4 is not below the default minimum 1e-4")
        schedule.record(0.1)
        XCTAssertTrue(schedule.isExhausted, "below the default minimum 1e-4")
    }

    func testStepSchedulesIgnoreScores() throws {
        for var schedule in [try Schedule.constant(0.1, warmupSteps: 2),
                             try .linearWarmupDecay(peak: 1, warmupSteps: 2, totalSteps: 10),
                             try .warmupCosine(peak: 1, warmupSteps: 2, totalSteps: 10)] {
            let before = (0..<12).map { schedule($0) }
            for score in [0.5, 0.1, 0.1, 0.1, 0.1, .nan] { XCTAssertFalse(schedule.record(score)) }
            XCTAssertEqual((0..<12).map { schedule($0) }, before, "\(schedule.kind)")
            XCTAssertFalse(schedule.isExhausted)
            XCTAssertNil(schedule.state.plateau)
        }
    }

    /// What a checkpoint saves continues exactly: the rates of every step and the anneals that follow.
    func testSavedStateContinuesIdentically() throws {
        func make() throws -> Schedule {
            try .plateau(ReduceOnPlateau(learningRate: 0.1, mode: .max, patience: 1, initialExtraPatience: 1),
                         warmupSteps: 3)
        }
        var a = try make()
        // 0.3 best; 0.2 ×3 pass patience 1 + 1 extra: anneal; 0.25 one bad evaluation of the next round
        for score in [0.3, 0.2, 0.2, 0.2, 0.25] { a.record(score) }
        XCTAssertEqual(a.peak, 0.05, "annealed once before the save")
        XCTAssertEqual(a.state.plateau?.badEpochs, 1)
        let json = try JSONEncoder().encode(a.state)
        var b = try make()
        try b.restore(JSONDecoder().decode(Schedule.State.self, from: json))
        XCTAssertEqual(b.state, a.state)
        XCTAssertEqual((0..<8).map { b($0) }, (0..<8).map { a($0) })
        let rest: [Double] = [0.2, 0.31, 0.3, 0.3, 0.3, 0.3]
        XCTAssertEqual(rest.map { b.record($0) }, rest.map { a.record($0) })
        XCTAssertEqual(b.state, a.state)
        XCTAssertEqual(b.peak, a.peak)

        var linear = try Schedule.linearWarmupDecay(peak: 1, warmupSteps: 2, totalSteps: 10)
        let saved = linear.state
        XCTAssertEqual(saved, Schedule.State(kind: .linear, plateau: nil))
        try linear.restore(try JSONDecoder().decode(Schedule.State.self, from: JSONEncoder().encode(saved)))
        assertRates(linear, [0: 0.5, 1: 1, 6: 0.5, 10: 0])
    }

    func testRestoringAnotherKindOrABrokenStateThrowsAndChangesNothing() throws {
        var plateau = try Schedule.plateau(ReduceOnPlateau(learningRate: 0.1, mode: .max))
        var cosine = try Schedule.warmupCosine(peak: 1, warmupSteps: 0, totalSteps: 10)
        XCTAssertThrowsError(try cosine.restore(plateau.state)) {
            XCTAssertEqual($0 as? OptimizerError, .scheduleKindMismatch(expected: "cosine", found: "plateau"))
            XCTAssertTrue("\($0)".contains("training.schedule"), "\($0)")
        }
        XCTAssertThrowsError(try plateau.restore(cosine.state)) {
            XCTAssertEqual($0 as? OptimizerError, .scheduleKindMismatch(expected: "plateau", found: "cosine"))
        }
        plateau.record(0.5)
        let before = plateau.state
        XCTAssertThrowsError(try plateau.restore(Schedule.State(kind: .plateau, plateau: nil)))
        var bad = before
        bad.plateau?.learningRate = -1
        XCTAssertThrowsError(try plateau.restore(bad)) {
            XCTAssertEqual($0 as? OptimizerError, .invalidState(field: "learningRate", found: "-1.0", expected: "finite and > 0"))
        }
        XCTAssertEqual(plateau.state, before)
        XCTAssertThrowsError(try cosine.restore(Schedule.State(kind: .cosine, plateau: before.plateau)))
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
        XCTAssertThrowsError(try Schedule.constant(1, warmupSteps: -1))
        XCTAssertThrowsError(try Schedule.plateau(ReduceOnPlateau(learningRate: 1, mode: .max), warmupSteps: -2))
    }
}
