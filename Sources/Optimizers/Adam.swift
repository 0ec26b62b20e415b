import Foundation

/// Where Adam's weight decay enters: the two variants differ only in that (and in their kind and
/// default decay), so `Adam` and `AdamW` are one optimizer, `AdamOptimizer`, with a different `Decay`.
public protocol AdamWeightDecay {
    /// The kind recorded in saved states.
    static var kind: String { get }
    /// PyTorch's default decay rate for the variant.
    static var defaultRate: Double { get }
    /// True: p shrinks by lr·λ·p before the update (AdamW); false: λ·p is added to the gradient (Adam).
    static var decoupled: Bool { get }
}

/// L2 decay added to the gradient, as PyTorch's `torch.optim.Adam` applies `weight_decay`.
public enum L2WeightDecay: AdamWeightDecay {
    public static let kind = "adam"
    public static let defaultRate = 0.0
    public static let decoupled = false
}

/// Decoupled decay of the parameters, as PyTorch's `torch.optim.AdamW` applies `weight_decay`.
public enum DecoupledWeightDecay: AdamWeightDecay {
    public static let kind = "adamw"
    public static let defaultRate = 0.01
    public static let decoupled = true
}

/// Adam (Kingma & Ba 2015, with PyTorch's placement of ε), its weight decay placed by `Decay`:
///
///     p = p − lr·λ·p                 (AdamW only)
///     g = g + λ·p                    (Adam only)
///     m = β₁·m + (1 − β₁)·g
///     v = β₂·v + (1 − β₂)·g²
///     p = p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// where t is the 1-based step number. State: buffers `"m"` and `"v"`, zero before step 1, saved
/// under the variant's kind. References: https://pytorch.org/docs/stable/generated/torch.optim.Adam.html,
/// https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html (Loshchilov & Hutter 2019).
public struct AdamOptimizer<Decay: AdamWeightDecay>: Optimizer {
    /// β₁ in [0, 1).
    public let beta1: Double
    /// β₂ in [0, 1).
    public let beta2: Double
    /// ε ≥ 0, added to the bias-corrected √v.
    public let epsilon: Double
    /// λ ≥ 0, the weight decay rate.
    public let weightDecay: Double

    /// The kind recorded in saved states: `"adam"` or `"adamw"`.
    public var kind: String { Decay.kind }
    var moments = AdamMoments()
    /// Updates applied so far (t − 1 during step t).
    public var stepCount: Int { moments.stepCount }

    /// Throws `OptimizerError.invalidHyperparameter` for a value outside its range.
    public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8,
                weightDecay: Double = Decay.defaultRate) throws {
        try validateAdam(beta1: beta1, beta2: beta2, epsilon: epsilon, weightDecay: weightDecay)
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
    }

    /// The step count and the state buffers, copied out (empty before the first step).
    public var state: OptimizerState { moments.state(kind: kind) }

    /// Replaces the state by a saved one over `count` parameters; throws `OptimizerError` for
    /// another kind, other buffers or another length (see `Optimizer.restore(_:count:)`).
    public mutating func restore(_ state: OptimizerState, count: Int) throws {
        try moments.restore(state, kind: kind, count: count)
    }

    /// One update of `parameters[0..<count]` in place, in one loop (formula above).
    public mutating func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                              count: Int, learningRate: Float) {
        moments.update(parameters: parameters, gradients: gradients, count: count, learningRate: learningRate,
                       beta1: beta1, beta2: beta2, epsilon: epsilon,
                       l2: Decay.decoupled ? 0 : weightDecay, decoupled: Decay.decoupled ? weightDecay : 0)
    }
}

/// Adam with L2 weight decay added to the gradient (PyTorch's `torch.optim.Adam`).
public typealias Adam = AdamOptimizer<L2WeightDecay>

/// Adam with decoupled weight decay (PyTorch's `torch.optim.AdamW`, default λ = 0.01).
public typealias AdamW = AdamOptimizer<DecoupledWeightDecay>

func validateAdam(beta1: Double, beta2: Double, epsilon: Double, weightDecay: Double) throws {
    try require("beta1", beta1, "0 ≤ beta1 < 1") { $0 >= 0 && $0 < 1 }
    try require("beta2", beta2, "0 ≤ beta2 < 1") { $0 >= 0 && $0 < 1 }
    try require("epsilon", epsilon, "≥ 0") { $0 >= 0 }
    try require("weight_decay", weightDecay, "≥ 0") { $0 >= 0 }
}

