/// The optimisation loop of a run config (`training:` in YAML); each property's comment gives its range.
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
    public enum MainScore: Equatable, Codable, RawRepresentable {
        /// Mean of every task's score.
        case mean
        /// The score of the named task.
        case task(String)

        /// The YAML spelling: `mean` or the task name.
        public var rawValue: String { if case .task(let name) = self { name } else { "mean" } }

        /// `mean`, or a task name.
        public init(rawValue: String) { self = rawValue == "mean" ? .mean : .task(rawValue) }
    }

    /// How a step exchanges gradients over ranks (`exchange`).
    public enum Exchange: String, Codable, CaseIterable {
        /// `sparse_allreduce`, `allreduce_bucket_mb`, `overlap_allreduce` and `sharded_update` decide.
        case manual
        /// The ranks time the collective at start and take the strategy the step model predicts fastest.
        case auto
        /// One blocking all-reduce of the whole gradient.
        case dense
        /// One blocking all-reduce of the embedding rows the batch touched and every other parameter.
        case touched
        /// Buckets (`allreduce_bucket_mb`, 4 when 0) summed during backward.
        case overlap
        /// Reduce-scatter, each rank updates its slice, all-gather.
        case sharded
    }

    // The keys, in YAML order; what each means is in `meanings` below.
    public var epochs = 30
    public var maxSteps: Int?
    public var batchSize = 32
    public var optimizer = Optimizer.sgd
    public var learningRate = 1.0
    public var momentum = 0.0
    public var weightDecay = 0.0
    public var clipNorm: Double? = 5.0
    public var schedule = Schedule.plateau
    public var warmupSteps = 0
    public var annealFactor = 0.5
    public var patience = 3
    public var minLearningRate = 0.0001
    public var seed = 1
    public var logEvery = 50
    public var evalEvery: Int?
    public var mainScore = MainScore.mean
    public var allReduceBucketMB = 0.0
    public var overlapAllReduce = true
    public var transformerLRMultiplier = 1.0
    public var accumulationSteps = 1
    public var sparseAllReduce = false
    public var shardedUpdate = false
    public var maxSentenceTokens = 500
    public var exchange = Exchange.auto

    /// Every setting at its default.
    public init() {}

    /// The exchange a run makes: `exchange`, except that `auto` with a switch turned on
    /// (`sparse_allreduce`, `sharded_update`, `allreduce_bucket_mb` > 0) is `manual`, the switch
    /// honoured: so a stored config (which writes `exchange: auto`) resumed with
    /// `--set training.sharded_update=true` does what that says.
    public var effectiveExchange: Exchange {
        exchange == .auto && (sparseAllReduce || shardedUpdate || allReduceBucketMB > 0) ? .manual : exchange
    }

    /// These settings with `strategy` (not `manual` or `auto`) set in the switches that make it,
    /// `exchange` left as it was: what a fixed `exchange` value, or `auto`'s choice, trains with.
    public func exchanging(_ strategy: Exchange) -> TrainingConfig {
        var t = self
        t.sparseAllReduce = strategy == .touched
        t.shardedUpdate = strategy == .sharded
        t.overlapAllReduce = strategy == .overlap
        t.allReduceBucketMB = strategy == .overlap ? (allReduceBucketMB > 0 ? allReduceBucketMB : 4) : 0
        return t
    }

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case epochs, maxSteps = "max_steps", batchSize = "batch_size", optimizer, learningRate = "learning_rate"
        case momentum, weightDecay = "weight_decay", clipNorm = "clip_norm", schedule, warmupSteps = "warmup_steps"
        case annealFactor = "anneal_factor", patience, minLearningRate = "min_learning_rate", seed, logEvery = "log_every"
        case evalEvery = "eval_every", mainScore = "main_score", allReduceBucketMB = "allreduce_bucket_mb"
        case overlapAllReduce = "overlap_allreduce", transformerLRMultiplier = "transformer_lr_multiplier"
        case accumulationSteps = "accumulation_steps", sparseAllReduce = "sparse_allreduce"
        case shardedUpdate = "sharded_update", maxSentenceTokens = "max_sentence_tokens", exchange
    }
}

