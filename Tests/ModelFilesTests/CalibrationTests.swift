import Collective
import ModelFiles
import XCTest

/// Expected calibration error against hand-computed values.
final class CalibrationTests: XCTestCase {
    func testECEIsTheTokenWeightedGapBetweenAccuracyAndConfidencePerBin() throws {
        var c = Calibration(bins: 10)
        // bin 9: confidences 0.95, 1.0 (p = 1 falls in the last bin), one right: acc 0.5, conf 0.975
        c.add(confidence: 0.95, correct: true)
        c.add(confidence: 1.0, correct: false)
        // bin 6: 0.6, 0.62, 0.64, all right: acc 1, conf 0.62
        for p in [0.6, 0.62, 0.64] { c.add(confidence: p, correct: true) }
        // bin 0: 0.05, wrong: acc 0, conf 0.05
        c.add(confidence: 0.05, correct: false)
        let want = 2.0 / 6 * abs(0.5 - 0.975) + 3.0 / 6 * abs(1 - 0.62) + 1.0 / 6 * abs(0 - 0.05)
        XCTAssertEqual(c.expectedCalibrationError, want, accuracy: 1e-12)
        XCTAssertEqual(c.total, 6)
        XCTAssertEqual(c.counts, [1, 0, 0, 0, 0, 0, 3, 0, 0, 2])
        let json = c.json
        XCTAssertEqual(json["tokens"] as? Int, 6)
        XCTAssertEqual((json["bins"] as? [[String: Any]])?[6]["accuracy"] as? Double, 1)
        XCTAssertEqual(try c.summed(over: SingleProcessCommunicator()), c)
    }

    func testPerfectlyCalibratedCountsGiveZero() {
        var c = Calibration(bins: 15)
        // 10 tokens at 0.7, 7 right
        for i in 0..<10 { c.add(confidence: 0.7, correct: i < 7) }
        XCTAssertEqual(c.expectedCalibrationError, 0, accuracy: 1e-12)
        XCTAssertEqual(Calibration(bins: 10).expectedCalibrationError, 0)
    }
}
