import Autodiff
import Collective
import Foundation
import Reporting
import RunConfig
import Training

/// `mtl-dist bench step`: training steps of a config's model on its data, one replica per
/// rank under mpirun, with the time of each step split into forward, backward, gradient all-reduce
/// and update. The all-reduce share includes waiting for the slowest rank. When the sums overlap
/// backward, what counts as all-reduce is what backward does not hide: the wait for the sums still
/// running when backward ends, plus the time inside MPI calls made during backward. With
/// `sharded_update` it is the whole exchange (reduce-scatter, norm sum, all-gather of the
/// parameters), the all-gather also shown on its own, and update is the update of the rank's slice.
public struct TrainingBenchmark {
    let request: TrainingSession.Request
    let steps: Int
    let warmup: Int
    /// Weak scaling: the global batch is the config's `batch_size` times the world size, so each rank
    /// keeps the per-rank batch of one rank (strong scaling, the default, keeps the global batch).
    var weak = false

    /// `steps` timed training steps (after `warmup` untimed ones) of the run `request` describes;
    /// `weak`: see `weak`.
    public init(request: TrainingSession.Request, steps: Int, warmup: Int, weak: Bool) {
        self.request = request
        self.steps = steps
        self.warmup = warmup
        self.weak = weak
    }

    public struct Report {
        var worldSize: Int
        var batchSize: Int
        var parameters: Int
        var medians: Trainer.StepTiming
        var stepSeconds: [Double]
        var blasThreads: Int
        var allReducePlan: String
        /// The exchange strategy in force (`Trainer.exchangeInForce`): with `exchange: auto`, its choice.
        var exchange: String
        /// Mean words per timed step over the global batch.
        var tokensPerStep: Double
        /// Bytes each rank sums over the ranks per step (median; the whole gradient buffer unless
        /// only the touched embedding rows are exchanged; 0 with one rank).
        var allReduceBytes: Int
        /// Bytes of the whole gradient buffer.
        var gradientBytes: Int
        /// Bytes of each bucket of the gradient sum, in the order the sums start (backward finishes
        /// bucket 0 first; one bucket of the whole buffer without `allreduce_bucket_mb`): what the
        /// cost model's overlap formula needs.
        var bucketBytes: [Int]
        /// With overlap on more than one rank: when each bucket's sum started, as a fraction of
        /// backward (median over the timed steps; what the cost model's overlap formula takes as the
        /// bucket's ready time); empty otherwise.
        var bucketReady: [Double]
        /// Peak resident set size of every rank, bytes, in rank order.
        var peakResidentBytes: [Double]
        /// Distinct hosts the ranks run on.
        var hosts: Int
        /// Cores of rank 0's machine.
        var cores: Int
        /// The transformer's `precision` as configured (nil without a transformer); rank 0 runs it as
        /// `precision.effective`.
        var transformerPrecision: MatmulPrecision?

        var medianStep: Double { median(stepSeconds) }
        var sentencesPerSecond: Double { Double(batchSize) / medianStep }
        var tokensPerSecond: Double { tokensPerStep / medianStep }
        /// Exposed all-reduce time (after backward, and inside MPI calls during it) over the step.
        var allReduceShare: Double { (medians.allReduce + medians.allReduceInBackward) / max(medians.total, 1e-12) }

        public var dictionary: [String: Any] {
            ["world_size": worldSize, "batch_size": batchSize, "parameters": parameters, "steps": stepSeconds.count,
             "median_step_ms": 1000 * medianStep, "sentences_per_s": sentencesPerSecond,
             "median_forward_ms": 1000 * medians.forward, "median_backward_ms": 1000 * medians.backward,
             "median_allreduce_ms": 1000 * medians.allReduce,
             "median_allreduce_in_backward_ms": 1000 * medians.allReduceInBackward,
             "median_update_ms": 1000 * medians.update, "allreduce_share": allReduceShare,
             "median_allgather_ms": 1000 * medians.allGather,
             "allreduce_plan": allReducePlan, "exchange": exchange, "blas_threads_per_rank": blasThreads,
             "tokens_per_s": tokensPerSecond, "allreduce_bytes": allReduceBytes, "gradient_bytes": gradientBytes,
             "allreduce_bucket_bytes": bucketBytes, "allreduce_bucket_ready": bucketReady, "hosts": hosts, "cores": cores,
             "peak_rss_mib_per_rank": peakResidentBytes.map { $0 / 1_048_576 },
             "transformer_precision": transformerPrecision?.rawValue ?? NSNull(),
             "transformer_precision_ran_as": transformerPrecision?.effective.rawValue ?? NSNull()]
        }

