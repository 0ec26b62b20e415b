import Foundation
import Optimizers
import XCTest

/// `ReduceOnPlateau` over metric sequences, following Flair's `AnnealOnPlateau`.
final class ReduceOnPlateauTests: XCTestCase {
    /// Feeds `metrics` and returns which calls reduced the rate.
    private func feed(_ plateau: inout ReduceOnPlateau, _ metrics: [Double]) -> [Bool] {
        metrics.map { plateau.record($0) }
    }

    func testMaxModeReducesWhenBadEpochsExceedPatience() throws {
        var plateau = try ReduceOnPlateau(learningRate: 0.1, mode: .max)
        // improve, improve, then 4 bad (an equal score is not an improvement): the 4th anneals
        XCTAssertEqual(feed(&plateau, [0.5, 0.6, 0.6, 0.55, 0.59]), [false, false, false, false, false])
        XCTAssertEqual(plateau.badEpochs, 3)
        XCTAssertEqual(plateau.learningRate, 0.1)
        XCTAssertTrue(plateau.record(0.58))
        XCTAssertEqual(plateau.learningRate, 0.05)
        XCTAssertEqual(plateau.badEpochs, 0)
        XCTAssertEqual(plateau.best, 0.6, "best survives an anneal")
        // an improvement resets the count; 4 more bad epochs anneal again
        XCTAssertEqual(feed(&plateau, [0.61, 0.6, 0.6, 0.6, 0.6]), [false, false, false, false, true])
        XCTAssertEqual(plateau.learningRate, 0.025)
    }

    func testMinModeTracksALoss() throws {
        var plateau = try ReduceOnPlateau(learningRate: 1, mode: .min, factor: 0.1, patience: 1)
        // 2.0 best, 1.5 better, 1.5 bad 1, 3.0 bad 2 > 1 → anneal
        XCTAssertEqual(feed(&plateau, [2, 1.5, 1.5, 3]), [false, false, false, true])
        XCTAssertEqual(plateau.learningRate, 0.1, accuracy: 1e-7)
        XCTAssertEqual(plateau.best, 1.5)
    }

    func testInitialExtraPatienceOnlyDelaysTheFirstAnneal() throws {
        var plateau = try ReduceOnPlateau(learningRate: 1, mode: .max, patience: 1, initialExtraPatience: 2)
        // first anneal after 4 bad epochs (> 1 + 2), later ones after 2 (> 1)
        XCTAssertEqual(feed(&plateau, [1, 0, 0, 0, 0]), [false, false, false, false, true])
        XCTAssertEqual(feed(&plateau, [0, 0]), [false, true])
        XCTAssertEqual(plateau.learningRate, 0.25)
    }

    func testNaNIsABadEpoch() throws {
        var plateau = try ReduceOnPlateau(learningRate: 1, mode: .min, patience: 0)
        XCTAssertFalse(plateau.record(1))
        XCTAssertTrue(plateau.record(.nan))
        XCTAssertEqual(plateau.best, 1)
    }

    func testExhaustedOnceBelowTheMinimum() throws {
        var plateau = try ReduceOnPlateau(learningRate: 1e-3, mode: .min, patience: 0, minimumLearningRate: 1e-4)
        XCTAssertFalse(plateau.record(1))
        // 5e-4, 2.5e-4, 1.25e-4: still at or above the minimum
        for _ in 0..<3 {
            XCTAssertTrue(plateau.record(1))
            XCTAssertFalse(plateau.isExhausted)
        }
        XCTAssertTrue(plateau.record(1))
        XCTAssertEqual(plateau.learningRate, 6.25e-5, accuracy: 1e-10, "not clamped at the minimum")
        XCTAssertTrue(plateau.isExhausted)
    }

    func testSavedStateContinuesIdentically() throws {
        var a = try ReduceOnPlateau(learningRate: 0.1, mode: .max, patience: 2, initialExtraPatience: 1)
        _ = feed(&a, [0.3, 0.2, 0.2, 0.2, 0.2, 0.25])
        let json = try JSONEncoder().encode(a.state)
        var b = try ReduceOnPlateau(learningRate: 0.1, mode: .max, patience: 2, initialExtraPatience: 1)
        try b.restore(JSONDecoder().decode(ReduceOnPlateau.State.self, from: json))
        XCTAssertEqual(b.state, a.state)
        let rest: [Double] = [0.2, 0.2, 0.31, 0.3, 0.3, 0.3, 0.3]
        XCTAssertEqual(feed(&b, rest), feed(&a, rest))
        XCTAssertEqual(b.state, a.state)
    }

    func testInvalidSettingsAndStatesThrow() throws {
        XCTAssertThrowsError(try ReduceOnPlateau(learningRate: 0.1, mode: .max, factor: 1))
        XCTAssertThrowsError(try ReduceOnPlateau(learningRate: 0, mode: .max))
        XCTAssertThrowsError(try ReduceOnPlateau(learningRate: 0.1, mode: .max, patience: -1))
        var plateau = try ReduceOnPlateau(learningRate: 0.1, mode: .max)
        let before = plateau.state
        var bad = before
        bad.learningRate = 0
        XCTAssertThrowsError(try plateau.restore(bad))
        bad = before
        bad.badEpochs = -1
        XCTAssertThrowsError(try plateau.restore(bad)) { error in
            XCTAssertEqual(error as? OptimizerError,
                           .invalidState(field: "badEpochs", found: "-1", expected: "≥ 0"))
        }
        XCTAssertEqual(plateau.state, before)
    }
}