extension TrainingConfig: ConfigSection {
    /// What each key means: the text `mtl-dist config reference` and docs/CONFIG.md print beside
    /// its type and default (the one place it is written).
    static let meanings: [CodingKeys: String] = [
        .epochs:
            "Passes over the training data: >= 1, or >= 0 when `max_steps` is set (which overrides it).",
        .maxSteps:
            "When set (> 0), training stops after this many steps.",
        .batchSize:
            "The global batch: sentences per step over all ranks (> 0).",
        .optimizer:
            "Update rule.",
        .learningRate:
            "Peak learning rate (> 0). 1.0, the shipped configs' recipe: the loss is a per-sentence mean (Flair's 0.1 is for a summed loss, and learns several times slower here; see BENCHMARKS.md).",
        .momentum:
            "SGD momentum, in [0, 1).",
        .weightDecay:
            "Weight decay coefficient (>= 0).",
        .clipNorm:
            "Maximum global gradient L2 norm; `nil` or 0 = no clipping.",
        .schedule:
            "Learning-rate schedule.",
        .warmupSteps:
            "Steps of linear warm-up from 0.",
        .annealFactor:
            "Plateau schedule: `lr ← lr · anneal_factor`, in (0, 1).",
        .patience:
            "Plateau schedule: evaluations without improvement before annealing.",
        .minLearningRate:
            "Floor of the learning rate; linear and cosine decay to it.",
        .seed:
            "Seed (>= 0) of every random stream of the run: sampler, initialisation, dropout.",
        .logEvery:
            "Steps between log lines (> 0).",
        .evalEvery:
            "Steps between evaluations; `nil` = once per epoch.",
        .mainScore:
            "Model selection score: `mean` of the task scores (Flair's default) or a task name.",
        .allReduceBucketMB:
            "Size of one gradient all-reduce bucket in MiB; 0 sums the whole flat buffer in one call.",
        .overlapAllReduce:
            "Whether bucketed gradient sums overlap the backward pass (only with buckets and > 1 rank).",
        .transformerLRMultiplier:
            "A fine-tuned transformer's learning rate as a multiple of the schedule's (> 0): 1 updates it with the rest; otherwise an optimizer of its own updates it at the multiplied rate.",
        .accumulationSteps:
            "Micro-batches K each rank's slice of a global batch runs as, adding gradients, before the one all-reduce and update (gradient accumulation); at most `batch_size` ÷ ranks.",
        .sparseAllReduce:
            "Whether the gradient sum (with `allreduce_bucket_mb: 0`) exchanges only the embedding rows the global batch touched (of the word, character and fine-tuned transformer's WordPiece tables), plus every other parameter, instead of the whole buffer: the same result, bit for bit on two ranks (see `TouchedRows`). Off by default, as a switch: `exchange: auto` (the default) takes touched rows across hosts when the cost model predicts them fastest; BENCHMARKS.md shows where they pay (slow links between hosts).",
        .shardedUpdate:
            "Whether the ranks divide the update (ZeRO stage 1): the gradient is reduce-scattered, each rank clips its slice with the global norm and updates only its slice (`shardRange(total:rank:worldSize:)`, the slice its checkpoint shard holds), keeping optimizer state for that slice alone, and the parameters are all-gathered. The same update as the replicated one (`false`: every rank sums the whole gradient and updates every parameter), bit for bit on one rank, up to summation order on more. Needs the dense, unbucketed sum: `sparse_allreduce: false` and `allreduce_bucket_mb: 0`. Off by default, as a switch (`exchange: auto` takes it across hosts when predicted fastest); BENCHMARKS.md has its measurements.",
        .maxSentenceTokens:
            "Training sentences longer than this many tokens are skipped and counted (the log names the first file:line); a step's memory grows with the longest sentence of its batch.",
        .exchange:
            "How a step sums gradients over ranks: `manual` (the switches `sparse_allreduce`, `allreduce_bucket_mb`, `overlap_allreduce`, `sharded_update` decide), a fixed strategy (`dense`, `touched`, `overlap` with buckets of `allreduce_bucket_mb` or 4 MiB, `sharded`), or `auto`: ranks all on one host take `dense` (the fastest or within 3% there); across hosts, at start the ranks time the collectives at a few sizes (under 2 s) and forward, backward and update on the first batch, predict each strategy's step with the step cost model (README, scaling) and take the fastest; the log lists every prediction and the choice. `auto` by default: in alternating runs it trained the CoNLL and MiniLM configs at 0.98-1.06 of the best fixed strategy on shared memory and on emulated 1 Gbit/s links (BENCHMARKS.md); `manual` with no switch is the dense sum everywhere. `auto` with a switch turned on (as a resume's `--set` can make it) runs as `manual`, the switch honoured. One rank exchanges nothing, whatever it says.",
    ]
    static let defaults = TrainingConfig()

