import Autodiff
import Foundation
import XCTest

/// The vectorised exp/sigmoid/tanh against libm over the range the LSTM gates see and beyond.
final class FastMathTests: XCTestCase {
    let xs: [Float] = stride(from: -30.0, through: 30.0, by: 0.001).map { Float($0) } + [0, -0, 1e-8, -1e-8, 1e-4, 0.2499, 0.25, 0.2501, 90, -90, 200, -200]

    private func compare(_ name: String, _ fast: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void,
                         _ exact: (Double) -> Double, relTol: Double, absTol: Double) {
        var out = [Float](repeating: 0, count: xs.count)
        xs.withUnsafeBufferPointer { x in out.withUnsafeMutableBufferPointer { y in fast(x.baseAddress!, y.baseAddress!, xs.count) } }
        var worstRel = 0.0, worstAbs = 0.0
        for (x, y) in zip(xs, out) {
            let e = exact(Double(x))
            let err = abs(Double(y) - e)
            worstAbs = max(worstAbs, err)
            if abs(e) > 1e-30, e.isFinite { worstRel = max(worstRel, err / abs(e)) }
            XCTAssertTrue(err <= absTol || err <= relTol * abs(e), "\(name)(\(x)) = \(y), libm \(e)")
        }
        XCTAssertLessThan(worstRel, relTol * 1.0001, "\(name): worst relative error \(worstRel)")
    }

    func testTanh() {
        compare("tanh", { FastMath.tanh($0, $1, count: $2) }, { Foundation.tanh($0) }, relTol: 3e-7, absTol: 0)
    }

    func testSigmoid() {
        // relative error of 1/(1+e^-x) is that of the exp; tiny results (x < -87) clamp
        compare("sigmoid", { FastMath.sigmoid($0, $1, count: $2) }, { 1 / (1 + Foundation.exp(-$0)) }, relTol: 3e-7, absTol: 1e-37)
    }

    func testExp() {
        let inRange = xs.filter { abs($0) < 80 }
        var out = [Float](repeating: 0, count: inRange.count)
        FastMath.exp(inRange, &out, count: inRange.count)
        for (x, y) in zip(inRange, out) {
            let e = Foundation.exp(Double(x))
            XCTAssertLessThan(abs(Double(y) - e) / e, 3e-7, "exp(\(x)) = \(y), libm \(e)")
        }
        var big: [Float] = [200, -200]
        FastMath.exp(big, &big, count: 2)
        XCTAssertTrue(big[0].isFinite && big[0] > 1e38, "large inputs clamp instead of overflowing")
        XCTAssertLessThan(big[1], 1e-37)
    }

    /// erf within 5e-7 and GELU (forward and derivative) within 3e-7 / 5e-7 absolute of libm: what the
    /// transformer's feed-forward blocks need to match PyTorch's exact GELU.
    func testErfAndGelu() {
        let n = xs.count
        var erf = [Float](repeating: 0, count: n), gelu = [Float](repeating: 0, count: n)
        var slope = [Float](repeating: 0.5, count: n)   // accumulates onto 0.5
        let ones = [Float](repeating: 1, count: n)
        xs.withUnsafeBufferPointer { x in
            erf.withUnsafeMutableBufferPointer { y in
                for i in stride(from: 0, to: n - 7, by: 8) {
                    let v = FastMath.erf(UnsafeRawPointer(x.baseAddress! + i).loadUnaligned(as: FastMath.V.self))
                    for j in 0..<8 { y[i + j] = v[j] }
                }
            }
        }
        FastMath.gelu(xs, &gelu, count: n)
        FastMath.geluBackward(xs, ones, &slope, count: n)
        var worst = (erf: 0.0, gelu: 0.0, slope: 0.0)
        for (i, x) in xs.enumerated() {
            let d = Double(x), phi = 0.5 * (1 + Foundation.erf(d / 2.0.squareRoot()))
            if i < n - n % 8 { worst.erf = max(worst.erf, abs(Double(erf[i]) - Foundation.erf(d))) }
            worst.gelu = max(worst.gelu, abs(Double(gelu[i]) - d * phi) / max(1, abs(d)))
            let exact = phi + d * Foundation.exp(-0.5 * d * d) / (2 * Double.pi).squareRoot()
            worst.slope = max(worst.slope, abs(Double(slope[i]) - 0.5 - exact))
        }
        XCTAssertLessThan(worst.erf, 5e-7, "erf")
        XCTAssertLessThan(worst.gelu, 3e-7, "gelu, relative to max(1, |x|)")
        XCTAssertLessThan(worst.slope, 5e-7, "gelu derivative")
    }

    func testTailShorterThanEightLanes() {
        for n in 1...17 {
            let x = (0..<n).map { Float($0) * 0.37 - 2 }
            var y = [Float](repeating: 9, count: n)
            FastMath.tanh(x, &y, count: n)
            for i in 0..<n { XCTAssertEqual(y[i], Foundation.tanh(x[i]), accuracy: 1e-6) }
        }
    }
}
