import Autodiff
import Collective
import Foundation
import Training

/// `mtl-dist bench --config FILE`: training steps of a config's model on its data, one replica per
/// rank under mpirun, with the time of each step split into forward, backward, gradient all-reduce
/// and update. The all-reduce share includes waiting for the slowest rank. When the sums overlap
/// backward, what counts as all-reduce is what backward does not hide: the wait for the sums still
/// running when backward ends, plus the time inside MPI calls made during backward.
struct TrainingBenchmark {
    let request: TrainingSession.Request
    let steps: Int
    let warmup: Int

    struct Report {
        var worldSize: Int
        var batchSize: Int
        var parameters: Int
        var medians: Trainer.StepTiming
        var stepSeconds: [Double]
        var blasThreads: Int
        var allReducePlan: String

        var medianStep: Double { median(stepSeconds) }
        var sentencesPerSecond: Double { Double(batchSize) / medianStep }
        /// Exposed all-reduce time (after backward, and inside MPI calls during it) over the step.
        var allReduceShare: Double { (medians.allReduce + medians.allReduceInBackward) / max(medians.total, 1e-12) }

        var dictionary: [String: Any] {
            ["world_size": worldSize, "batch_size": batchSize, "parameters": parameters, "steps": stepSeconds.count,
             "median_step_ms": 1000 * medianStep, "sentences_per_s": sentencesPerSecond,
             "median_forward_ms": 1000 * medians.forward, "median_backward_ms": 1000 * medians.backward,
             "median_allreduce_ms": 1000 * medians.allReduce,
             "median_allreduce_in_backward_ms": 1000 * medians.allReduceInBackward,
             "median_update_ms": 1000 * medians.update, "allreduce_share": allReduceShare,
             "allreduce_plan": allReducePlan, "blas_threads_per_rank": blasThreads]
        }

        var table: String {
            [
                "training step, \(worldSize) rank(s) x \(blasThreads) BLAS thread(s), global batch \(batchSize), \(parameters) parameters",
                String(format: "  median step %.1f ms over %d steps -> %.0f sentences/s", 1000 * medianStep, stepSeconds.count, sentencesPerSecond),
                String(format: "  forward %.1f ms, backward %.1f ms, all-reduce %.1f ms (%.1f%% of the step), update %.1f ms",
                       1000 * medians.forward, 1000 * medians.backward,
                       1000 * (medians.allReduce + medians.allReduceInBackward), 100 * allReduceShare,
                       1000 * medians.update),
                "  all-reduce: \(allReducePlan)"
                    + (allReducePlan.hasPrefix("overlapped")
                       ? String(format: "\n    %.1f ms waiting after backward + %.1f ms in MPI calls during it",
                                1000 * medians.allReduce, 1000 * medians.allReduceInBackward)
                       : ""),
            ].joined(separator: "\n")
        }
    }

    func run(communicator: Communicator) throws -> Report {
        let resolved = try ConfigLoader.load(file: request.configFile, overrides: request.overrides, dataDir: request.dataDir)
        let data = try TrainingData(resolved: resolved)
        let sampler = try TrainingSession.makeSampler(resolved.config, data: data, worldSize: communicator.worldSize)
        let progress = ProgressReporter(interactive: false, plainEvery: 1) { _ in }
        let trainer = try Trainer(resolved: resolved, data: data, communicator: communicator, sampler: sampler,
                                  outputDirectory: FileManager.default.temporaryDirectory, progress: progress)
        try communicator.broadcast(trainer.model.store.values.pointer, root: 0)
        var timings: [Trainer.StepTiming] = []
        let perEpoch = sampler.stepsPerEpoch(epoch: 0)
        for i in 0..<(warmup + steps) {
            try communicator.barrier()
            let step = try trainer.trainStep(epoch: i / perEpoch, step: i % perEpoch)
            if i >= warmup { timings.append(step.timing) }
        }
        let medians = Trainer.StepTiming(forward: median(timings.map(\.forward)), backward: median(timings.map(\.backward)),
                                         allReduce: median(timings.map(\.allReduce)), update: median(timings.map(\.update)),
                                         allReduceInBackward: median(timings.map(\.allReduceInBackward)))
        return Report(worldSize: communicator.worldSize, batchSize: resolved.config.training.batchSize,
                      parameters: trainer.model.store.count, medians: medians, stepSeconds: timings.map(\.total),
                      blasThreads: BLAS.threadCount, allReducePlan: trainer.allReducePlan)
    }
}
