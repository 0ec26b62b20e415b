import Autodiff
import Collective
import Foundation
import ModelFiles
import MultiTask
import Optimizers
import TaskSampling
import Timeline

extension Trainer {
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
        let t = exchangeSettings
        let seed = UInt64(truncatingIfNeeded: t.seed)
        let taskCount = data.encoder.tasks.count
        let world = communicator.worldSize, rank = communicator.rank
        let store = model.store
        var timing = StepTiming()
        var clock = Timeline.now
        let traced = timeline
        // seconds since the last lap, recorded on the timeline as `name`
        func lap(_ name: String, bytes: Int? = nil) -> Double {
            let now = Timeline.now
            defer { clock = now }
            traced?.record(name, from: clock, to: now, bytes: bytes)
            return Double(now - clock) / 1e9
        }
        let global = rankOrderedBatch(epoch: epoch, step: s)
        var globalCounts = [Int](repeating: 0, count: taskCount)
        for item in global { for k in item.tasks { globalCounts[k] += 1 } }
        let mine = rankSlice(batchSize: global.count, rank: rank, worldSize: world)
        let lo = mine.lowerBound, hi = mine.upperBound
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
            timing.forward += lap("forward")
            guard m < micro - 1 else { result = loss; break }
            // all but the last micro-batch: backward adds into the gradient buffer, no sum yet
            tape.backward(from: loss.total)
            timing.backward += lap("backward")
        }
        guard let result else { preconditionFailure("accumulation_steps \(micro) ran no micro-batch") }
        var allReduceElements = world > 1 ? store.count : 0
        if t.shardedUpdate {
            tape.backward(from: result.total)
            timing.backward += lap("backward")
            let lr = schedule(optimizer.stepCount)
            try shardedUpdate(learningRate: lr, timing: &timing, lap: { lap($0, bytes: $1) })
            return StepResult(perTaskLoss: perTaskLoss, globalBatch: global, learningRate: lr, timing: timing,
                              allReduceElements: allReduceElements)
        }
        // the only parts of the gradient this step can make non-zero (all of it without a table)
        let touched = touchedRows?.ranges(for: global.map { data.encodedTrain[$0.corpus][$0.sentence] }) ?? [0 ..< store.count]
        if overlapsAllReduce {
            try backwardOverlappingExchange(tape, from: result.total, timing: &timing) { lap($0) }
        } else {
            tape.backward(from: result.total)
            timing.backward += lap("backward")
            timing.allReduce = try waitForRanksIfTraced { lap($0) }
            if exchangesTouchedRows {
                allReduceElements = try communicator.allReduceSum(store.grads.pointer, ranges: touched, scratch: &exchangeScratch)
            } else {
                try prepareSharedGradients()
                if let sharedGradients {
                    try sharedGradients.sum()
                } else {
                    try communicator.allReduceSum(store.grads.pointer, buckets: gradientBuckets)
                }
            }
            timing.allReduce += lap(exchangesTouchedRows ? "all-reduce of the touched rows" : "all-reduce",
                                    bytes: allReduceElements * MemoryLayout<Float>.size)
        }
        if let clip = t.clipNorm, clip > 0 { _ = clipGradientNorm(store.grads.base, ranges: touched, maxNorm: Float(clip)) }
        let lr = schedule(optimizer.stepCount)
        applyOptimizers(gradients: store.grads.base, nonZero: touched, learningRate: lr)
        // every other element is still zero
        store.zeroGrad(ranges: touched)
        timing.update = lap("update")
        return StepResult(perTaskLoss: perTaskLoss, globalBatch: global, learningRate: lr, timing: timing,
                          allReduceElements: allReduceElements)
    }

    /// Backward with each bucket's non-blocking sum started once its gradients are final
    /// (`OverlappedGradientReduce`; each start marked on the timeline's exchange track), then the
    /// wait for the sums still running.
    private func backwardOverlappingExchange(_ tape: Tape, from loss: Tensor, timing: inout StepTiming,
                                             lap: (String) -> Double) throws {
        let store = model.store
        let reduce = OverlappedGradientReduce(buckets: gradientBuckets, communicator: communicator, gradients: store.grads.pointer)
        if let traced = timeline {
            reduce.bucketStarted = { b, bytes in traced.mark("bucket \(b) exchange started", track: .exchange, bytes: bytes) }
        }
        try tape.backward(from: loss, store: store) { try reduce.parameterReady($0) }
        timing.allReduceInBackward = reduce.communicationSeconds
        let wall = lap("backward")
        timing.backward += wall - reduce.communicationSeconds
        timing.bucketReady = reduce.startSeconds.map { wall > 0 ? min(1, $0 / wall) : 1 }
        try reduce.finish()
        timing.allReduce = lap("waiting for the bucket exchanges")
    }

    /// The global batch of step `s`, ordered so that each rank's `rankSlice` holds about as many
    /// words as another's (`balancedOrder`; the sampler's order on one rank). Each sentence's
    /// dropout and the loss's normalisation depend on the sentence, not on its rank, so the summed
    /// gradient is the same up to float summation order.
    private func rankOrderedBatch(epoch: Int, step s: Int) -> [SampledItem] {
        let global = sampler.globalBatch(epoch: epoch, step: s)
        guard communicator.worldSize > 1 else { return global }
        let words = global.map { data.encodedTrain[$0.corpus][$0.sentence].wordIDs.count }
        return balancedOrder(costs: words, worldSize: communicator.worldSize).map { global[$0] }
    }

    /// The update of the sharded step (`sharded_update`), after backward: the gradient
    /// reduce-scattered in place, leaving the sum of this rank's slice (`updateRange`) at the front
    /// of the gradient buffer (on one rank the buffer is the slice), its squared norm summed over the
    /// ranks into the global norm, the slice clipped with it and updated, and the parameters
    /// all-gathered so every rank holds the whole replica. No buffer besides the optimizer state of
    /// the slice. Clipping and update equal the replicated step's bit for bit on one rank; the sums
    /// differ in order only.
    private func shardedUpdate(learningRate lr: Float, timing: inout StepTiming, lap: (String, Int?) -> Double) throws {
        let t = exchangeSettings, store = model.store, world = communicator.worldSize
        if world > 1 {
            timing.allReduce += try waitForRanksIfTraced { lap($0, nil) }
            try communicator.reduceScatterSum(store.grads.pointer)
            timing.allReduce += lap("reduce-scatter", store.count * MemoryLayout<Float>.size)
        }
        // gradients[i] is the summed gradient of parameter updateRange.lowerBound + i
        let gradients = store.grads.base
        if let clip = t.clipNorm, clip > 0 {
            var squared = [squaredGradientNorm(gradients, count: updateRange.count)]
            timing.update += lap("gradient norm", nil)
            try squared.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
            timing.allReduce += lap("all-reduce of the norm", nil)
            clipGradients(gradients, count: updateRange.count, norm: squared[0].squareRoot(), maxNorm: Float(clip))
        }
        applyOptimizers(gradients: gradients - updateRange.lowerBound, nonZero: [updateRange], learningRate: lr)
        store.zeroGrad()
        timing.update += lap("update", nil)
        if world > 1 {
            try communicator.allGather(store.values.pointer)
            timing.allGather = lap("all-gather", store.count * MemoryLayout<Float>.size)
            timing.allReduce += timing.allGather
        }
    }

    /// With a timeline on more than one rank: a barrier before a blocking exchange, recorded as
    /// "waiting for ranks" (the time this rank waits for the slowest, which the exchange would
    /// otherwise hide), its seconds returned; 0 without.
    private func waitForRanksIfTraced(_ lap: (String) -> Double) throws -> Double {
        guard timeline != nil && communicator.worldSize > 1 else { return 0 }
        try communicator.barrier()
        return lap("waiting for ranks")
    }

    /// Steps the optimizers over `updateRange`: parameter i's gradient is `gradients[i]` (a pointer
    /// offset so that index i of the store is the right element, whether the gradients are the store's
    /// buffer or a slice). The transformer's part at its multiplied learning rate when it has an
    /// optimizer of its own. `nonZero`: the ranges of the store whose gradients may be non-zero
    /// (an optimizer that leaves zero-gradient parameters unchanged updates only those).
    private func applyOptimizers(gradients: UnsafeMutablePointer<Float>, nonZero: [Range<Int>], learningRate lr: Float) {
        let t = resolved.config.training, values = model.store.values.base
        func step(_ optimizer: inout any Optimizer, _ r: Range<Int>, _ rate: Float) {
            // the parts of nonZero inside r, relative to r
            let inside = nonZero.compactMap { n -> Range<Int>? in
                let lo = max(n.lowerBound, r.lowerBound), hi = min(n.upperBound, r.upperBound)
                return lo < hi ? (lo - r.lowerBound) ..< (hi - r.lowerBound) : nil
            }
            optimizer.step(parameters: values + r.lowerBound, gradients: gradients + r.lowerBound, count: r.count,
                           nonZero: inside, learningRate: rate)
        }
        if let part = updateParts.transformer, transformerOptimizer != nil {
            step(&transformerOptimizer!, part, lr * Float(t.transformerLRMultiplier))
        }
        step(&optimizer, updateParts.rest, lr)
    }

    /// True when gradient sums overlap backward: buckets set, more than one rank, `overlap_allreduce`.
    var overlapsAllReduce: Bool {
        let t = exchangeSettings
        return t.overlapAllReduce && t.allReduceBucketMB > 0 && communicator.worldSize > 1
    }

    /// How `trainStep` sums gradients, for reports: e.g. `overlapped with backward, 7 buckets of
    /// whole parameters, ≤ 4 MiB or one parameter, advanced by a progress thread every 1000 µs`, `blocking, 7 buckets of whole parameters, ≤ 4 MiB
    /// or one parameter`, `blocking, one call`, or the sum over shared memory (`sharedGradients`).
    public var allReducePlan: String {
        if communicator.worldSize == 1 { return "none (one rank)" }
        if exchangeSettings.shardedUpdate {
            return "sharded update: one reduce-scatter of the gradient, one sum of the squared norm, one all-gather of the parameters"
        }
        if exchangesTouchedRows {
            return "blocking, one call over the touched embedding rows and every other parameter"
        }
        if sharedGradients != nil { return "blocking, one in-place sum over shared memory (every rank on this host)" }
        let n = gradientBuckets.count
        if n <= 1 && !overlapsAllReduce { return "blocking, one call" }
        let size = String(format: "%g MiB", exchangeSettings.allReduceBucketMB)
        var progress = ""
        if overlapsAllReduce, let interval = communicator.progressThreadMicroseconds {
            progress = ", advanced by a progress thread every \(interval) µs"
        }
        return (overlapsAllReduce ? "overlapped with backward" : "blocking")
            + ", \(n) bucket\(n == 1 ? "" : "s") of whole parameters, ≤ \(size) or one parameter" + progress
    }

    /// The strategy `trainStep` exchanges with, by `training.exchange`'s names (`dense`, `touched`,
    /// `overlap`, `sharded`; a blocking sum in buckets counts as `dense`): what `exchange: auto` chose,
    /// or what the switches make. `none` with one rank.
    public var exchangeInForce: String {
        if communicator.worldSize == 1 { return "none" }
        if exchangeSettings.shardedUpdate { return "sharded" }
        if exchangesTouchedRows { return "touched" }
        return overlapsAllReduce ? "overlap" : "dense"
    }

    var unkReplacement: UnkReplacement {
        UnkReplacement(probability: Float(resolved.config.encoder.unkReplacement), singletons: data.singletonWords,
                       unknownID: Int32(data.encoder.words.unknownID ?? 0))
    }
}
