/// Adam with decoupled weight decay, PyTorch's `torch.optim.AdamW` (Loshchilov & Hutter 2019,
/// "Decoupled Weight Decay Regularization"): the parameters shrink before the Adam update, and
/// the decay never enters the moments:
///
///     p = p − lr·λ·p
///     m = β₁·m + (1 − β₁)·g
///     v = β₂·v + (1 − β₂)·g²
///     p = p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// State: buffers `"m"` and `"v"` like `Adam`, saved under the kind `"adamw"`.
/// Reference: https://pytorch.org/docs/stable/generated/torch.optim.AdamW.html
public struct AdamW: Optimizer {
    /// β₁ in [0, 1).
    public let beta1: Double
    /// β₂ in [0, 1).
    public let beta2: Double
    /// ε ≥ 0, added to the bias-corrected √v.
    public let epsilon: Double
    /// λ ≥ 0, the decoupled decay rate (PyTorch's default 0.01).
    public let weightDecay: Double

    /// The kind recorded in saved states.
    public let kind = "adamw"
    var moments = AdamMoments()
    /// Updates applied so far (t − 1 during step t).
    public var stepCount: Int { moments.stepCount }

    /// Throws `OptimizerError.invalidHyperparameter` for a value outside its range.
    public init(beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0.01) throws {
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
                       beta1: beta1, beta2: beta2, epsilon: epsilon, l2: 0, decoupled: weightDecay)
    }
}
