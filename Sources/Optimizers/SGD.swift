/// Stochastic gradient descent with momentum, PyTorch's `torch.optim.SGD`:
///
///     d = g + λ·p                                   (weight decay added to the gradient)
///     b = d                       on the first step
///     b = μ·b + (1 − τ)·d         afterwards        (τ: dampening)
///     d = d + μ·b  if nesterov, else  d = b
///     p = p − lr·d
///
/// With `momentum == 0` there is no buffer and the update is `p −= lr·(g + λ·p)`.
/// State: one buffer `"momentum"` (b) when `momentum > 0`, none otherwise.
/// Reference: https://pytorch.org/docs/stable/generated/torch.optim.SGD.html
public struct SGD: Optimizer {
    /// μ ≥ 0.
    public let momentum: Double
    /// τ, the share of the new gradient dropped from the momentum buffer after the first step.
    public let dampening: Double
    /// Nesterov momentum (needs μ > 0 and τ = 0).
    public let nesterov: Bool
    /// λ ≥ 0, L2 penalty added to the gradient.
    public let weightDecay: Double

    /// The kind recorded in saved states.
    public let kind = "sgd"
    /// Updates applied so far.
    public private(set) var stepCount = 0
    private var momentumBuffer: [Float] = []

    /// Throws `OptimizerError.invalidHyperparameter` for a negative or non-finite value, or
    /// Nesterov without momentum or with dampening (as PyTorch does).
    public init(momentum: Double = 0, dampening: Double = 0, nesterov: Bool = false, weightDecay: Double = 0) throws {
        try require("momentum", momentum, "≥ 0") { $0 >= 0 }
        try require("dampening", dampening, "finite") { _ in true }
        try require("weight_decay", weightDecay, "≥ 0") { $0 >= 0 }
        if nesterov {
            try require("momentum", momentum, "> 0 with nesterov") { $0 > 0 }
            try require("dampening", dampening, "0 with nesterov") { $0 == 0 }
        }
        self.momentum = momentum
        self.dampening = dampening
        self.nesterov = nesterov
        self.weightDecay = weightDecay
    }

    private var bufferNames: [String] { momentum == 0 ? [] : ["momentum"] }

    /// The step count and the state buffers, copied out (empty before the first step).
    public var state: OptimizerState {
        OptimizerState(kind: kind, stepCount: stepCount,
                       buffers: momentum == 0 ? [] : [StateBuffer(name: "momentum", values: momentumBuffer)])
    }

    /// Replaces the state by a saved one over `count` parameters; throws `OptimizerError` for
    /// another kind, other buffers or another length (see `Optimizer.restore(_:count:)`).
    public mutating func restore(_ state: OptimizerState, count: Int) throws {
        let buffers = try validatedBuffers(state, kind: kind, names: bufferNames, count: count)
        momentumBuffer = buffers.first ?? []
        stepCount = state.stepCount
    }

    /// One update of the ranges `nonZero` of `parameters[0..<count]` when there is no momentum
    /// and no weight decay (`p −= lr·g` leaves a parameter with a zero gradient as it is, bit for
    /// bit), else of all `count`; one step either way.
    public mutating func step(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                              count n: Int, nonZero: [Range<Int>], learningRate lr: Float) {
        guard momentum == 0 && weightDecay == 0 else {
            step(parameters: p, gradients: g, count: n, learningRate: lr)
            return
        }
        for r in nonZero {
            precondition(r.lowerBound >= 0 && r.upperBound <= n, "SGD: range \(r) outside the \(n) parameters")
            // p[i] -= lr · (g[i] + λ·p[i])  for i in r, λ = 0: the loop of `step` on r
            let lambda = Float(weightDecay)
            for i in r { p[i] -= lr * (g[i] + lambda * p[i]) }
        }
        stepCount += 1
    }

    /// One update of `parameters[0..<count]` in place, in one loop (formula above).
    public mutating func step(parameters p: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                              count n: Int, learningRate lr: Float) {
        // constants rounded to Float once, complements taken in Double first (as PyTorch does
        // with its Python-float hyperparameters)
        let lambda = Float(weightDecay), mu = Float(momentum)
        if mu == 0 {
            // p[i] -= lr · (g[i] + λ·p[i])
            for i in 0..<n { p[i] -= lr * (g[i] + lambda * p[i]) }
            stepCount += 1
            return
        }
        prepare(&momentumBuffer, count: n, name: "momentum")
        let first = stepCount == 0, keep = Float(1 - dampening), nesterov = self.nesterov
        momentumBuffer.withUnsafeMutableBufferPointer { bp in
            guard let b = bp.baseAddress else { return }
            for i in 0..<n {
                // d = g[i] + λ·p[i];  b[i] = d (first step) or μ·b[i] + (1 − τ)·d
                let d = g[i] + lambda * p[i]
                let bi = first ? d : mu * b[i] + keep * d
                b[i] = bi
                // p[i] -= lr · (nesterov ? d + μ·b[i] : b[i])
                p[i] -= lr * (nesterov ? d + mu * bi : bi)
            }
        }
        stepCount += 1
    }
}
