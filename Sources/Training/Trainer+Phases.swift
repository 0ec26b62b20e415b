import Foundation
import ModelFiles

/// The phases of `Trainer.run`'s loop, in the order it runs them: announce, step, log if due,
/// evaluate if due, checkpoint if due (or when a stop signal arrived), finish.
extension Trainer {
    /// Why a log line or an evaluation happens at a step: its schedule, or only because the run ends there.
    enum Due {
        case scheduled, endOfRun

        /// `record`, marked `"end_of_run": true` when only the end of the run made it due.
        func marking(_ record: [String: Any]) -> [String: Any] {
            self == .scheduled ? record : record.merging(["end_of_run": true]) { $1 }
        }
    }

    /// The first log lines: what trains on how many ranks, the transformer's arithmetic when it was
    /// asked for in bf16 (counted over the ranks: each decides by its own CPU), and where a resumed
    /// run continues.
    func announce(total: Int, from state: RunState) throws {
        let config = resolved.config, world = communicator.worldSize
        progress.line("training \(config.tasks.names.joined(separator: " + ")) on \(world) rank\(world == 1 ? "" : "s"): " +
                      "\(model.store.count) parameters, \(total) steps, batch \(config.training.batchSize)" +
                      (world > 1 ? "; gradient all-reduce \(allReducePlan)" : ""))
        if let precision = model.spec.encoder.transformer?.precision, precision == .bf16 {
            let inBF16 = Int(try communicator.sum([precision.effective == .bf16 ? 1 : 0])[0].rounded())
            progress.line(inBF16 == world || inBF16 == 0
                ? "transformer products: \(precision.description)" + (world > 1 ? " on every rank" : "")
                : "transformer products: bf16 on \(inBF16) of \(world) ranks, fp32 on the others (no AVX512_BF16 there, "
                  + "or MTL_DIST_BF16 set off); the replicas stay equal, as every rank applies the same summed gradient")
        }
        if state.step > 0 {
            progress.line("resuming at step \(state.step) (epoch \(state.epoch + 1), step \(state.stepInEpoch) of it)")
        }
    }

    /// One optimisation step at the loop's position; its loss joins the log window and its
    /// sentences and tokens the throughput.
    func step(_ loop: inout LoopState) throws -> StepResult {
        let result = try trainStep(epoch: loop.state.epoch, step: loop.state.stepInEpoch)
        try refuseNonFiniteLoss(result, step: loop.state.step + 1)
        loop.state.step += 1
        loop.state.stepInEpoch += 1
        for (k, r) in result.perTaskLoss.enumerated() {
            loop.windowLoss[2 * k] += Double(r.sum)
            loop.windowLoss[2 * k + 1] += Double(r.rows)
        }
        loop.windowSentences += result.globalBatch.count
        loop.throughput.sentences += result.globalBatch.count
        loop.throughput.tokens += result.globalBatch.reduce(0) { $0 + data.encodedTrain[$1.corpus][$1.sentence].wordIDs.count }
        return result
    }

    /// A train line every `log_every` steps (`.scheduled`) and after the last one (`.endOfRun`,
    /// unless scheduled there anyway).
    func logDue(step: Int, total: Int) -> Due? {
        step % max(resolved.config.training.logEvery, 1) == 0 ? .scheduled : step == total ? .endOfRun : nil
    }

    /// The mean loss per task over the window, summed over the ranks, to the log and
    /// `metrics.jsonl`; after a scheduled line the window starts again. An end-of-run line is
    /// marked `"end_of_run": true` and leaves the window as it was, so that a checkpoint at the
    /// last step holds what a run resumed with a larger `max_steps` continues: the same lines as
    /// a straight run (the resumed run drops the marked lines, `MetricsLog.dropEndOfRunLines`).
    func logTraining(_ loop: inout LoopState, result: StepResult, due: Due, total: Int, log: MetricsLog?) throws {
        let summed = try communicator.sum(loop.windowLoss)
        let now = progress.elapsed
        let rate = Double(loop.windowSentences) / max(now - loop.windowStart, 1e-9)
        var losses: [(String, Double)] = []
        var lossJSON: [String: Any] = [:]
        for (k, name) in resolved.config.tasks.names.enumerated() where summed[2 * k + 1] > 0 {
            let mean = summed[2 * k] / summed[2 * k + 1]
            losses.append((name, mean))
            lossJSON[name] = mean
        }
        let step = loop.state.step, epoch = loop.state.epoch + 1
        try log?.append(due.marking(["type": "train", "step": step, "epoch": epoch, "loss": lossJSON,
                                     "sentences_per_s": rate, "learning_rate": Double(result.learningRate)]))
        progress.step(step, of: total, epoch: epoch, losses: losses, sentencesPerSecond: rate)
        guard due == .scheduled else { return }
        loop.windowLoss = loop.windowLoss.map { _ in 0 }
        loop.windowSentences = 0
        loop.windowStart = now
    }

