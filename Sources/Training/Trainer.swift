import Autodiff
import Checkpointing
import Collective
import CoNLL
import Foundation
import ModelFiles
import MultiTask
import Optimizers
import Reporting
import RunConfig
import TaskSampling
import Timeline
import Transformer

/// The training loop, the same for one process and for W ranks: each step takes this rank's slice
/// of the sampler's global batch, back-propagates the multi-task loss (normalised by the global
/// per-task counts), sums gradients over ranks, clips, and steps the optimizer (every rank over
/// every parameter, or with `sharded_update` each over its slice); dev evaluation runs every epoch
/// (or every `eval_every` steps), the best model is kept in `OUTPUT/best`.
public final class Trainer {
    public let resolved: ResolvedConfig
    public let data: TrainingData
    public let model: MultiTaskModel
    public let communicator: Communicator
    public let sampler: TrainingSampler
    public let outputDirectory: URL
    let progress: ProgressReporter
    var optimizer: any Optimizer
    /// With a fine-tuned transformer and `transformer_lr_multiplier` ≠ 1: the transformer's own
    /// optimizer, updating its range of the store (`transformerRange`, the first parameters) at the
    /// multiplied learning rate while `optimizer` updates the rest.
    var transformerOptimizer: (any Optimizer)?
    let transformerRange: Range<Int>?
    /// The parameters this rank updates and holds optimizer state for: with `sharded_update`, its
    /// slice `shardRange(total: store.count, rank:, worldSize:)` (the slice its checkpoint shard
    /// holds); otherwise the whole store. The optimizers cover its parts: `transformerOptimizer`
    /// the part inside `transformerRange`, `optimizer` the rest.
    let updateRange: Range<Int>
    /// The parts of `updateRange` the optimizers step: the part inside `transformerRange` for
    /// `transformerOptimizer` (nil without one), and the rest for `optimizer`; either may be empty.
    let updateParts: (transformer: Range<Int>?, rest: Range<Int>)
    /// The part of `updateRange` inside a frozen word table (empty without one): no optimizer steps
    /// it, and the optimizer state saved for it is zero.
    let frozenPart: Range<Int>
    /// The learning rate of every update; a plateau schedule also changes with the dev scores.
    var schedule: Schedule
    /// The buckets of the gradient sum over ranks, blocking or overlapped (`allreduce_bucket_mb`;
    /// one bucket of the whole buffer when 0).
    let gradientBuckets: GradientBuckets
    /// The parts of the gradient a global batch can make non-zero (nil without an embedding table
    /// in the store): the only parts each step clips and zeroes, and, with `exchangesTouchedRows`,
    /// sums over the ranks.
    let touchedRows: TouchedRows?
    /// With `sparse_allreduce`, no buckets and more than one rank: the gradient sum covers only
    /// `touchedRows`' ranges instead of the whole buffer.
    let exchangesTouchedRows: Bool
    /// The packed ranges of a sparse sum, reused across steps.
    var exchangeScratch: [Float] = []
    /// The dense sum over shared memory: the gradients live in a buffer every rank of the host can
    /// address and are summed there in place (`SharedSum`), when all ranks run on one host and the
    /// dense sum is one blocking call (no buckets, touched rows, overlap or sharded update). Made
    /// by `prepareSharedGradients()` at the start of `run()` or the first `trainStep`, where every
    /// rank is: not in `init`, which ranks reach before they agree that all of them loaded their data.
    var sharedGradients: SharedSum? = nil
    /// Whether `prepareSharedGradients()` has run.
    var sharedGradientsPrepared = false
    /// Where `run` starts: the beginning, or a checkpoint's position (`restore(from:)`).
    var start = RunState()
    /// This rank's loss window at `start` (per task: loss sum, rows; then sentences), from a checkpoint.
    var startWindow: (loss: [Double], sentences: Int)? = nil
    /// Polled at every step boundary when set (all ranks must set it or none): a signal number
    /// asks every rank to save a checkpoint and stop (`Summary.stoppedBy`).
    public var stopSignal: (() -> Int32?)? = nil
    /// Called at each phase of a checkpoint save (tests end the process there).
    public var checkpointPhaseHook: (CheckpointWriter.Phase, Int) -> Void = { _, _ in }
    /// The run's identity (`RunIdentity`), set on rank 0: its checkpoints carry it and claim their directory for it.
    public var runID: String? = nil
    /// With `--trace`: where each step's phases, evaluations and checkpoint saves are recorded
    /// (all ranks set it or none: tracing adds a barrier before each blocking exchange, so that
    /// the time a rank waits for the others shows as "waiting for ranks", apart from the transfer).
    public var timeline: Timeline? = nil

    /// The training settings with the switches of the exchange this trainer makes (`exchange`
    /// resolved: `manual` as written, a fixed value or `auto`'s choice set in the switches).
    public let exchangeSettings: TrainingConfig

