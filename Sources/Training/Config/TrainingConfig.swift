/// The optimisation loop of a run config (`training:` in YAML).
///
/// ```yaml
/// training:
///   epochs: 30                 # >= 1 (>= 0 when max_steps is set)
///   max_steps: null            # when set (> 0), stops after this many steps (overrides epochs)
///   batch_size: 32             # global batch: sentences per step over all ranks (> 0)
///   optimizer: sgd             # sgd | adam | adamw
///   learning_rate: 0.1         # > 0
///   momentum: 0.0              # in [0, 1) (sgd)
///   weight_decay: 0.0          # >= 0
///   clip_norm: 5.0             # global gradient-norm clip; null or 0 = no clipping
///   schedule: plateau          # constant | plateau | linear | cosine
///   warmup_steps: 0            # linear warm-up from 0 over this many steps
///   anneal_factor: 0.5         # plateau: lr ← lr · anneal_factor, in (0, 1)
///   patience: 3                # plateau: evaluations without improvement before annealing
///   min_learning_rate: 0.0001  # floor of the learning rate; linear/cosine decay to it
///   seed: 1                    # >= 0; the sampler, initialisation and dropout derive from it
///   log_every: 50              # steps between log lines (> 0)
///   eval_every: null           # steps between evaluations; null = once per epoch
///   main_score: mean           # selection score: mean of the task scores (Flair's default) or a task name
///   allreduce_bucket_mb: 0     # gradient all-reduce in buckets of this many MiB; 0 = one call for the whole buffer
///   overlap_allreduce: true    # with buckets and > 1 rank: sum each bucket while backward still runs
/// ```
///
/// With `allreduce_bucket_mb > 0` and more than one rank, `overlap_allreduce: true` starts a
/// bucket's non-blocking sum as soon as backward has finished every gradient in it (buckets are
/// whole parameters, taken from the end of the flat buffer, where the heads are); `false` sums
/// the same buckets one after another once backward is done. Both give the same sums up to float
/// summation order.
public struct TrainingConfig: Codable, Equatable {
    /// The parameter update rule.
    public enum Optimizer: String, Codable, CaseIterable {
        /// SGD with optional momentum and L2 weight decay added to the gradient.
        case sgd
        /// Adam (Kingma & Ba 2015), L2 weight decay added to the gradient.
        case adam
        /// AdamW (Loshchilov & Hutter 2019), decoupled weight decay.
        case adamw
    }

    /// How the learning rate changes over training.
    public enum Schedule: String, Codable, CaseIterable {
        /// `lr(step) = learning_rate` (after warm-up).
        case constant
        /// Multiply by `anneal_factor` after `patience` evaluations without improvement (Flair's default).
        case plateau
        /// Linear decay from `learning_rate` to `min_learning_rate` over the run.
        case linear
        /// Cosine decay from `learning_rate` to `min_learning_rate` over the run.
        case cosine
    }

    /// The score that selects the best model: the mean over tasks, or one task's score.
    public enum MainScore: Equatable, Codable {
        /// Mean of every task's score.
        case mean
        /// The score of the named task.
        case task(String)

        /// The YAML spelling: `mean` or the task name.
        public var rawValue: String {
            switch self {
            case .mean: return "mean"
            case .task(let name): return name
            }
        }

        /// `mean`, or a task name.
        public init(rawValue: String) {
            self = rawValue == "mean" ? .mean : .task(rawValue)
        }

        /// Decodes a plain string.
        public init(from decoder: Decoder) throws {
            self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
        }

        /// Encodes a plain string.
        public func encode(to encoder: Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    /// Passes over the training data (ignored when `maxSteps` is set).
    public var epochs: Int = 30
    /// When set, training stops after this many steps.
    public var maxSteps: Int?
    /// Sentences per step over all ranks.
    public var batchSize: Int = 32
    /// Update rule.
    public var optimizer: Optimizer = .sgd
    /// Peak learning rate.
    public var learningRate: Double = 0.1
    /// SGD momentum.
    public var momentum: Double = 0.0
    /// Weight decay coefficient.
    public var weightDecay: Double = 0.0
    /// Maximum global gradient L2 norm; `nil` or 0 = no clipping.
    public var clipNorm: Double? = 5.0
    /// Learning-rate schedule.
    public var schedule: Schedule = .plateau
    /// Steps of linear warm-up.
    public var warmupSteps: Int = 0
    /// Plateau schedule's multiplier.
    public var annealFactor: Double = 0.5
    /// Plateau schedule's patience, in evaluations.
    public var patience: Int = 3
    /// Floor of the learning rate.
    public var minLearningRate: Double = 0.0001
    /// Seed of every random stream of the run.
    public var seed: Int = 1
    /// Steps between log lines.
    public var logEvery: Int = 50
    /// Steps between evaluations; `nil` = once per epoch.
    public var evalEvery: Int?
    /// Model selection score.
    public var mainScore: MainScore = .mean
    /// Size of one gradient all-reduce bucket in MiB; 0 sums the whole flat buffer in one call.
    public var allReduceBucketMB: Double = 0
    /// Whether bucketed gradient sums overlap the backward pass (only with buckets and > 1 rank).
    public var overlapAllReduce: Bool = true

    /// The defaults above.
    public init() {}

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case epochs
        case maxSteps = "max_steps"
        case batchSize = "batch_size"
        case optimizer
        case learningRate = "learning_rate"
        case momentum
        case weightDecay = "weight_decay"
        case clipNorm = "clip_norm"
        case schedule
        case warmupSteps = "warmup_steps"
        case annealFactor = "anneal_factor"
        case patience
        case minLearningRate = "min_learning_rate"
        case seed
        case logEvery = "log_every"
        case evalEvery = "eval_every"
        case mainScore = "main_score"
        case allReduceBucketMB = "allreduce_bucket_mb"
        case overlapAllReduce = "overlap_allreduce"
    }

