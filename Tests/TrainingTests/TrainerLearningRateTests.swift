import Optimizers
import RunConfig
@testable import Training
import XCTest

/// The one place a run's learning rate comes from: `Trainer.learningRateSchedule` builds a
/// `Schedule` for every `training.schedule`, warmed up the same way.
final class TrainerLearningRateTests: XCTestCase {
    func testEveryScheduleWarmsUpThenFollowsItsKind() throws {
        var t = TrainingConfig()
        t.learningRate = 0.2
        t.warmupSteps = 4
        t.minLearningRate = 0.01
        // after W = 4 of N = 20 steps: constant and plateau stay at 0.2, linear and cosine reach the floor at N
        let after: [TrainingConfig.Schedule: [Int: Float]] = [
            .constant: [4: 0.2, 12: 0.2, 40: 0.2],
            .plateau: [4: 0.2, 12: 0.2, 40: 0.2],
            .linear: [4: 0.2, 12: 0.105, 20: 0.01, 40: 0.01],
            .cosine: [4: 0.2, 12: 0.105, 20: 0.01, 40: 0.01],
        ]
        for kind in TrainingConfig.Schedule.allCases {
            t.schedule = kind
            let schedule = try Trainer.learningRateSchedule(t, totalSteps: 20)
            XCTAssertEqual(schedule.kind.rawValue, kind.rawValue)
            XCTAssertEqual(schedule.warmupSteps, 4)
            let expected = try XCTUnwrap(after[kind]).merging([0: 0.05, 1: 0.1, 3: 0.2], uniquingKeysWith: { a, _ in a })
            for (s, lr) in expected {
                XCTAssertEqual(schedule(s), lr, accuracy: 1e-6, "\(kind) step \(s)")
            }
        }
    }

    func testPlateauTakesItsSettingsFromTheConfig() throws {
        var t = TrainingConfig()
        t.schedule = .plateau
        t.learningRate = 0.2
        t.annealFactor = 0.25
        t.patience = 1
        t.minLearningRate = 0.02
        var schedule = try Trainer.learningRateSchedule(t, totalSteps: 100)
        XCTAssertEqual([0.5, 0.4, 0.4].map { schedule.record($0) }, [false, false, true], "patience 1: the 2nd bad evaluation anneals")
        XCTAssertEqual(schedule.peak, 0.05, accuracy: 1e-7)
        XCTAssertEqual(schedule(7), 0.05, accuracy: 1e-7)
        XCTAssertFalse(schedule.isExhausted)
        XCTAssertEqual([0.4, 0.4].map { schedule.record($0) }, [false, true])
        XCTAssertTrue(schedule.isExhausted, "0.0125 < min_learning_rate 0.02")
    }

    func testWarmupLongerThanTheRunDecaysNowhere() throws {
        var t = TrainingConfig()
        t.schedule = .linear
        t.learningRate = 1
        t.warmupSteps = 10
        let schedule = try Trainer.learningRateSchedule(t, totalSteps: 5)
        XCTAssertEqual(schedule(4), 0.5, accuracy: 1e-7)
        XCTAssertEqual(schedule(9), 1, accuracy: 1e-7)
    }
}
