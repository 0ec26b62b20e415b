import Autodiff
import TestSupport
import XCTest

final class RowOpTests: XCTestCase {
    func testSelectingRowsGradient() {
        // row 1 twice: its gradient accumulates both copies
        GradientCheck.check("selectingRows", inputs: [([3, 2, 4], randomValues(24, seed: 1))]) { $0[0].selectingRows([1, 2, 1]) }
    }

    func testSelectingRowsValues() {
        let x = Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(x.selectingRows([2, 0]).scalars, [5, 6, 1, 2])
        XCTAssertEqual(x.selectingRows([]).shape, [0, 2])
    }

    func testPaddedSequencesGradient() {
        GradientCheck.check("paddedSequences", inputs: [([5, 4], randomValues(20, seed: 2))]) {
            $0[0].paddedSequences(lengths: [3, 0, 2], steps: 3)
        }
    }

    func testPaddedSequencesValues() {
        let x = Tensor(shape: [3, 1], scalars: [1, 2, 3])
        XCTAssertEqual(x.paddedSequences(lengths: [1, 2], steps: 3).scalars, [1, 0, 0, 2, 3, 0])
    }
}