    /// A dev evaluation every `eval_every` steps, else at the end of each epoch (`.scheduled`), and
    /// after the last step (`.endOfRun`, unless scheduled there anyway).
    func evaluationDue(_ state: RunState, stepsInEpoch: Int, total: Int) -> Due? {
        let due = resolved.config.training.evalEvery.map { state.step % $0 == 0 } ?? (state.stepInEpoch == stepsInEpoch)
        return due ? .scheduled : state.step == total ? .endOfRun : nil
    }

    /// Evaluates on the dev splits; a better main score saves `OUTPUT/best`; a scheduled
    /// evaluation's score feeds the plateau schedule, whose exhaustion stops the run (an end-of-run
    /// one's does not: the run stops anyway, and its checkpoint then holds the schedule a straight
    /// run with a larger `max_steps` would have).
    func evaluate(_ loop: inout LoopState, due: Due, log: MetricsLog?) throws {
        try refuseNonFiniteParameters(step: loop.state.step)
        let started = progress.elapsed
        loop.lastEvaluation = try evaluateDev()
        loop.throughput.evaluationSeconds += progress.elapsed - started
        guard !loop.lastEvaluation.isEmpty else { return }
        let step = loop.state.step, epoch = loop.state.epoch + 1
        let score = Evaluator.mainScore(loop.lastEvaluation, rule: resolved.config.training.mainScore)
        try report(loop.lastEvaluation, score: score, step: step, epoch: epoch, due: due, log: log)
        if loop.state.best.map({ score > $0.score }) ?? true {
            loop.state.best = RunState.Best(score: score, step: step)
            try saveModel(named: "best", step: step, epoch: epoch, score: score)
        }
        guard due == .scheduled else { return }
        if schedule.record(score) {
            progress.line(String(format: "learning rate reduced to %.6g", schedule.peak))
        }
        if schedule.isExhausted {
            progress.line("learning rate fell below min_learning_rate: stopping")
            loop.learningRateExhausted = true
        }
    }

    /// A checkpoint every `checkpoint.every` steps, and when a stop signal arrived.
    func isCheckpointDue(_ loop: LoopState) -> Bool {
        let every = resolved.config.checkpoint.every
        return (every > 0 && loop.state.step % every == 0) || loop.stoppedBy != nil
    }

    /// Saves a checkpoint at the position of the next step (the start of the next epoch after the
    /// last step of one), with the log window, and logs its size and speed.
    func checkpoint(_ loop: inout LoopState, stepsInEpoch: Int) throws {
        var next = loop.state
        if next.stepInEpoch == stepsInEpoch { next.startNextEpoch() }
        let started = progress.elapsed
        let saved = try saveCheckpoint(next, window: (loop.windowLoss, loop.windowSentences))
        loop.checkpoint = saved.url
        let seconds = progress.elapsed - started, mb = Double(saved.bytes) / 1e6
        progress.line("checkpoint \(saved.url.path): " + String(format: "%.1f MB in %.3f s (%.0f MB/s)", mb, seconds, mb / max(seconds, 1e-9))
                      + (loop.stoppedBy.map { " (\(Trainer.signalName($0)) received: stopping)" } ?? ""))
    }

    /// The end of the run: a stopped run returns at once; a finished one keeps its last model as
    /// `best` when no dev score chose one, and reports its throughput and every rank's peak memory.
    func finish(_ loop: LoopState, log: MetricsLog?) throws -> Summary {
        if loop.stoppedBy != nil { return loop.summary(seconds: progress.elapsed) }
        let state = loop.state
        if state.best == nil || !FileManager.default.fileExists(atPath: outputDirectory.appendingPathComponent("best").path) {
            // no dev split: the last model is the one to keep
            try refuseNonFiniteParameters(step: state.step)
            try saveModel(named: "best", step: state.step, epoch: state.epoch, score: nil)
        }
        try scoreBestModel(log: log)
        var throughput = loop.throughput
        throughput.seconds = progress.elapsed - loop.runStart
        throughput.peakResidentBytes = try communicator.gather(Double(ResourceUsage.peakResidentBytes))
        try log?.append(throughput.json)
        progress.line(throughput.line)
        var summary = loop.summary(seconds: progress.elapsed)
        summary.throughput = throughput
        return summary
    }
}