    /// A trainer for `resolved`; `exchange` is the strategy `training.exchange: auto` chose (nil:
    /// as the config says; `auto` without a choice exchanges densely).
    public init(resolved: ResolvedConfig, data: TrainingData, communicator: Communicator,
                sampler: TrainingSampler, outputDirectory: URL, progress: ProgressReporter,
                exchange: TrainingConfig.Exchange? = nil) throws {
        self.resolved = resolved
        self.data = data
        self.communicator = communicator
        self.sampler = sampler
        self.outputDirectory = outputDirectory
        self.progress = progress
        let config = resolved.config
        model = MultiTaskModel(spec: Trainer.modelSpec(config: config, encoder: data.encoder, transformer: data.transformer),
                               seed: UInt64(truncatingIfNeeded: config.training.seed))
        if let transformer = data.transformer {
            let weights = try SafeTensorsWeights(folder: URL(fileURLWithPath: transformer.path))
            try model.encoder.loadTransformer(from: weights, store: model.store)
        }
        if let vectors = data.wordVectors, let table = model.encoder.wordTable { Trainer.fill(table, of: model.store, with: vectors) }
        let written = config.training.effectiveExchange
        let t = written == .manual ? config.training : config.training.exchanging(exchange ?? (written == .auto ? .dense : written))
        exchangeSettings = t
        optimizer = try Trainer.makeOptimizer(t)
        let frozen = model.encoder.frozenWordRange
        // a frozen word table follows the transformer's range, so the transformer needs an optimizer of
        // its own then, even at the same learning rate
        if let range = model.encoder.transformerRange, t.transformerLRMultiplier != 1 || frozen != nil {
            precondition(range.lowerBound == 0, "the transformer's parameters are registered first, found at \(range)")
            transformerRange = range
            transformerOptimizer = try Trainer.makeOptimizer(t)
        } else {
            transformerRange = nil
            transformerOptimizer = nil
        }
        updateRange = t.shardedUpdate ? shardRange(total: model.store.count, rank: communicator.rank, worldSize: communicator.worldSize)
                                      : 0..<model.store.count
        updateParts = Trainer.parts(of: updateRange, transformer: transformerRange, frozen: frozen, count: model.store.count)
        let range = updateRange
        frozenPart = frozen.map { range.clamped(to: $0) } ?? range.lowerBound..<range.lowerBound
        schedule = try Trainer.learningRateSchedule(t, totalSteps: Trainer.totalSteps(config: config, sampler: sampler))
        gradientBuckets = try GradientBuckets(parameters: model.store.parameters.map { $0.offset ..< $0.offset + $0.count },
                                              bucketElements: GradientBuckets.elements(mebibytes: t.allReduceBucketMB))
        var tables: [(name: String, lookup: TouchedRows.Lookup)] = [
            ("encoder.words.weight", frozen != nil ? .frozen : .words(unknown: data.encoder.words.unknownID.map { Int32($0) })),
            ("encoder.chars.embedding.weight", .characters),
        ]
        if let subwords = model.encoder.subwordTable, let packing = data.encoder.subwordPacking {
            tables.append((subwords.name, .subwords(packing)))
        }
        touchedRows = TouchedRows(store: model.store, tables: tables)
        exchangesTouchedRows = touchedRows != nil && t.sparseAllReduce && t.allReduceBucketMB == 0 && communicator.worldSize > 1
    }

    /// Moves the gradients into a `SharedSum` when the dense sum is one blocking call and every
    /// rank runs on this host (`sharedGradients`); once. Collective: every rank calls it at the
    /// same point (the start of `run()`, or the first `trainStep`).
    func prepareSharedGradients() throws {
        guard !sharedGradientsPrepared else { return }
        sharedGradientsPrepared = true
        let t = exchangeSettings
        guard communicator.worldSize > 1 && !exchangesTouchedRows && !t.shardedUpdate && t.allReduceBucketMB == 0,
              let shared = try communicator.makeSharedSum(count: model.store.count) else { return }
        // the gradients' values so far (zero between steps) go with them
        model.store.moveGradients(to: shared.buffer, lender: shared)
        sharedGradients = shared
    }

    /// Runs training to the end and returns what happened: the loop of named phases, each step
    /// followed by a log line, a dev evaluation and a checkpoint when they are due, until the last
    /// step, an exhausted learning rate or a stop signal every rank agrees on.
    public func run() throws -> Summary {
        let total = Trainer.totalSteps(config: resolved.config, sampler: sampler)
        let runsAStep = start.step < total
        let metrics = outputDirectory.appendingPathComponent("metrics.jsonl")
        // a run resumed past the step where an earlier one ended logs on as a straight run would
        if communicator.isRoot && runsAStep && start.step > 0 { try MetricsLog.dropEndOfRunLines(at: start.step, in: metrics) }
        let log = communicator.isRoot ? try MetricsLog(url: metrics) : nil
        if runsAStep { try prepareSharedGradients() }
        var loop = LoopState(start: start, window: startWindow, taskCount: resolved.config.tasks.count, now: progress.elapsed)
        try announce(total: total, from: loop.state)
        while !loop.isStopping && loop.state.step < total {
            let stepsInEpoch = sampler.stepsPerEpoch(epoch: loop.state.epoch)
            guard loop.state.stepInEpoch < stepsInEpoch else { loop.state.startNextEpoch(); continue }
            timeline?.currentStep = loop.state.step + 1
            let result = try step(&loop)
            if let due = logDue(step: loop.state.step, total: total) {
                try traced("log line") { try logTraining(&loop, result: result, due: due, total: total, log: log) }
            }
            if let due = evaluationDue(loop.state, stepsInEpoch: stepsInEpoch, total: total) {
                try traced("evaluation") { try evaluate(&loop, due: due, log: log) }
            }
            loop.stoppedBy = try agreedStopSignal()
            if isCheckpointDue(loop) { try traced("checkpoint save") { try checkpoint(&loop, stepsInEpoch: stepsInEpoch) } }
        }
        // the epoch the loop was in is over (unless a signal stopped it mid-way)
        if runsAStep && loop.stoppedBy == nil { loop.state.startNextEpoch() }
        return try finish(loop, log: log)
    }

    /// `SIGTERM`, `SIGUSR1` or `signal N`, for log lines.
    static func signalName(_ number: Int32) -> String {
        number == SIGTERM ? "SIGTERM" : number == SIGUSR1 ? "SIGUSR1" : "signal \(number)"
    }

}
