import Checkpointing
import Foundation

extension CheckpointRecord: CheckpointRecordChecking {
    /// The record's fields against their ranges and against the manifest (`CheckpointReader` calls
    /// this before checking the manifest's checksum, so an impossible value is named by its field):
    /// the step equal to the manifest's (which equals the folder's `step-N`), the sampler's epoch
    /// and step in the epoch within the steps run, the best step within them with a finite score,
    /// one log window per saving rank with counts ≥ 0 and finite sums, the optimizer's update
    /// count equal to the step (one update per step), the model's step the record's.
    public func check(step manifestStep: Int, optimizerStepCount: Int, worldSize: Int, file: String) throws {
        func bad(_ field: String, _ found: String, _ expected: String) -> CheckpointError {
            .invalidManifest(path: file, field: "training." + field, found: found, expected: expected)
        }
        guard step == manifestStep else { throw bad("step", "\(step)", "\(manifestStep), the manifest's step") }
        guard optimizerStepCount == step else {
            throw CheckpointError.invalidManifest(path: file, field: "optimizer.step_count", found: "\(optimizerStepCount)",
                                                  expected: "\(step), one update per step (training.step)")
        }
        guard model.step == step else { throw bad("model.step", "\(model.step)", "\(step), the checkpoint's step") }
        // every epoch takes at least one step, so neither the epoch nor the step in it passes the steps run
        guard sampler.epoch >= 0 && sampler.epoch <= step else {
            throw bad("sampler.epoch", "\(sampler.epoch)", "0...\(step) (at most one epoch per step run)")
        }
        guard sampler.step >= 0 && sampler.step <= step else {
            throw bad("sampler.step", "\(sampler.step)", "0...\(step) (the steps run)")
        }
        guard sampler.seed == random.seed else { throw bad("sampler.seed", "\(sampler.seed)", "\(random.seed) (random.seed)") }
        switch (bestScore, bestStep) {
        case (nil, nil): break
        case let (score?, at?):
            guard score.isFinite else { throw bad("best_score", "\(score)", "a finite dev score") }
            guard at >= 0 && at <= step else { throw bad("best_step", "\(at)", "0...\(step) (a step already run)") }
        default:
            throw bad(bestScore == nil ? "best_score" : "best_step", "missing", "both best_score and best_step, or neither")
        }
        guard logWindow.lossSums.count == worldSize && logWindow.sentences.count == worldSize else {
            throw bad("log_window", "\(logWindow.lossSums.count) loss windows and \(logWindow.sentences.count) counts",
                      "\(worldSize) of each (one per rank of world_size)")
        }
        for (r, count) in logWindow.sentences.enumerated() where count < 0 {
            throw bad("log_window.sentences[\(r)]", "\(count)", "a count ≥ 0")
        }
        for (r, sums) in logWindow.lossSums.enumerated() {
            guard sums.count % 2 == 0 && sums.count <= 2 * LayoutLimits.maxTensors else {
                throw bad("log_window.lossSums[\(r)]", "\(sums.count) values", "a summed loss and a row count per task")
            }
            for (i, v) in sums.enumerated() where !(v.isFinite && v >= 0) {
                throw bad("log_window.lossSums[\(r)][\(i)]", "\(v)", "a finite sum ≥ 0")
            }
        }
        if let plateau = schedule.plateau {
            guard plateau.learningRate.isFinite && plateau.learningRate >= 0 else {
                throw bad("schedule.plateau.learningRate", "\(plateau.learningRate)", "a finite rate ≥ 0")
            }
            guard plateau.badEpochs >= 0 && plateau.evaluations >= 0 && plateau.effectivePatience >= 0 else {
                throw bad("schedule.plateau", "badEpochs \(plateau.badEpochs), evaluations \(plateau.evaluations), effectivePatience \(plateau.effectivePatience)",
                          "counts ≥ 0")
            }
        }
    }
}