    /// Decodes `training:`, rejecting unknown keys and impossible values. Whether `main_score` names a
    /// task is checked by `TrainConfig`.
    public init(from decoder: Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = TrainingConfig()
        maxSteps = try section.optionalInteger(.maxSteps, default: defaults.maxSteps, atLeast: 1,
                                               hint: "set \(section.keyPath(.maxSteps)) > 0, or null to train for epochs.")
        epochs = try section.integer(.epochs, default: defaults.epochs, atLeast: maxSteps == nil ? 1 : 0,
                                     hint: maxSteps == nil
                                        ? "set \(section.keyPath(.epochs)) >= 1, or set training.max_steps."
                                        : "set \(section.keyPath(.epochs)) >= 0.")
        batchSize = try section.integer(.batchSize, default: defaults.batchSize, atLeast: 1,
                                        hint: "set \(section.keyPath(.batchSize)) to the sentences per step over all ranks, > 0.")
        optimizer = try section.choice(.optimizer, default: defaults.optimizer)
        learningRate = try section.number(.learningRate, default: defaults.learningRate, .positive)
        momentum = try section.number(.momentum, default: defaults.momentum, .probability)
        weightDecay = try section.number(.weightDecay, default: defaults.weightDecay, .nonNegative)
        clipNorm = try section.optionalNumber(.clipNorm, default: defaults.clipNorm, .nonNegative,
                                              hint: "set \(section.keyPath(.clipNorm)) > 0, or null / 0 for no clipping.")
        schedule = try section.choice(.schedule, default: defaults.schedule)
        warmupSteps = try section.integer(.warmupSteps, default: defaults.warmupSteps, atLeast: 0)
        annealFactor = try section.number(.annealFactor, default: defaults.annealFactor, .openUnit)
        patience = try section.integer(.patience, default: defaults.patience, atLeast: 0)
        minLearningRate = try section.number(.minLearningRate, default: defaults.minLearningRate, .nonNegative)
        seed = try section.integer(.seed, default: defaults.seed, atLeast: 0)
        logEvery = try section.integer(.logEvery, default: defaults.logEvery, atLeast: 1)
        evalEvery = try section.optionalInteger(.evalEvery, default: defaults.evalEvery, atLeast: 1,
                                                hint: "set \(section.keyPath(.evalEvery)) > 0, or null for once per epoch.")
        mainScore = MainScore(rawValue: try section.value(.mainScore, default: defaults.mainScore.rawValue))
        allReduceBucketMB = try section.number(.allReduceBucketMB, default: defaults.allReduceBucketMB, .nonNegative)
        overlapAllReduce = try section.value(.overlapAllReduce, default: defaults.overlapAllReduce)
    }

    /// Encodes every key (`null` for unset optional keys).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(epochs, forKey: .epochs)
        try container.encodeOrNull(maxSteps, forKey: .maxSteps)
        try container.encode(batchSize, forKey: .batchSize)
        try container.encode(optimizer, forKey: .optimizer)
        try container.encodeNumber(learningRate, forKey: .learningRate)
        try container.encodeNumber(momentum, forKey: .momentum)
        try container.encodeNumber(weightDecay, forKey: .weightDecay)
        try container.encodeNumberOrNull(clipNorm, forKey: .clipNorm)
        try container.encode(schedule, forKey: .schedule)
        try container.encode(warmupSteps, forKey: .warmupSteps)
        try container.encodeNumber(annealFactor, forKey: .annealFactor)
        try container.encode(patience, forKey: .patience)
        try container.encodeNumber(minLearningRate, forKey: .minLearningRate)
        try container.encode(seed, forKey: .seed)
        try container.encode(logEvery, forKey: .logEvery)
        try container.encodeOrNull(evalEvery, forKey: .evalEvery)
        try container.encode(mainScore, forKey: .mainScore)
        try container.encodeNumber(allReduceBucketMB, forKey: .allReduceBucketMB)
        try container.encode(overlapAllReduce, forKey: .overlapAllReduce)
    }
}