/// The state and the one update loop that `Adam` and `AdamW` share (AdamW is Adam plus a
/// decoupled decay of the parameters, as in mlx-swift where `AdamW` extends `Adam`).
struct AdamMoments {
    var stepCount = 0
    var m: [Float] = []
    var v: [Float] = []

    func state(kind: String) -> OptimizerState {
        OptimizerState(kind: kind, stepCount: stepCount,
                       buffers: [StateBuffer(name: "m", values: m), StateBuffer(name: "v", values: v)])
    }

    mutating func restore(_ state: OptimizerState, kind: String, count: Int) throws {
        let buffers = try validatedBuffers(state, kind: kind, names: ["m", "v"], count: count)
        m = buffers[0]
        v = buffers[1]
        stepCount = state.stepCount
    }

    /// One Adam step over `count` elements, in one loop over eight lanes at a time:
    ///
    ///     p = p·(1 − lr·decoupled)        (AdamW; 1 for Adam)
    ///     g = g + l2·p_old                (Adam's L2; 0 for AdamW)
    ///     m, v, p as in `Adam`
    mutating func update(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                         count n: Int, learningRate lr: Float,
                         beta1: Double, beta2: Double, epsilon: Double, l2: Double, decoupled: Double) {
        prepare(&m, count: n, name: "m")
        prepare(&v, count: n, name: "v")
        stepCount += 1
        // bias corrections in Double: βᵗ underflows gracefully and 1 − βᵗ keeps its digits
        let t = Double(stepCount)
        let stepSize = Float(Double(lr) / (1 - Foundation.pow(beta1, t)))
        let bc2Sqrt = Float((1 - Foundation.pow(beta2, t)).squareRoot())
        // constants rounded to Float once, complements taken in Double first (as PyTorch does
        // with its Python-float hyperparameters)
        let shrink = Float(1 - Double(lr) * decoupled)
        let b1 = Float(beta1), b2 = Float(beta2), oneMinusB1 = Float(1 - beta1), oneMinusB2 = Float(1 - beta2)
        let l2 = Float(l2), epsilon = Float(epsilon)
        typealias V = SIMD8<Float>
        // one lane per element, the scalar formula exactly (IEEE sqrt and division on each lane)
        @inline(__always)
        func step(_ g: V, _ p: inout V, _ m: inout V, _ v: inout V) {
            // d = g + l2·p
            let d = g + l2 * p
            // m = β₁·m + (1 − β₁)·d;  v = β₂·v + (1 − β₂)·d²
            m = b1 * m + oneMinusB1 * d
            v = b2 * v + oneMinusB2 * d * d
            // p = p·(1 − lr·wd) − stepSize · m / (√v / √(1 − β₂ᵗ) + ε)
            p = p * shrink - stepSize * m / (v.squareRoot() / bc2Sqrt + epsilon)
        }
        m.withUnsafeMutableBufferPointer { mp in
            v.withUnsafeMutableBufferPointer { vp in
                guard let m = mp.baseAddress, let v = vp.baseAddress else { return }
                let pr = UnsafeMutableRawPointer(p), gr = UnsafeRawPointer(g)
                let mr = UnsafeMutableRawPointer(m), vr = UnsafeMutableRawPointer(v)
                var i = 0
                while i + 8 <= n {
                    let at = 4 * i
                    var pi = pr.loadUnaligned(fromByteOffset: at, as: V.self)
                    var mi = mr.loadUnaligned(fromByteOffset: at, as: V.self)
                    var vi = vr.loadUnaligned(fromByteOffset: at, as: V.self)
                    step(gr.loadUnaligned(fromByteOffset: at, as: V.self), &pi, &mi, &vi)
                    pr.storeBytes(of: pi, toByteOffset: at, as: V.self)
                    mr.storeBytes(of: mi, toByteOffset: at, as: V.self)
                    vr.storeBytes(of: vi, toByteOffset: at, as: V.self)
                    i += 8
                }
                guard i < n else { return }
                // the last n − i < 8 elements in zero-padded lanes
                var gi = V(repeating: 0), pi = V(repeating: 0), mi = V(repeating: 0), vi = V(repeating: 0)
                for j in 0..<(n - i) { gi[j] = g[i + j]; pi[j] = p[i + j]; mi[j] = m[i + j]; vi[j] = v[i + j] }
                step(gi, &pi, &mi, &vi)
                for j in 0..<(n - i) { p[i + j] = pi[j]; m[i + j] = mi[j]; v[i + j] = vi[j] }
            }
        }
    }
}
