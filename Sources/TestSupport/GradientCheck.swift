import Autodiff
import XCTest

/// Central-difference gradient checking (tinygrad's `numerical_jacobian`, reduced to a scalar):
/// the loss is `Σ output · R` for a fixed random `R`, so one backward pass gives the analytic
/// gradient of every input, and each input element is perturbed by ±eps for the numeric one.
public enum GradientCheck {
    /// The project's gradient-check tolerances: pass when |analytic − numeric| ≤ atol + rtol·|numeric|.
    public static let defaultEps: Float = 1e-3
    public static let defaultAtol: Float = 1e-3
    public static let defaultRtol: Float = 1e-2

    /// Checks the gradient of `f` with respect to every input.
    ///
    /// - `inputs`: shapes and values of the differentiable inputs.
    /// - `f`: builds the output from tensors on a tape; it must be deterministic (a fixed dropout
    ///   key, say) since it is called once per perturbation.
    /// - Returns the largest violation `|a − n| − (atol + rtol·|n|)` (≤ 0 means pass), and
    ///   reports failures through XCTest at `file`/`line`.
    @discardableResult
    public static func check(_ name: String,
                             inputs: [(Shape, [Float])],
                             seed: UInt64 = 7,
                             eps: Float = defaultEps, atol: Float = defaultAtol, rtol: Float = defaultRtol,
                             file: StaticString = #filePath, line: UInt = #line,
                             _ f: ([Tensor]) -> Tensor) -> Float {
        // R: fixed random weights of the output
        let probeTape = Tape()
        let probeOut = f(inputs.map { Tensor.variable(shape: $0.0, scalars: $0.1, tape: probeTape) })
        var rng = SplitMix64(seed: seed)
        let r = (0..<probeOut.count).map { _ in rng.nextUniform() * 2 - 1 }
        probeTape.reset()

        func loss(_ values: [[Float]], tape: Tape) -> (Tensor, [Tensor]) {
            let xs = zip(inputs, values).map { Tensor.variable(shape: $0.0.0, scalars: $0.1, tape: tape) }
            let out = f(xs)
            return ((out * Tensor(shape: out.shape, scalars: r)).sum(), xs)
        }

        let tape = Tape()
        let base = inputs.map { $0.1 }
        let (l, xs) = loss(base, tape: tape)
        tape.backward(from: l)
        let analytic = xs.map { $0.gradScalars }

        var worst = -Float.infinity
        var failures = 0
        for (i, input) in inputs.enumerated() {
            for j in 0..<input.1.count {
                var plus = base, minus = base
                plus[i][j] += eps
                minus[i][j] -= eps
                // numerical loss in Double to keep the difference quotient accurate
                let lp = Double(evaluate(plus, loss)), lm = Double(evaluate(minus, loss))
                let numeric = Float((lp - lm) / (2 * Double(eps)))
                let a = analytic[i][j]
                let violation = abs(a - numeric) - (atol + rtol * abs(numeric))
                worst = max(worst, violation)
                if violation > 0 {
                    failures += 1
                    if failures <= 5 {
                        XCTFail("\(name): input \(i) element \(j): analytic \(a), numeric \(numeric)",
                                file: file, line: line)
                    }
                }
            }
        }
        if failures > 5 { XCTFail("\(name): \(failures) elements failed in all", file: file, line: line) }
        return worst
    }

    private static func evaluate(_ values: [[Float]], _ loss: ([[Float]], Tape) -> (Tensor, [Tensor])) -> Float {
        let tape = Tape()
        let (l, _) = loss(values, tape)
        tape.reset()
        return l.item
    }
}

/// Asserts two float arrays agree elementwise within `atol + rtol·|expected|`.
public func assertClose(_ actual: [Float], _ expected: [Float], atol: Float = 1e-5, rtol: Float = 1e-5,
                        _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(message): sizes differ", file: file, line: line)
    var bad = 0
    for (i, (a, e)) in zip(actual, expected).enumerated() where !(abs(a - e) <= atol + rtol * abs(e)) {
        bad += 1
        if bad <= 5 { XCTFail("\(message) [\(i)]: \(a) vs expected \(e)", file: file, line: line) }
    }
}

/// Fixed pseudo-random values in [-scale, scale].
public func randomValues(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in (rng.nextUniform() * 2 - 1) * scale }
}
