/// Anneals the learning rate when a metric stops improving: Flair's `AnnealOnPlateau`
/// (`flair/training_utils.py`) as Flair's trainer uses it, which is PyTorch's
/// `ReduceLROnPlateau` with these semantics:
///
/// - Improvement is strict, with no threshold: `metric > best` in mode `.max` (a dev score),
///   `metric < best` in mode `.min` (a loss). The first finite metric always improves; a NaN or infinite one never does.
/// - An improvement sets `best` and resets the bad-epoch count; anything else adds one bad epoch.
/// - When the bad epochs **exceed** the patience (`badEpochs > patience`, so with patience 3 the
///   4th bad epoch in a row anneals), `lr = lr · factor`, the count restarts at 0 and `best` is
///   kept. The first anneal waits `patience + initialExtraPatience` bad epochs.
/// - The rate is not clamped at the minimum: Flair's trainer builds the scheduler without a
///   `min_lr` and stops training once the rate falls below `min_learning_rate`. Here that is
///   `isExhausted`. No cooldown (Flair's trainer uses none).
///
/// Call `record(_:)` once per evaluation; save `state` in a checkpoint and `restore` it.
/// Reference: https://pytorch.org/docs/stable/generated/torch.optim.lr_scheduler.ReduceLROnPlateau.html
public struct ReduceOnPlateau: Sendable {
    /// Whether a larger or a smaller metric is better.
    public enum Mode: String, Codable, Sendable {
        /// Lower is better (a loss).
        case min
        /// Higher is better (a dev score).
        case max
    }

    /// The scheduler's mutable state, for checkpoints.
    public struct State: Codable, Equatable, Sendable {
        /// The current learning rate.
        public var learningRate: Float
        /// The best metric so far, nil before the first `record`.
        public var best: Double?
        /// Evaluations since the last improvement or anneal.
        public var badEpochs: Int
        /// Bad epochs tolerated before the next anneal: `patience + initialExtraPatience`
        /// until the first anneal, `patience` afterwards.
        public var effectivePatience: Int
        /// Number of `record` calls so far.
        public var evaluations: Int

        /// A state with the given fields.
        public init(learningRate: Float, best: Double?, badEpochs: Int, effectivePatience: Int, evaluations: Int) {
            self.learningRate = learningRate
            self.best = best
            self.badEpochs = badEpochs
            self.effectivePatience = effectivePatience
            self.evaluations = evaluations
        }
    }

    /// `.max` for a dev score, `.min` for a loss.
    public let mode: Mode
    /// Multiplier applied at each anneal, in (0, 1) (Flair's default 0.5).
    public let factor: Float
    /// Bad epochs tolerated before annealing (Flair's default 3).
    public let patience: Int
    /// Extra bad epochs tolerated before the first anneal only (Flair's default 0).
    public let initialExtraPatience: Int
    /// Training should stop once the rate falls below this (Flair's default 1e-4).
    public let minimumLearningRate: Float
    /// The mutable part, saved in checkpoints.
    public private(set) var state: State

    /// Starts at `learningRate`. Throws `OptimizerError.invalidHyperparameter` unless
    /// `learningRate > 0`, `0 < factor < 1`, `patience ≥ 0`, `initialExtraPatience ≥ 0` and
    /// `minimumLearningRate ≥ 0`.
    public init(learningRate: Float, mode: Mode, factor: Float = 0.5, patience: Int = 3,
                initialExtraPatience: Int = 0, minimumLearningRate: Float = 1e-4) throws {
        try require("learning_rate", learningRate, "> 0") { $0 > 0 }
        try require("anneal_factor", factor, "0 < anneal_factor < 1") { $0 > 0 && $0 < 1 }
        try require("min_learning_rate", minimumLearningRate, "≥ 0") { $0 >= 0 }
        guard patience >= 0 else {
            throw OptimizerError.invalidHyperparameter(name: "patience", value: Double(patience), expected: "≥ 0")
        }
        guard initialExtraPatience >= 0 else {
            throw OptimizerError.invalidHyperparameter(name: "initial_extra_patience",
                                                       value: Double(initialExtraPatience), expected: "≥ 0")
        }
        self.mode = mode
        self.factor = factor
        self.patience = patience
        self.initialExtraPatience = initialExtraPatience
        self.minimumLearningRate = minimumLearningRate
        state = State(learningRate: learningRate, best: nil, badEpochs: 0,
                      effectivePatience: patience + initialExtraPatience, evaluations: 0)
    }

    /// The learning rate to train with now.
    public var learningRate: Float { state.learningRate }

    /// The best metric recorded so far, nil before the first.
    public var best: Double? { state.best }

    /// Evaluations since the last improvement or anneal.
    public var badEpochs: Int { state.badEpochs }

    /// True once the rate has fallen below `minimumLearningRate`: training should stop.
    public var isExhausted: Bool { state.learningRate < minimumLearningRate }

    /// Records one evaluation's metric and anneals when the bad epochs exceed the patience.
    /// Returns true when this call reduced the learning rate.
    @discardableResult
    public mutating func record(_ metric: Double) -> Bool {
        state.evaluations += 1
        let improved: Bool
        if !metric.isFinite {
            improved = false
        } else if let best = state.best {
            improved = mode == .max ? metric > best : metric < best
        } else {
            improved = true
        }
        if improved {
            state.best = metric
            state.badEpochs = 0
        } else {
            state.badEpochs += 1
        }
        guard state.badEpochs > state.effectivePatience else { return false }
        state.learningRate *= factor
        state.badEpochs = 0
        state.effectivePatience = patience
        return true
    }

    /// Replaces the state by one saved from a scheduler (the hyperparameters stay those of
    /// `self`). Throws `OptimizerError.invalidState` for a non-positive or non-finite rate, a
    /// non-finite best, or negative counters, and then leaves `self` unchanged.
    public mutating func restore(_ saved: State) throws {
        guard saved.learningRate.isFinite && saved.learningRate > 0 else {
            throw OptimizerError.invalidState(field: "learningRate", found: "\(saved.learningRate)", expected: "finite and > 0")
        }
        if let best = saved.best, !best.isFinite {
            throw OptimizerError.invalidState(field: "best", found: "\(best)", expected: "finite or absent")
        }
        for (field, value) in [("badEpochs", saved.badEpochs), ("effectivePatience", saved.effectivePatience),
                               ("evaluations", saved.evaluations)] where value < 0 {
            throw OptimizerError.invalidState(field: field, found: "\(value)", expected: "≥ 0")
        }
        state = saved
    }
}