    /// The ranges; whether `main_score` names a task is checked by `TrainConfig`.
    func validate(_ rules: ConfigRules<CodingKeys>) throws {
        try rules.integer(.maxSteps, maxSteps, atLeast: 1, hint: "set \(rules.keyPath(.maxSteps)) > 0, or null to train for epochs.")
        try rules.integer(.epochs, epochs, atLeast: maxSteps == nil ? 1 : 0, atMost: 1_000_000,
                          why: "the run counts epochs × steps per epoch before its first step",
                          hint: maxSteps == nil && epochs < 1 ? "set \(rules.keyPath(.epochs)) >= 1, or set \(rules.keyPath(.maxSteps))." : nil)
        try rules.integer(.batchSize, batchSize, atLeast: 1,
                          hint: "set \(rules.keyPath(.batchSize)) to the sentences per step over all ranks, > 0.")
        try rules.number(.learningRate, learningRate, .positive)
        try rules.number(.momentum, momentum, .probability)
        try rules.number(.weightDecay, weightDecay, .nonNegative)
        try rules.number(.clipNorm, clipNorm, .nonNegative, hint: "set \(rules.keyPath(.clipNorm)) > 0, or null / 0 for no clipping.")
        try rules.integer(.warmupSteps, warmupSteps, atLeast: 0)
        try rules.number(.annealFactor, annealFactor, .openUnit)
        try rules.integer(.patience, patience, atLeast: 0)
        try rules.number(.minLearningRate, minLearningRate, .nonNegative)
        try rules.integer(.seed, seed, atLeast: 0)
        try rules.integer(.logEvery, logEvery, atLeast: 1)
        try rules.integer(.evalEvery, evalEvery, atLeast: 1, hint: "set \(rules.keyPath(.evalEvery)) > 0, or null for once per epoch.")
        try rules.number(.allReduceBucketMB, allReduceBucketMB, .nonNegative)
        try rules.number(.transformerLRMultiplier, transformerLRMultiplier, .positive)
        try rules.integer(.maxSentenceTokens, maxSentenceTokens, atLeast: 1, atMost: 1_000_000,
                          why: "a step's memory grows with batch_size × the longest sentence's tokens",
                          hint: "set \(rules.keyPath(.maxSentenceTokens)) between 1 and 1000000 (500: a step of the shipped configs stays under 1 GB).")
        try rules.integer(.accumulationSteps, accumulationSteps, atLeast: 1, atMost: batchSize,
                          why: "each micro-batch needs at least one sentence of the global batch",
                          hint: "set \(rules.keyPath(.accumulationSteps)) between 1 and \(rules.keyPath(.batchSize)).")
        // the sharded update reduce-scatters the whole gradient in one call
        try rules.check(!(shardedUpdate && sparseAllReduce), .shardedUpdate, found: "true with \(rules.keyPath(.sparseAllReduce)): true",
                        allowed: "one of the two: the sharded update reduce-scatters the whole gradient, the touched-rows sum all-reduces part of it",
                        hint: "set \(rules.keyPath(.shardedUpdate)): false or \(rules.keyPath(.sparseAllReduce)): false.")
        for (key, isOn) in [(CodingKeys.sparseAllReduce, sparseAllReduce), (.shardedUpdate, shardedUpdate)] where exchange != .manual && exchange != .auto {
            try rules.check(!isOn, key, found: "true with \(rules.keyPath(.exchange)): \(exchange.rawValue)",
                            allowed: "false: \(rules.keyPath(.exchange)) decides the exchange unless it is manual (or auto, which then runs as manual)",
                            hint: "remove \(rules.keyPath(key)), or set \(rules.keyPath(.exchange)): manual to choose with the switches.")
        }
        try rules.check(!(shardedUpdate && allReduceBucketMB > 0), .shardedUpdate,
                        found: "true with \(rules.keyPath(.allReduceBucketMB)): \(allReduceBucketMB)",
                        allowed: "\(rules.keyPath(.allReduceBucketMB)): 0 (the sharded update reduce-scatters the gradient in one call, not in buckets)",
                        hint: "set \(rules.keyPath(.shardedUpdate)): false or \(rules.keyPath(.allReduceBucketMB)): 0.")
    }
}
