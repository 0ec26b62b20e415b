import Reporting
import XCTest

final class CostModelTests: XCTestCase {
    func testRingCostIsZeroOnOneRankAndFollowsTheFormula() {
        let model = AllReduceCostModel(alpha: 2e-6, beta: 1e-9)
        XCTAssertEqual(model.seconds(worldSize: 1, bytes: 1e6), 0)
        // 2(p−1)α + 2(p−1)/p·n·β at p = 4, n = 1e6: 6·2e-6 + 1.5e6·1e-9
        XCTAssertEqual(model.seconds(worldSize: 4, bytes: 1e6), 12e-6 + 1.5e-3, accuracy: 1e-12)
    }

    func testFitRecoversLatencyAndBandwidthFromExactSamples() throws {
        let truth = AllReduceCostModel(alpha: 5e-6, beta: 2e-10)
        let samples = [2, 4, 8].flatMap { p in
            [4096.0, 65536, 1_048_576, 16_777_216].map { AllReduceSample(worldSize: p, bytes: $0, seconds: truth.seconds(worldSize: p, bytes: $0)) }
        }
        let fitted = try XCTUnwrap(AllReduceCostModel.fit(samples + [AllReduceSample(worldSize: 1, bytes: 4096, seconds: 1)]))
        XCTAssertEqual(fitted.alpha, truth.alpha, accuracy: 1e-12)
        XCTAssertEqual(fitted.beta, truth.beta, accuracy: 1e-16)
    }

    func testFitNeverGoesNegativeAndNeedsTwoRanks() throws {
        XCTAssertNil(AllReduceCostModel.fit([AllReduceSample(worldSize: 1, bytes: 4096, seconds: 1e-6)]))
        // larger messages faster than small ones: an unconstrained fit would give β < 0
        let fitted = try XCTUnwrap(AllReduceCostModel.fit([AllReduceSample(worldSize: 2, bytes: 1000, seconds: 2e-5),
                                                           AllReduceSample(worldSize: 2, bytes: 1e6, seconds: 1e-5)]))
        XCTAssertGreaterThanOrEqual(fitted.alpha, 0)
        XCTAssertGreaterThanOrEqual(fitted.beta, 0)
    }

    func testProjectionAddsComputeUpdateAndAllReduce() {
        let projection = StepProjection(computePerSentence: 1e-3, update: 4e-3, bytes: 1e6,
                                        cost: AllReduceCostModel(alpha: 1e-6, beta: 1e-9))
        let one = projection.point(worldSize: 1, perRankBatch: 32)
        XCTAssertEqual(one.stepSeconds, 0.036, accuracy: 1e-12)
        let many = projection.point(worldSize: 1024, perRankBatch: 32)
        let latency: Double = 2 * 1023 * 1e-6
        let transfer: Double = 2.0 * 1023 / 1024 * 1e6 * 1e-9
        let ring = latency + transfer
        XCTAssertEqual(many.stepSeconds, 0.036 + ring, accuracy: 1e-12)
        XCTAssertEqual(many.sentencesPerSecond, 1024 * 32 / (0.036 + ring), accuracy: 1e-6)
        XCTAssertEqual(projection.efficiency(worldSize: 1024, perRankBatch: 32), 0.036 / (0.036 + ring), accuracy: 1e-12)
        XCTAssertEqual(projection.point(worldSize: 4, perRankBatch: 8, slowdown: 2).computeSeconds, 2 * (0.008 + 0.004), accuracy: 1e-12)
    }
}
