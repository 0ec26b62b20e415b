import Autodiff
import Checkpointing
import Collective
import CoNLL
import Foundation
import MultiTask
import Optimizers
import Reporting
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
    private var exchangeScratch: [Float] = []
    /// Where `run` starts: the beginning, or a checkpoint's position (`restore(from:)`).
    var start = RunState()
    /// This rank's loss window at `start` (per task: loss sum, rows; then sentences), from a checkpoint.
    var startWindow: (loss: [Double], sentences: Int)? = nil
    /// Polled at every step boundary when set (all ranks must set it or none): a signal number
    /// asks every rank to save a checkpoint and stop (`Summary.stoppedBy`).
    public var stopSignal: (() -> Int32?)? = nil
    /// Called at each phase of a checkpoint save (tests end the process there).
    public var checkpointPhaseHook: (CheckpointWriter.Phase, Int) -> Void = { _, _ in }

    /// What a finished run reports.
    public struct Summary {
        public let steps: Int
        public let epochs: Int
        public let bestDevScore: Double?
        public let bestStep: Int?
        public let lastEvaluation: [TaskEvaluation]
        public let seconds: Double
        /// Sentences, tokens and time of the whole run, and every rank's peak memory.
        public var throughput = Throughput()
        /// The signal that stopped the run after it saved `checkpoint`, nil for a finished run.
        public var stoppedBy: Int32? = nil
        /// The last checkpoint written, if any.
        public var checkpoint: URL? = nil
    }

    /// What a run processed and how fast, for the end of its log and `metrics.jsonl`.
    public struct Throughput {
        /// Training sentences (global batches summed; oversampled sentences count each time).
        public var sentences = 0
        /// Words in those sentences.
        public var tokens = 0
        /// Wall seconds from the start of training to the end of the run.
        public var seconds = 0.0
        /// Seconds spent in dev evaluation.
        public var evaluationSeconds = 0.0
        /// Peak resident set size of each rank, bytes, in rank order.
        public var peakResidentBytes: [Double] = []

        public var sentencesPerSecond: Double { Double(sentences) / max(seconds, 1e-9) }
        public var tokensPerSecond: Double { Double(tokens) / max(seconds, 1e-9) }
        public var evaluationShare: Double { evaluationSeconds / max(seconds, 1e-9) }

        /// `{"type": "throughput", ...}` for `metrics.jsonl`.
        public var json: [String: Any] {
            ["type": "throughput", "sentences": sentences, "tokens": tokens, "seconds": seconds,
             "sentences_per_s": sentencesPerSecond, "tokens_per_s": tokensPerSecond,
             "evaluation_seconds": evaluationSeconds, "evaluation_share": evaluationShare,
             "peak_rss_mib_per_rank": peakResidentBytes.map { $0 / 1_048_576 }]
        }

        /// One line for the log: `throughput: 498 sentences/s, 7,010 tokens/s over 61.2 s; evaluation 12.5% of the time; peak RSS per rank 310, 305 MiB`.
        public var line: String {
            String(format: "throughput: %.0f sentences/s, %.0f tokens/s over %.1f s; evaluation %.1f%% of the time; peak RSS per rank ",
                   sentencesPerSecond, tokensPerSecond, seconds, 100 * evaluationShare)
                + peakResidentBytes.map { String(format: "%.0f", $0 / 1_048_576) }.joined(separator: ", ") + " MiB"
        }
    }

    public init(resolved: ResolvedConfig, data: TrainingData, communicator: Communicator,
                sampler: TrainingSampler, outputDirectory: URL, progress: ProgressReporter) throws {
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
            let weights = URL(fileURLWithPath: transformer.path).appendingPathComponent("model.safetensors")
            try model.encoder.loadTransformer(from: SafeTensorsFile(url: weights), store: model.store)
        }
        let t = config.training
        optimizer = try Trainer.makeOptimizer(t)
        if let range = model.encoder.transformerRange, t.transformerLRMultiplier != 1 {
            precondition(range.lowerBound == 0, "the transformer's parameters are registered first, found at \(range)")
            transformerRange = range
            transformerOptimizer = try Trainer.makeOptimizer(t)
        } else {
            transformerRange = nil
            transformerOptimizer = nil
        }
        updateRange = t.shardedUpdate ? shardRange(total: model.store.count, rank: communicator.rank, worldSize: communicator.worldSize)
                                      : 0..<model.store.count
        updateParts = Trainer.parts(of: updateRange, transformer: transformerRange, count: model.store.count)
        schedule = try Trainer.learningRateSchedule(t, totalSteps: Trainer.totalSteps(config: config, sampler: sampler))
        gradientBuckets = try GradientBuckets(parameters: model.store.parameters.map { $0.offset ..< $0.offset + $0.count },
                                              bucketElements: GradientBuckets.elements(mebibytes: t.allReduceBucketMB))
        var tables: [(name: String, lookup: TouchedRows.Lookup)] = [
            ("encoder.words.weight", .words(unknown: data.encoder.words.unknownID.map { Int32($0) })),
            ("encoder.chars.embedding.weight", .characters),
        ]
        if let subwords = model.encoder.subwordTable, let packing = data.encoder.subwordPacking {
            tables.append((subwords.name, .subwords(packing)))
        }
        touchedRows = TouchedRows(store: model.store, tables: tables)
        exchangesTouchedRows = touchedRows != nil && t.sparseAllReduce && t.allReduceBucketMB == 0 && communicator.worldSize > 1
    }

    /// The parts of `range` (of a store of `count` parameters whose first `transformer` parameters
    /// have an optimizer of their own) that each optimizer steps: the part inside `transformer`
    /// (nil when there is none) and the rest. A part `range` does not reach is empty, placed inside
    /// `range`, so its optimizer still takes every step, over no parameter.
    static func parts(of range: Range<Int>, transformer: Range<Int>?, count: Int) -> (transformer: Range<Int>?, rest: Range<Int>) {
        guard let transformer else { return (nil, range) }
        return (range.clamped(to: transformer).clamped(to: range), range.clamped(to: transformer.upperBound ..< count).clamped(to: range))
    }

    /// The optimizer `t` asks for.
    static func makeOptimizer(_ t: TrainingConfig) throws -> any Optimizer {
        switch t.optimizer {
        case .sgd: return try SGD(momentum: t.momentum, weightDecay: t.weightDecay)
        case .adam: return try Adam(weightDecay: t.weightDecay)
        case .adamw: return try AdamW(weightDecay: t.weightDecay)
        }
    }

    /// The learning-rate schedule `t` asks for over a run of `totalSteps` updates: `learning_rate`
    /// warmed up over `warmup_steps`, then constant, annealed on dev-score plateaus (by
    /// `anneal_factor` after more than `patience` evaluations without improvement), or decayed
    /// linearly or by a half cosine to `min_learning_rate` at the last step.
    static func learningRateSchedule(_ t: TrainingConfig, totalSteps: Int) throws -> Schedule {
        let lr = Float(t.learningRate), floor = min(Float(t.minLearningRate), lr)
        let total = max(totalSteps, t.warmupSteps)
        switch t.schedule {
        case .constant:
            return try .constant(lr, warmupSteps: t.warmupSteps)
        case .plateau:
            let annealer = try ReduceOnPlateau(learningRate: lr, mode: .max, factor: Float(t.annealFactor),
                                               patience: t.patience, minimumLearningRate: Float(t.minLearningRate))
            return try .plateau(annealer, warmupSteps: t.warmupSteps)
        case .linear:
            return try .linearWarmupDecay(peak: lr, warmupSteps: t.warmupSteps, totalSteps: total, floor: floor)
        case .cosine:
            return try .warmupCosine(peak: lr, warmupSteps: t.warmupSteps, totalSteps: total, floor: floor)
        }
    }

    /// The model structure a config asks for, sized by the data's vocabularies, with the data's
    /// checked transformer.
    public static func modelSpec(config: TrainConfig, encoder: TextEncoder, transformer: TransformerSpec? = nil) -> ModelSpec {
        let e = config.encoder
        let encoderSpec = EncoderSpec(
            wordVocabularySize: encoder.words.count, wordDimension: e.wordDim,
            characterVocabularySize: encoder.characters.count, characterDimension: e.charDim,
            characterHidden: e.charHidden, caseClassCount: TokenFeatures.casingCount, caseDimension: e.caseDim,
            sharedHidden: e.sharedHidden, dropout: Float(e.dropout), wordDropout: Float(e.wordDropout),
            lockedDropout: Float(e.lockedDropout), transformer: transformer)
        let heads = zip(config.tasks.names, encoder.tasks).map { name, task in
            let t = config.tasks[name]!
            return HeadSpec(name: name, tagCount: task.labels.count, kind: t.head,
                            hidden: t.hidden, lossWeight: Float(t.lossWeight))
        }
        return ModelSpec(encoder: encoderSpec, heads: heads)
    }

    /// Steps the run takes: `max_steps`, else `epochs` × steps per epoch.
    public static func totalSteps(config: TrainConfig, sampler: TrainingSampler) -> Int {
        if let m = config.training.maxSteps { return m }
        return (0..<config.training.epochs).reduce(0) { $0 + sampler.stepsPerEpoch(epoch: $1) }
    }

    /// Where a run stands between two steps, and what it has decided so far: besides the
    /// parameters, the optimizer's state and `schedule.state`, what continuing the run from there
    /// needs (batches and dropout masks are functions of the seed, epoch and step).
    public struct RunState: Equatable {
        /// Updates applied so far.
        public var step = 0
        /// The current epoch, 0-based.
        public var epoch = 0
        /// Steps taken in the current epoch: the next step is (`epoch`, `stepInEpoch`) of the sampler.
        public var stepInEpoch = 0
        /// The best dev main score so far, and the step that reached it (kept in `OUTPUT/best`).
        public var best: Best?

        /// A dev main score and the step that reached it.
        public struct Best: Equatable {
            /// The dev main score (`training.main_score`).
            public var score: Double
            /// Updates applied when it was reached.
            public var step: Int
        }

        /// The start of a run.
        public init() {}
    }

    /// Runs training to the end and returns what happened.
    public func run() throws -> Summary {
        let config = resolved.config, t = config.training
        let total = Trainer.totalSteps(config: config, sampler: sampler)
        let taskNames = config.tasks.names
        let log = communicator.isRoot ? try MetricsLog(url: outputDirectory.appendingPathComponent("metrics.jsonl")) : nil
        let world = communicator.worldSize
        var state = start
        var lastEval: [TaskEvaluation] = []
        var windowLoss = startWindow?.loss ?? [Double](repeating: 0, count: 2 * taskNames.count)
        var windowSentences = startWindow?.sentences ?? 0
        var windowStart = progress.elapsed
        var stop = false
        var throughput = Throughput()
        let runStart = progress.elapsed
        var stoppedBy: Int32? = nil
        var checkpoint: URL? = nil
        let every = config.checkpoint.every

        progress.line("training \(taskNames.joined(separator: " + ")) on \(world) rank\(world == 1 ? "" : "s"): " +
                      "\(model.store.count) parameters, \(total) steps, batch \(t.batchSize)" +
                      (world > 1 ? "; gradient all-reduce \(allReducePlan)" : ""))
        if state.step > 0 {
            progress.line("resuming at step \(state.step) (epoch \(state.epoch + 1), step \(state.stepInEpoch) of it)")
        }
        while !stop && state.step < total {
            let steps = sampler.stepsPerEpoch(epoch: state.epoch)
            while state.stepInEpoch < steps && state.step < total {
                let result = try trainStep(epoch: state.epoch, step: state.stepInEpoch)
                state.step += 1
                state.stepInEpoch += 1
                let step = state.step, epoch = state.epoch
                for (k, r) in result.perTaskLoss.enumerated() {
                    windowLoss[2 * k] += Double(r.sum)
                    windowLoss[2 * k + 1] += Double(r.rows)
                }
                windowSentences += result.globalBatch.count
                throughput.sentences += result.globalBatch.count
                throughput.tokens += result.globalBatch.reduce(0) { $0 + data.encodedTrain[$1.corpus][$1.sentence].wordIDs.count }

                if step % max(t.logEvery, 1) == 0 || step == total {
                    let summed = try communicator.sum(windowLoss)
                    let now = progress.elapsed
                    let rate = Double(windowSentences) / max(now - windowStart, 1e-9)
                    var losses: [(String, Double)] = []
                    var lossJSON: [String: Any] = [:]
                    for (k, name) in taskNames.enumerated() where summed[2 * k + 1] > 0 {
                        let mean = summed[2 * k] / summed[2 * k + 1]
                        losses.append((name, mean))
                        lossJSON[name] = mean
                    }
                    try log?.append(["type": "train", "step": step, "epoch": epoch + 1, "loss": lossJSON,
                                     "sentences_per_s": rate, "learning_rate": Double(result.learningRate)])
                    progress.step(step, of: total, epoch: epoch + 1, losses: losses, sentencesPerSecond: rate)
                    windowLoss = windowLoss.map { _ in 0 }
                    windowSentences = 0
                    windowStart = now
                }
                let endOfEpoch = state.stepInEpoch == steps
                let evalNow = t.evalEvery.map { step % $0 == 0 } ?? endOfEpoch
                if evalNow || step == total {
                    let evaluationStart = progress.elapsed
                    lastEval = try evaluateDev()
                    throughput.evaluationSeconds += progress.elapsed - evaluationStart
                    if !lastEval.isEmpty {
                        let score = Evaluator.mainScore(lastEval, rule: t.mainScore)
                        try report(lastEval, score: score, step: step, epoch: epoch + 1, log: log)
                        if state.best.map({ score > $0.score }) ?? true {
                            state.best = RunState.Best(score: score, step: step)
                            try saveModel(named: "best", step: step, epoch: epoch + 1, score: score)
                        }
                        if schedule.record(score) {
                            progress.line(String(format: "learning rate reduced to %.6g", schedule.peak))
                        }
                        if schedule.isExhausted {
                            progress.line("learning rate fell below min_learning_rate: stopping")
                            stop = true
                        }
                    }
                }
                // a step boundary: a periodic checkpoint, or a stop signal every rank agrees on
                stoppedBy = try agreedStopSignal()
                if (every > 0 && step % every == 0) || stoppedBy != nil {
                    // the position of the next step: the start of the next epoch after the last step of one
                    var next = state
                    if next.stepInEpoch == steps { next.epoch += 1; next.stepInEpoch = 0 }
                    let started = progress.elapsed
                    let saved = try saveCheckpoint(next, window: (windowLoss, windowSentences))
                    checkpoint = saved.url
                    let seconds = progress.elapsed - started, mb = Double(saved.bytes) / 1e6
                    progress.line("checkpoint \(checkpoint!.path): " + String(format: "%.1f MB in %.3f s (%.0f MB/s)", mb, seconds, mb / max(seconds, 1e-9))
                                  + (stoppedBy.map { " (\(Trainer.signalName($0)) received: stopping)" } ?? ""))
                }
                if stop || stoppedBy != nil { break }
            }
            if stoppedBy != nil { break }
            state.epoch += 1
            state.stepInEpoch = 0
        }
        if let stoppedBy {
            var summary = Summary(steps: state.step, epochs: state.epoch, bestDevScore: state.best?.score, bestStep: state.best?.step,
                                  lastEvaluation: lastEval, seconds: progress.elapsed)
            summary.stoppedBy = stoppedBy
            summary.checkpoint = checkpoint
            return summary
        }
        if state.best == nil || !FileManager.default.fileExists(atPath: outputDirectory.appendingPathComponent("best").path) {
            // no dev split: the last model is the one to keep
            try saveModel(named: "best", step: state.step, epoch: state.epoch, score: nil)
        }
        throughput.seconds = progress.elapsed - runStart
        throughput.peakResidentBytes = try communicator.gather(Double(ResourceUsage.peakResidentBytes))
        try log?.append(throughput.json)
        progress.line(throughput.line)
        var summary = Summary(steps: state.step, epochs: state.epoch, bestDevScore: state.best?.score, bestStep: state.best?.step,
                              lastEvaluation: lastEval, seconds: progress.elapsed)
        summary.checkpoint = checkpoint
        summary.throughput = throughput
        return summary
    }

    /// `SIGTERM`, `SIGUSR1` or `signal N`, for log lines.
    static func signalName(_ number: Int32) -> String {
        number == SIGTERM ? "SIGTERM" : number == SIGUSR1 ? "SIGUSR1" : "signal \(number)"
    }

    /// Where one step's time went, in seconds.
    public struct StepTiming {
        /// Building the batch, the forward pass and recording the tape.
        public var forward: Double = 0
        /// Back-propagation (without the communicator calls made during it).
        public var backward: Double = 0
        /// Summing gradients over the ranks after backward: the whole sum when it is blocking; with
        /// overlap, the wait for the sums still running when backward ends (the exposed part).
        public var allReduce: Double = 0
        /// With overlap: time inside the communicator's start and progress calls during backward.
        public var allReduceInBackward: Double = 0
        /// Clipping and the optimizer update.
        public var update: Double = 0
        /// With `sharded_update` on more than one rank, the all-gather of the parameters after the
        /// update; it is part of `allReduce`, which then holds the whole exchange: reduce-scatter,
        /// norm sum and all-gather.
        public var allGather: Double = 0
        public var total: Double { forward + backward + allReduceInBackward + allReduce + update }

        public init(forward: Double = 0, backward: Double = 0, allReduce: Double = 0, update: Double = 0,
                    allReduceInBackward: Double = 0) {
            self.forward = forward
            self.backward = backward
            self.allReduce = allReduce
            self.update = update
            self.allReduceInBackward = allReduceInBackward
        }
    }

    /// What one training step did.
    public struct StepResult {
        /// This rank's forward passes (all its micro-batches): per task the summed loss of its rows and their count.
        public let perTaskLoss: [(sum: Float, rows: Int)]
        /// The step's global batch, every rank's items.
        public let globalBatch: [SampledItem]
        /// The learning rate of the update.
        public let learningRate: Float
        /// Where the step's time went.
        public let timing: StepTiming
        /// Floats this rank summed over the ranks (0 with one rank).
        public let allReduceElements: Int
    }

    /// One optimisation step on this rank's slice of the global batch of (`epoch`, `step`): forward,
    /// backward, gradient sum over ranks, clipping, update. With `accumulation_steps` K > 1 the
    /// slice runs as K contiguous micro-batches, each forward and backward adding into the gradient
    /// buffer (every loss normalised by the whole global batch's per-task counts), before the one
    /// sum and update: np = 1 with K = 4 computes what np = 4 computes, up to summation order.
    ///
    /// The gradient sum runs over the buckets of `gradientBuckets`: one blocking all-reduce per
    /// bucket after backward, or, with buckets, more than one rank and `overlap_allreduce`,
    /// non-blocking sums started during backward (`OverlappedGradientReduce`) and waited for after it.
    public func trainStep(epoch: Int, step s: Int) throws -> StepResult {
        let t = resolved.config.training
        let seed = UInt64(truncatingIfNeeded: t.seed)
        let taskCount = data.encoder.tasks.count
        let world = communicator.worldSize, rank = communicator.rank
        let store = model.store
        var timing = StepTiming()
        var clock = DispatchTime.now().uptimeNanoseconds
        func lap() -> Double {
            let now = DispatchTime.now().uptimeNanoseconds
            defer { clock = now }
            return Double(now - clock) / 1e9
        }
        let global = sampler.globalBatch(epoch: epoch, step: s)
        var globalCounts = [Int](repeating: 0, count: taskCount)
        for item in global { for k in item.tasks { globalCounts[k] += 1 } }
        // rank r takes the r-th of W contiguous slices
        let lo = global.count * rank / world, hi = global.count * (rank + 1) / world
        let micro = max(1, t.accumulationSteps)
        var perTaskLoss = [(sum: Float, rows: Int)](repeating: (0, 0), count: taskCount)
        var tape = Tape()
        var result: MultiTaskModel.LossResult?
        for m in 0..<micro {
            // micro-batch m of the rank's slice: positions lo + n·m/K ..< lo + n·(m+1)/K
            let local = Array(global[(lo + (hi - lo) * m / micro)..<(lo + (hi - lo) * (m + 1) / micro)])
            let keys = local.map { BatchBuilder.rowKey(seed: seed, epoch: epoch, step: s, corpus: $0.corpus, sentence: $0.sentence) }
            let batch = BatchBuilder.training(items: local, taskCount: taskCount, globalCounts: globalCounts,
                                              keys: keys, unkReplacement: unkReplacement,
                                              packing: data.encoder.subwordPacking) { data.encodedTrain[$0.corpus][$0.sentence] }
            tape = Tape()
            let loss = model.loss(batch, tape: tape)
            for (k, r) in loss.perTask.enumerated() { perTaskLoss[k] = (perTaskLoss[k].sum + r.sum, perTaskLoss[k].rows + r.rows) }
            timing.forward += lap()
            guard m < micro - 1 else { result = loss; break }
            // all but the last micro-batch: backward adds into the gradient buffer, no sum yet
            tape.backward(from: loss.total)
            timing.backward += lap()
        }
        guard let result else { preconditionFailure("accumulation_steps \(micro) ran no micro-batch") }
        var allReduceElements = world > 1 ? store.count : 0
        if t.shardedUpdate {
            tape.backward(from: result.total)
            timing.backward += lap()
            let lr = schedule(optimizer.stepCount)
            try shardedUpdate(learningRate: lr, timing: &timing, lap: lap)
            return StepResult(perTaskLoss: perTaskLoss, globalBatch: global, learningRate: lr, timing: timing,
                              allReduceElements: allReduceElements)
        }
        // the only parts of the gradient this step can make non-zero (all of it without a table)
        let touched = touchedRows?.ranges(for: global.map { data.encodedTrain[$0.corpus][$0.sentence] }) ?? [0 ..< store.count]
        if overlapsAllReduce {
            let reduce = OverlappedGradientReduce(buckets: gradientBuckets, communicator: communicator,
                                                  gradients: store.grads.pointer)
            try tape.backward(from: result.total, store: store) { try reduce.parameterReady($0) }
            timing.allReduceInBackward = reduce.communicationSeconds
            timing.backward += lap() - reduce.communicationSeconds
            try reduce.finish()
            timing.allReduce = lap()
        } else {
            tape.backward(from: result.total)
            timing.backward += lap()
            if exchangesTouchedRows {
                allReduceElements = try communicator.allReduceSum(store.grads.pointer, ranges: touched, scratch: &exchangeScratch)
            } else {
                try communicator.allReduceSum(store.grads.pointer, buckets: gradientBuckets)
            }
            timing.allReduce = lap()
        }
        if let clip = t.clipNorm, clip > 0 { _ = clipGradientNorm(store.grads.base, ranges: touched, maxNorm: Float(clip)) }
        let lr = schedule(optimizer.stepCount)
        applyOptimizers(gradients: store.grads.base, learningRate: lr)
        // every other element is still zero
        store.zeroGrad(ranges: touched)
        timing.update = lap()
        return StepResult(perTaskLoss: perTaskLoss, globalBatch: global, learningRate: lr, timing: timing,
                          allReduceElements: allReduceElements)
    }

    /// The update of the sharded step (`sharded_update`), after backward: the gradient
    /// reduce-scattered in place, leaving the sum of this rank's slice (`updateRange`) at the front
    /// of the gradient buffer (on one rank the buffer is the slice), its squared norm summed over the
    /// ranks into the global norm, the slice clipped with it and updated, and the parameters
    /// all-gathered so every rank holds the whole replica. No buffer besides the optimizer state of
    /// the slice. Clipping and update equal the replicated step's bit for bit on one rank; the sums
    /// differ in order only.
    private func shardedUpdate(learningRate lr: Float, timing: inout StepTiming, lap: () -> Double) throws {
        let t = resolved.config.training, store = model.store, world = communicator.worldSize
        if world > 1 {
            try communicator.reduceScatterSum(store.grads.pointer)
            timing.allReduce += lap()
        }
        // gradients[i] is the summed gradient of parameter updateRange.lowerBound + i
        let gradients = store.grads.base
        if let clip = t.clipNorm, clip > 0 {
            var squared = [squaredGradientNorm(gradients, count: updateRange.count)]
            timing.update += lap()
            try squared.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
            timing.allReduce += lap()
            clipGradients(gradients, count: updateRange.count, norm: squared[0].squareRoot(), maxNorm: Float(clip))
        }
        applyOptimizers(gradients: gradients - updateRange.lowerBound, learningRate: lr)
        store.zeroGrad()
        timing.update += lap()
        if world > 1 {
            try communicator.allGather(store.values.pointer)
            timing.allGather = lap()
            timing.allReduce += timing.allGather
        }
    }

    /// Steps the optimizers over `updateRange`: parameter i's gradient is `gradients[i]` (a pointer
    /// offset so that index i of the store is the right element, whether the gradients are the store's
    /// buffer or a slice). The transformer's part at its multiplied learning rate when it has an
    /// optimizer of its own.
    private func applyOptimizers(gradients: UnsafeMutablePointer<Float>, learningRate lr: Float) {
        let t = resolved.config.training, values = model.store.values.base
        func step(_ optimizer: inout any Optimizer, _ r: Range<Int>, _ rate: Float) {
            optimizer.step(parameters: values + r.lowerBound, gradients: gradients + r.lowerBound, count: r.count, learningRate: rate)
        }
        if let part = updateParts.transformer, transformerOptimizer != nil {
            step(&transformerOptimizer!, part, lr * Float(t.transformerLRMultiplier))
        }
        step(&optimizer, updateParts.rest, lr)
    }

    /// True when gradient sums overlap backward: buckets set, more than one rank, `overlap_allreduce`.
    var overlapsAllReduce: Bool {
        let t = resolved.config.training
        return t.overlapAllReduce && t.allReduceBucketMB > 0 && communicator.worldSize > 1
    }

    /// How `trainStep` sums gradients, for reports: e.g. `overlapped with backward, 7 buckets of
    /// whole parameters, ≤ 4 MiB or one parameter`, `blocking, 7 buckets of whole parameters, ≤ 4 MiB
    /// or one parameter`, `blocking, one call`.
    public var allReducePlan: String {
        if communicator.worldSize == 1 { return "none (one rank)" }
        if resolved.config.training.shardedUpdate {
            return "sharded update: one reduce-scatter of the gradient, one sum of the squared norm, one all-gather of the parameters"
        }
        if exchangesTouchedRows {
            return "blocking, one call over the touched embedding rows and every other parameter"
        }
        let n = gradientBuckets.count
        if n <= 1 && !overlapsAllReduce { return "blocking, one call" }
        let size = String(format: "%g MiB", resolved.config.training.allReduceBucketMB)
        return (overlapsAllReduce ? "overlapped with backward" : "blocking")
            + ", \(n) bucket\(n == 1 ? "" : "s") of whole parameters, ≤ \(size) or one parameter"
    }

    var unkReplacement: UnkReplacement {
        UnkReplacement(probability: Float(resolved.config.encoder.unkReplacement), singletons: data.singletonWords,
                       unknownID: Int32(data.encoder.words.unknownID ?? 0))
    }

    /// Every task on its own corpus's dev split (tasks whose corpus has none are skipped).
    func evaluateDev() throws -> [TaskEvaluation] {
        var results: [TaskEvaluation] = []
        for (c, name) in data.corpusNames.enumerated() {
            guard let sentences = data.dev[c] else { continue }
            let tasks = data.encoder.tasks.indices.filter { data.encoder.tasks[$0].corpus == name }
            guard !tasks.isEmpty else { continue }
            results += try Evaluator.evaluate(model: model, encoder: data.encoder, sentences: sentences,
                                              taskIndices: tasks, communicator: communicator)
        }
        // report in task order
        let order = data.encoder.tasks.map(\.name)
        return results.sorted { order.firstIndex(of: $0.task)! < order.firstIndex(of: $1.task)! }
    }

    func report(_ results: [TaskEvaluation], score: Double, step: Int, epoch: Int, log: MetricsLog?) throws {
        var tasks: [String: Any] = [:]
        for r in results { tasks[r.task] = r.json }
        try log?.append(["type": "eval", "split": "dev", "step": step, "epoch": epoch, "tasks": tasks, "main_score": score])
        // the run's curves.svg, redrawn (atomically) from metrics.jsonl at every evaluation
        if communicator.isRoot { try TrainingCurves.redraw(runDirectory: outputDirectory) }
        let parts = results.map { r in
            r.metric == .spanF1 ? String(format: "%@ F1 %.2f", r.task, 100 * r.mainScore)
                                : String(format: "%@ acc %.2f", r.task, 100 * r.mainScore)
        }
        progress.line("dev after epoch \(epoch), step \(step): " + parts.joined(separator: ", ") + String(format: "  (main %.2f)", 100 * score))
    }

    func saveModel(named name: String, step: Int, epoch: Int, score: Double?) throws {
        guard communicator.isRoot else { return }
        try TrainedModel.save(model, metadata: try modelMetadata(step: step, epoch: epoch, score: score),
                              to: outputDirectory.appendingPathComponent(name))
    }

    /// What a saved model or checkpoint records about this model at `step`.
    func modelMetadata(step: Int, epoch: Int, score: Double?) throws -> ModelMetadata {
        var corpora: [String: CorpusConfig] = [:]
        for (n, c) in resolved.absoluteConfig.corpora { corpora[n] = c }
        var metadata = ModelMetadata(spec: model.spec, encoder: data.encoder, corpora: corpora,
                                     corpusOrder: data.corpusNames, config: try resolved.yamlString(), step: step, epoch: epoch,
                                     mainScore: resolved.config.training.mainScore.rawValue, devMainScore: score)
        metadata.frozenTransformerChecksum = frozenTransformerChecksum
        return metadata
    }
}
