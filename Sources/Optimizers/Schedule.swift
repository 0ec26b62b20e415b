import Foundation

/// The learning rate of every update: a linear warm-up, then a constant rate, a linear or cosine
/// decay, or a rate annealed when a dev score stops improving (`ReduceOnPlateau`). Step `s` is
/// 0-based: the rate for the update that runs after `s` updates have been applied
/// (`optimizer.stepCount` before the step). As in mlx-swift's schedulers a schedule is a function
/// of the step; the plateau kind also changes with the scores passed to `record(_:)`, and its
/// `state` is what a checkpoint saves.
///
///     var schedule = try Schedule.warmupCosine(peak: 1e-3, warmupSteps: 100, totalSteps: 1000)
///     optimizer.step(store: store, learningRate: schedule(optimizer.stepCount))
///     schedule.record(devScore)   // anneals a plateau schedule, ignored by the others
///
/// Every kind warms up the same way, from `peak` (the plateau kind: its current rate):
///
///     lr(s) = peak·(s + 1)/W    s < W = warmupSteps
public struct Schedule: Sendable {
    /// What follows the warm-up; the raw values are the names of `training.schedule`.
    public enum Kind: String, Codable, CaseIterable, Sendable {
        /// `lr(s) = peak`.
        case constant
        /// `lr(s)` = the rate of a `ReduceOnPlateau`, annealed by `record(_:)`.
        case plateau
        /// Linear decay from `peak` to the floor.
        case linear
        /// Half-cosine decay from `peak` to the floor.
        case cosine
    }

    /// A schedule's mutable part, for checkpoints: the steps are counted by the optimizer, so
    /// only the plateau kind has state of its own.
    public struct State: Codable, Equatable, Sendable {
        /// The kind of the schedule that saved the state.
        public var kind: Kind
        /// The plateau's rate, best score and bad evaluations; nil for the other kinds.
        public var plateau: ReduceOnPlateau.State?

        /// A state with the given fields.
        public init(kind: Kind, plateau: ReduceOnPlateau.State?) {
            self.kind = kind
            self.plateau = plateau
        }
    }

    private enum Phase: Sendable {
        case constant
        case plateau(ReduceOnPlateau)
        case linear(totalSteps: Int, floor: Float)
        case cosine(totalSteps: Int, floor: Float)
    }

    /// The peak the schedule was built with (the plateau kind: its starting rate).
    private let initialPeak: Float
    /// Updates over which the rate ramps up linearly to `peak`.
    public let warmupSteps: Int
    private var phase: Phase

    private init(peak: Float, warmupSteps: Int, phase: Phase) throws {
        guard warmupSteps >= 0 else {
            throw OptimizerError.invalidHyperparameter(name: "warmup_steps", value: Double(warmupSteps), expected: "≥ 0")
        }
        initialPeak = peak
        self.warmupSteps = warmupSteps
        self.phase = phase
    }

    /// `lr(s) = value` after the warm-up. Throws for a negative value or W < 0.
    public static func constant(_ value: Float, warmupSteps: Int = 0) throws -> Schedule {
        try require("learning_rate", value, "≥ 0") { $0 >= 0 }
        return try Schedule(peak: value, warmupSteps: warmupSteps, phase: .constant)
    }

    /// `lr(s)` = the current rate of `annealer` after the warm-up (which ramps up to that rate);
    /// `record(_:)` passes dev scores to it. Throws for W < 0.
    public static func plateau(_ annealer: ReduceOnPlateau, warmupSteps: Int = 0) throws -> Schedule {
        try Schedule(peak: annealer.learningRate, warmupSteps: warmupSteps, phase: .plateau(annealer))
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
        try validateDecay(peak: peak, warmupSteps: warmupSteps, totalSteps: totalSteps, floor: floor)
        return try Schedule(peak: peak, warmupSteps: warmupSteps, phase: .linear(totalSteps: totalSteps, floor: floor))
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
        try validateDecay(peak: peak, warmupSteps: warmupSteps, totalSteps: totalSteps, floor: floor)
        return try Schedule(peak: peak, warmupSteps: warmupSteps, phase: .cosine(totalSteps: totalSteps, floor: floor))
    }

    /// The kind of schedule.
    public var kind: Kind {
        switch phase {
        case .constant: return .constant
        case .plateau: return .plateau
        case .linear: return .linear
        case .cosine: return .cosine
        }
    }

    /// The rate the warm-up ramps up to: the peak, or the plateau's current rate.
    public var peak: Float {
        if case let .plateau(annealer) = phase { return annealer.learningRate }
        return initialPeak
    }

    /// The learning rate for step `step`.
    public func callAsFunction(_ step: Int) -> Float {
        let peak = self.peak
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        switch phase {
        case .constant, .plateau:
            return peak
        case let .linear(totalSteps, floor):
            let progress = decayProgress(step, warmupSteps, totalSteps)
            return floor + (peak - floor) * Float(1 - progress)
        case let .cosine(totalSteps, floor):
            let progress = decayProgress(step, warmupSteps, totalSteps)
            let c = 0.5 * (1 + Foundation.cos(Double.pi * progress))
            return floor + (peak - floor) * Float(c)
        }
    }

    /// Records one evaluation's score: a plateau schedule anneals when the score has not improved
    /// for more than its patience (see `ReduceOnPlateau.record(_:)`); the other kinds ignore it.
    /// Returns true when this call reduced the rate.
    @discardableResult
    public mutating func record(_ score: Double) -> Bool {
        guard case var .plateau(annealer) = phase else { return false }
        let annealed = annealer.record(score)
        phase = .plateau(annealer)
        return annealed
    }

    /// True once a plateau schedule's rate has fallen below its minimum: training should stop.
    /// Always false for the other kinds.
    public var isExhausted: Bool {
        if case let .plateau(annealer) = phase { return annealer.isExhausted }
        return false
    }

    /// What a checkpoint saves to continue this schedule exactly.
    public var state: State {
        if case let .plateau(annealer) = phase { return State(kind: .plateau, plateau: annealer.state) }
        return State(kind: kind, plateau: nil)
    }

    /// Continues from a state saved by a schedule of the same kind and settings. Throws
    /// `OptimizerError.scheduleKindMismatch` for a state of another kind, and what
    /// `ReduceOnPlateau.restore(_:)` throws for an invalid plateau state; then `self` is unchanged.
    public mutating func restore(_ saved: State) throws {
        guard saved.kind == kind else {
            throw OptimizerError.scheduleKindMismatch(expected: kind.rawValue, found: saved.kind.rawValue)
        }
        guard case var .plateau(annealer) = phase else {
            guard saved.plateau == nil else {
                throw OptimizerError.invalidState(field: "schedule.plateau", found: "a plateau state",
                                                  expected: "none for a \(kind.rawValue) schedule")
            }
            return
        }
        guard let plateau = saved.plateau else {
            throw OptimizerError.invalidState(field: "schedule.plateau", found: "none", expected: "the plateau's state")
        }
        try annealer.restore(plateau)
        phase = .plateau(annealer)
    }

    private static func validateDecay(peak: Float, warmupSteps: Int, totalSteps: Int, floor: Float) throws {
        try require("learning_rate", peak, "≥ 0") { $0 >= 0 }
        try require("min_learning_rate", floor, "between 0 and learning_rate (\(peak))") { $0 >= 0 && $0 <= peak }
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
