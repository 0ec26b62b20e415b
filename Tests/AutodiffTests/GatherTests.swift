import Autodiff
import TestSupport
import XCTest

/// `gatherTimeSteps`: values by hand and a central-difference gradient check.
final class GatherTests: XCTestCase {
    func testGatherTimeStepsByHand() {
        // x[b, t, :] = [10b + t, −(10b + t)]
        let x = Tensor(shape: [2, 3, 2], scalars: [0, 0, 1, -1, 2, -2, 10, -10, 11, -11, 12, -12])
        XCTAssertEqual(x.gatherTimeSteps([2, 0]).scalars, [2, -2, 10, -10])
        XCTAssertEqual(x.gatherTimeSteps([1, 1]).shape, [2, 2])
    }

    func testGatherTimeStepsGradient() {
        // sequence 1 gathers its step 0 twice over (once per call), so its gradient accumulates
        GradientCheck.check("gather", inputs: [([2, 3, 4], randomValues(24, seed: 1))]) {
            concatLastAxis([$0[0].gatherTimeSteps([2, 0]), $0[0].gatherTimeSteps([1, 0]).tanh()])
        }
    }

    func testGatherLeavesOtherStepsWithoutGradient() {
        let tape = Tape()
        let x = Tensor.variable(shape: [2, 3, 1], scalars: randomValues(6, seed: 2), tape: tape)
        tape.backward(from: x.gatherTimeSteps([2, 1]).sum())
        XCTAssertEqual(x.gradScalars, [0, 0, 1, 0, 1, 0])
    }
}