        public var table: String {
            [
                "training step, \(worldSize) rank(s) x \(blasThreads) BLAS thread(s), global batch \(batchSize), \(parameters) parameters",
                String(format: "  median step %.1f ms over %d steps -> %.0f sentences/s", 1000 * medianStep, stepSeconds.count, sentencesPerSecond),
                String(format: "  forward %.1f ms, backward %.1f ms, all-reduce %.1f ms (%.1f%% of the step), update %.1f ms",
                       1000 * medians.forward, 1000 * medians.backward,
                       1000 * (medians.allReduce + medians.allReduceInBackward), 100 * allReduceShare,
                       1000 * medians.update),
                String(format: "  %.0f tokens/s; %d bytes all-reduced per step; peak RSS per rank %@ MiB; %d host(s)",
                       tokensPerSecond, allReduceBytes,
                       peakResidentBytes.map { String(format: "%.0f", $0 / 1_048_576) }.joined(separator: ", "), hosts),
                transformerPrecision.map { "  transformer products: \($0.description)" },
                "  all-reduce: \(allReducePlan)"
                    + (allReducePlan.hasPrefix("overlapped")
                       ? String(format: "\n    %.1f ms waiting after backward + %.1f ms in MPI calls during it",
                                1000 * medians.allReduce, 1000 * medians.allReduceInBackward)
                       : "")
                    + (allReducePlan.hasPrefix("sharded")
                       ? String(format: "\n    %.1f ms reduce-scatter and norm sum + %.1f ms all-gather",
                                1000 * (medians.allReduce - medians.allGather), 1000 * medians.allGather)
                       : ""),
            ].compactMap { $0 }.joined(separator: "\n")
        }
    }

    public func run(communicator: Communicator) throws -> Report {
        var resolved = try ConfigLoader.load(file: request.configFile, overrides: request.overrides, dataDir: request.dataDir)
        if weak && communicator.worldSize > 1 {
            let global = resolved.config.training.batchSize * communicator.worldSize
            resolved = try ConfigLoader.load(file: request.configFile, overrides: request.overrides + ["training.batch_size=\(global)"],
                                             dataDir: request.dataDir)
        }
        let data = try TrainingData(resolved: resolved)
        let sampler = try TrainingSession.makeSampler(resolved.config, data: data, worldSize: communicator.worldSize)
        // only what the trainer decides at start reaches the log (exchange: auto's measurements and choice), on stderr
        let root = communicator.isRoot
        let progress = ProgressReporter(interactive: false, plainEvery: 1) { text in
            if root { try? FileHandle.standardError.write(contentsOf: Data(text.utf8)) }
        }
        let trainer = try Trainer(resolved: resolved, data: data, communicator: communicator, sampler: sampler,
                                  outputDirectory: FileManager.default.temporaryDirectory, progress: progress).decidingExchange()
        try communicator.broadcast(trainer.model.store.values.pointer, root: 0)
        var timings: [Trainer.StepTiming] = []
        var tokens = 0
        var elements: [Double] = []
        let perEpoch = sampler.stepsPerEpoch(epoch: 0)
        for i in 0..<(warmup + steps) {
            // the timed steps are traced (`--trace`), numbered from 1
            if i == warmup { try trainer.startTimeline(request.trace != nil) }
            trainer.timeline?.currentStep = i - warmup + 1
            try trainer.traced("barrier between bench steps") { try communicator.barrier() }
            let step = try trainer.trainStep(epoch: i / perEpoch, step: i % perEpoch)
            guard i >= warmup else { continue }
            timings.append(step.timing)
            elements.append(Double(step.allReduceElements))
            tokens += step.globalBatch.reduce(0) { $0 + data.encodedTrain[$1.corpus][$1.sentence].wordIDs.count }
        }
        var medians = Trainer.StepTiming(forward: median(timings.map(\.forward)), backward: median(timings.map(\.backward)),
                                         allReduce: median(timings.map(\.allReduce)), update: median(timings.map(\.update)),
                                         allReduceInBackward: median(timings.map(\.allReduceInBackward)))
        medians.allGather = median(timings.map(\.allGather))
        try trainer.writeTimeline(to: request.trace)
        let hosts = try communicator.hostCount()
        return Report(worldSize: communicator.worldSize, batchSize: resolved.config.training.batchSize,
                      parameters: trainer.model.store.count, medians: medians, stepSeconds: timings.map(\.total),
                      blasThreads: BLAS.threadCount, allReducePlan: trainer.allReducePlan, exchange: trainer.exchangeInForce,
                      tokensPerStep: Double(tokens) / Double(max(timings.count, 1)),
                      allReduceBytes: Int(median(elements)) * MemoryLayout<Float>.size,
                      gradientBytes: trainer.model.store.count * MemoryLayout<Float>.size,
                      bucketBytes: try GradientBuckets(parameters: trainer.model.store.parameters.map { $0.offset ..< $0.offset + $0.count },
                                                       bucketElements: GradientBuckets.elements(mebibytes: trainer.exchangeSettings.allReduceBucketMB))
                          .ranges.map { $0.count * MemoryLayout<Float>.size },
                      bucketReady: medianPerPosition(timings.map(\.bucketReady)),
                      peakResidentBytes: try communicator.gather(Double(ResourceUsage.peakResidentBytes)),
                      hosts: hosts, cores: ProcessInfo.processInfo.activeProcessorCount,
                      transformerPrecision: trainer.model.spec.encoder.transformer?.precision)
    }
}
