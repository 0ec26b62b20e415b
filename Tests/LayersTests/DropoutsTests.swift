import Autodiff
import Layers
import TestSupport
import XCTest

/// The dropout layers: identity outside training, and the mask structure of each kind.
final class DropoutsTests: XCTestCase {
    let x = Tensor(shape: [2, 50, 8], scalars: randomValues(800, seed: 41).map { $0 + 2 })   // all > 0
    let keys: [UInt64] = [7, 8]

    func testIdentityWhenNotTrainingOrZeroProbability() {
        XCTAssertTrue(Dropout(probability: 0.5)(x, keys: keys, training: false) === x)
        XCTAssertTrue(Dropout.locked(probability: 0.5)(x, keys: keys, training: false) === x)
        XCTAssertTrue(Dropout.word(probability: 0.5)(x, keys: keys, training: false) === x)
        XCTAssertTrue(Dropout(probability: 0)(x, keys: keys, training: true) === x)
        XCTAssertTrue(Dropout.locked(probability: 0)(x, keys: keys, training: true) === x)
        XCTAssertTrue(Dropout.word(probability: 0)(x, keys: keys, training: true) === x)
    }

    func testElementDropoutDropsAndRescales() {
        let y = Dropout(probability: 0.25)(x, keys: keys, training: true).scalars
        let xs = x.scalars
        var dropped = 0
        for i in 0..<y.count {
            if y[i] == 0 { dropped += 1 } else { XCTAssertEqual(y[i], xs[i] / 0.75, accuracy: 1e-5) }
        }
        XCTAssertEqual(Double(dropped) / Double(y.count), 0.25, accuracy: 0.06)
        XCTAssertEqual(Dropout(probability: 0.25)(x, keys: keys, training: true).scalars, y, "same keys, same mask")
    }

    func testLockedDropoutSharesTheMaskOverTime() {
        let y = Dropout.locked(probability: 0.5)(x, keys: keys, training: true).scalars
        var dropped = 0
        for b in 0..<2 {
            for j in 0..<8 {
                let zeroAtStart = y[(b * 50) * 8 + j] == 0
                if zeroAtStart { dropped += 1 }
                for t in 1..<50 { XCTAssertEqual(y[(b * 50 + t) * 8 + j] == 0, zeroAtStart, "feature \(j) of sentence \(b) at step \(t)") }
            }
        }
        XCTAssertTrue(dropped > 0 && dropped < 16, "some but not all features dropped, got \(dropped)")
    }

    func testWordDropoutDropsWholeTokensWithoutRescaling() {
        let y = Dropout.word(probability: 0.3)(x, keys: keys, training: true).scalars
        let xs = x.scalars
        var dropped = 0
        for row in 0..<100 {
            let r = Array(y[(row * 8)..<((row + 1) * 8)])
            if r.allSatisfy({ $0 == 0 }) { dropped += 1 } else { XCTAssertEqual(r, Array(xs[(row * 8)..<((row + 1) * 8)])) }
        }
        XCTAssertTrue(dropped > 10 && dropped < 50, "about 30 of 100 tokens dropped, got \(dropped)")
    }
}
