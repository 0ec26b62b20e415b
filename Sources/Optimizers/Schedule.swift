import Foundation

/// A learning-rate schedule: a function from the step index to the learning rate, as in
/// mlx-swift's schedulers. Step `s` is 0-based: the rate for the update that runs after `s`
/// updates have been applied (`optimizer.stepCount` before the step).
///
///     let schedule = try Schedule.warmupCosine(peak: 1e-3, warmupSteps: 100, totalSteps: 1000)
///     optimizer.step(store: store, learningRate: schedule(optimizer.stepCount))
public struct Schedule: Sendable {
    /// Step index → learning rate.
    public let rate: @Sendable (Int) -> Float

    /// A schedule computing the rate with `rate`.
    public init(_ rate: @escaping @Sendable (Int) -> Float) {
        self.rate = rate
    }

    /// The learning rate for step `step`.
    public func callAsFunction(_ step: Int) -> Float { rate(step) }

    /// `lr(s) = value` for every step.
    public static func constant(_ value: Float) throws -> Schedule {
        try require("learning_rate", value, "≥ 0") { $0 >= 0 }
        return Schedule { _ in value }
    }

    /// Linear warmup, then linear decay to `floor` at `totalSteps` (HuggingFace's
    /// `get_linear_schedule_with_warmup`, with llm.c's warmup that starts above zero):
    ///
    ///     lr(s) = peak·(s + 1)/W                                   s < W
    ///     lr(s) = floor + (peak − floor)·(1 − (s − W)/(N − W))      W ≤ s < N
    ///     lr(s) = floor                                             s ≥ N
    ///
    /// with W = `warmupSteps`, N = `totalSteps`; so `lr(W − 1) = lr(W) = peak`.
    /// Throws for W < 0, N < W, peak < 0 or floor outside [0, peak].
    public static func linearWarmupDecay(peak: Float, warmupSteps: Int, totalSteps: Int,
                                         floor: Float = 0) throws -> Schedule {
        try validateWarmup(peak: peak, warmupSteps: warmupSteps, totalSteps: totalSteps, floor: floor)
        return Schedule { s in
            if s < warmupSteps { return peak * Float(s + 1) / Float(warmupSteps) }
            let progress = decayProgress(s, warmupSteps, totalSteps)
            return floor + (peak - floor) * Float(1 - progress)
        }
    }

    /// Linear warmup, then half-cosine decay to `floor` at `totalSteps` (llm.c's `get_lr`;
    /// Loshchilov & Hutter 2017, SGDR, without restarts):
    ///
    ///     lr(s) = peak·(s + 1)/W                                         s < W
    ///     lr(s) = floor + (peak − floor)·½(1 + cos(π·(s − W)/(N − W)))    W ≤ s < N
    ///     lr(s) = floor                                                   s ≥ N
    ///
    /// Throws for W < 0, N < W, peak < 0 or floor outside [0, peak].
    public static func warmupCosine(peak: Float, warmupSteps: Int, totalSteps: Int,
                                    floor: Float = 0) throws -> Schedule {
        try validateWarmup(peak: peak, warmupSteps: warmupSteps, totalSteps: totalSteps, floor: floor)
        return Schedule { s in
            if s < warmupSteps { return peak * Float(s + 1) / Float(warmupSteps) }
            let progress = decayProgress(s, warmupSteps, totalSteps)
            let c = 0.5 * (1 + Foundation.cos(Double.pi * progress))
            return floor + (peak - floor) * Float(c)
        }
    }

    private static func validateWarmup(peak: Float, warmupSteps: Int, totalSteps: Int, floor: Float) throws {
        try require("learning_rate", peak, "≥ 0") { $0 >= 0 }
        try require("min_learning_rate", floor, "between 0 and learning_rate (\(peak))") { $0 >= 0 && $0 <= peak }
        guard warmupSteps >= 0 else {
            throw OptimizerError.invalidHyperparameter(name: "warmup_steps", value: Double(warmupSteps), expected: "≥ 0")
        }
        guard totalSteps >= warmupSteps else {
            throw OptimizerError.invalidHyperparameter(name: "total_steps", value: Double(totalSteps),
                                                       expected: "≥ warmup_steps (\(warmupSteps))")
        }
    }
}

/// (s − W)/(N − W) clamped to [0, 1]; 1 when the decay phase is empty (N = W).
private func decayProgress(_ s: Int, _ warmup: Int, _ total: Int) -> Double {
    guard total > warmup else { return 1 }
    return min(1, max(0, Double(s - warmup) / Double(total - warmup)))
}
