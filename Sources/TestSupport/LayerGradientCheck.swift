import Autodiff
import XCTest

/// Central-difference gradient check of a layer whose parameters live in a `ParameterStore`:
/// like `GradientCheck.check` (loss `Σ output · R`, same eps and tolerances), for the inputs
/// given as variables and for every float of `store`, perturbed in place.
/// `f` builds the output from the inputs; it gets the tape to pass to the layer (nil when
/// evaluating a perturbed loss).
@discardableResult
public func checkLayerGradients(_ name: String, store: ParameterStore, inputs: [(Shape, [Float])] = [],
                         seed: UInt64 = 7, file: StaticString = #filePath, line: UInt = #line,
                         _ f: ([Tensor], Tape?) -> Tensor) -> Float {
    let eps = GradientCheck.defaultEps, atol = GradientCheck.defaultAtol, rtol = GradientCheck.defaultRtol
    let probe = f(inputs.map { Tensor(shape: $0.0, scalars: $0.1) }, nil)
    var rng = SplitMix64(seed: seed)
    let r = Tensor(shape: probe.shape, scalars: (0..<probe.count).map { _ in rng.nextUniform() * 2 - 1 })

    // analytic: one backward pass
    store.zeroGrad()
    let tape = Tape()
    let xs = inputs.map { Tensor.variable(shape: $0.0, scalars: $0.1, tape: tape) }
    tape.backward(from: (f(xs, tape) * r).sum())
    let analytic = xs.map(\.gradScalars) + [Array(UnsafeBufferPointer(start: store.grads.base, count: store.count))]

    // numeric: perturb one float at a time, evaluate without a tape
    var values = inputs.map(\.1)
    func loss() -> Double {
        let out = f(zip(inputs, values).map { Tensor(shape: $0.0.0, scalars: $0.1) }, nil)
        return Double((out * r).sum().item)
    }
    // `set(v)` writes v into the perturbed float, whose value was `v0`; it is restored exactly
    func numeric(_ v0: Float, _ set: (Float) -> Void) -> Float {
        set(v0 + eps)
        let lp = loss()
        set(v0 - eps)
        let lm = loss()
        set(v0)
        return Float((lp - lm) / (2 * Double(eps)))
    }
    var worst = -Float.infinity, failures = 0
    func compare(_ a: Float, _ n: Float, _ what: String) {
        let violation = abs(a - n) - (atol + rtol * abs(n))
        worst = max(worst, violation)
        if violation > 0 {
            failures += 1
            if failures <= 5 { XCTFail("\(name): \(what): analytic \(a), numeric \(n)", file: file, line: line) }
        }
    }
    for i in inputs.indices {
        for j in values[i].indices {
            compare(analytic[i][j], numeric(values[i][j]) { values[i][j] = $0 }, "input \(i) element \(j)")
        }
    }
    let p = store.values.base
    for q in store.parameters {
        for j in 0..<q.count {
            let k = q.offset + j
            compare(analytic[inputs.count][k], numeric(p[k]) { p[k] = $0 }, "\(q.name)[\(j)]")
        }
    }
    if failures > 5 { XCTFail("\(name): \(failures) elements failed in all", file: file, line: line) }
    return worst
}
