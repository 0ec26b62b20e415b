import Autodiff
import Foundation
import XCTest

/// The vectorised exp/sigmoid/tanh/erf/GELU against libm over the range the LSTM gates see and
/// beyond, at every instruction-set level this CPU runs (the baseline build always).
final class FastMathTests: XCTestCase {
    let xs: [Float] = stride(from: -30.0, through: 30.0, by: 0.001).map { Float($0) } + [0, -0, 1e-8, -1e-8, 1e-4, 0.2499, 0.25, 0.2501, 90, -90, 200, -200]
    let levels = Array(0...FastMath.supportedLevel)

    private typealias Kernel = (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int) -> Void

    private func compare(_ name: String, _ fast: Kernel, _ exact: (Double) -> Double, relTol: Double, absTol: Double,
                         inputs: [Float]? = nil) {
        let xs = inputs ?? self.xs
        for level in levels {
            var out = [Float](repeating: .nan, count: xs.count)
            xs.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { y in fast(x.baseAddress!, y.baseAddress!, xs.count, level) } }
            var worstRel = 0.0, failures = 0
            for (x, y) in zip(xs, out) {
                let e = exact(Double(x))
                let err = abs(Double(y) - e)
                if abs(e) > 1e-30, e.isFinite { worstRel = max(worstRel, err / abs(e)) }
                if !(err <= absTol || err <= relTol * abs(e)) {
                    failures += 1
                    if failures <= 5 { XCTFail("level \(level): \(name)(\(x)) = \(y), libm \(e)") }
                }
            }
            XCTAssertEqual(failures, 0, "level \(level): \(name) outside tolerance")
            if absTol == 0 { XCTAssertLessThan(worstRel, relTol * 1.0001, "level \(level): \(name): worst relative error \(worstRel)") }
        }
    }

    func testTanh() {
        compare("tanh", { FastMath.tanh($0, $1, count: $2, level: $3) }, { Foundation.tanh($0) }, relTol: 3e-7, absTol: 0)
    }

    func testSigmoid() {
        // relative error of 1/(1+e^-x) is that of the exp; tiny results (x < -87) clamp
        compare("sigmoid", { FastMath.sigmoid($0, $1, count: $2, level: $3) }, { 1 / (1 + Foundation.exp(-$0)) }, relTol: 3e-7, absTol: 1e-37)
    }

    func testExp() {
        compare("exp", { FastMath.exp($0, $1, count: $2, level: $3) }, { Foundation.exp($0) }, relTol: 3e-7, absTol: 0,
                inputs: xs.filter { abs($0) < 80 })
        for level in levels {
            var big: [Float] = [200, -200, .nan]
            FastMath.exp(big, &big, count: 3, level: level)
            XCTAssertTrue(big[0].isFinite && big[0] > 1e38, "level \(level): large inputs clamp instead of overflowing")
            XCTAssertLessThan(big[1], 1e-37)
            XCTAssertTrue(big[2].isNaN, "level \(level): NaN stays NaN (the divergence checks rely on it)")
        }
    }

    /// erf within 5e-7 and GELU (forward and derivative) within 3e-7 / 5e-7 absolute of libm: what the
    /// transformer's feed-forward blocks need to match PyTorch's exact GELU.
    func testErfAndGelu() {
        compare("erf", { FastMath.erf($0, $1, count: $2, level: $3) }, { Foundation.erf($0) }, relTol: 0, absTol: 5e-7)
        let n = xs.count
        let ones = [Float](repeating: 1, count: n)
        for level in levels {
            var gelu = [Float](repeating: 0, count: n)
            var slope = [Float](repeating: 0.5, count: n)   // accumulates onto 0.5
            FastMath.gelu(xs, &gelu, count: n, level: level)
            FastMath.geluBackward(xs, ones, &slope, count: n, level: level)
            var worst = (gelu: 0.0, slope: 0.0)
            for (i, x) in xs.enumerated() {
                let d = Double(x), phi = 0.5 * (1 + Foundation.erf(d / 2.0.squareRoot()))
                worst.gelu = max(worst.gelu, abs(Double(gelu[i]) - d * phi) / max(1, abs(d)))
                let exact = phi + d * Foundation.exp(-0.5 * d * d) / (2 * Double.pi).squareRoot()
                worst.slope = max(worst.slope, abs(Double(slope[i]) - 0.5 - exact))
            }
            XCTAssertLessThan(worst.gelu, 3e-7, "level \(level): gelu, relative to max(1, |x|)")
            XCTAssertLessThan(worst.slope, 5e-7, "level \(level): gelu derivative")
        }
    }

    /// Lengths around every vector width (4, 8, 16 lanes and their unrolled multiples), written in
    /// place and out of place, with the elements past `count` left alone.
    func testEveryLengthInPlaceAndBeyondTheEnd() {
        for level in levels {
            for n in 0...70 {
                let x = (0..<n).map { Float($0) * 0.37 - 2 }
                var y = [Float](repeating: 9, count: n + 3)
                FastMath.tanh(x, &y, count: n, level: level)
                var inPlace = x
                FastMath.sigmoid(inPlace, &inPlace, count: n, level: level)
                for i in 0..<n {
                    XCTAssertEqual(y[i], Foundation.tanh(x[i]), accuracy: 1e-6, "level \(level), n \(n)")
                    XCTAssertEqual(inPlace[i], 1 / (1 + Foundation.exp(-x[i])), accuracy: 1e-6, "level \(level), n \(n)")
                }
                XCTAssertEqual(Array(y[n...]), [9, 9, 9], "level \(level): wrote past count \(n)")
            }
        }
    }
}
