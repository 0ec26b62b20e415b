import Checkpointing
import Collective
import Foundation
import ModelFiles
import Optimizers
import RunConfig

extension Trainer {
    /// Saves the checkpoint of `state` (the position of the next step; collective), with this
    /// rank's loss `window` since the last log line. Each rank's window goes into its slot of a
    /// sum, so the manifest holds every rank's partial sums. Returns the folder and the bytes of
    /// the state saved.
    func saveCheckpoint(_ state: RunState, window: (loss: [Double], sentences: Int)) throws -> (url: URL, bytes: Int) {
        try refuseNonFiniteParameters(step: state.step)
        let world = communicator.worldSize, rank = communicator.rank, width = window.loss.count + 1
        var windows = [Double](repeating: 0, count: world * width)
        for (i, v) in window.loss.enumerated() { windows[rank * width + i] = v }
        windows[rank * width + width - 1] = Double(window.sentences)
        try windows.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
        let c = resolved.config.checkpoint
        var writer = CheckpointWriter(directory: resolved.checkpointDirectory(output: outputDirectory), keep: c.keep)
        writer.onPhase = checkpointPhaseHook
        writer.owner = runID.map { CheckpointOwner(runID: $0, outputDirectory: outputDirectory.path) }
        let t = resolved.config.training
        let optimizerState = combinedOptimizerState
        // the whole state's bytes (each rank wrote its slice of them)
        let bytes = 4 * model.store.count * (1 + (optimizerState.stepCount > 0 ? optimizerState.buffers.count : 0))
        let url = try TrainingCheckpoint.save(writer: writer, step: state.step, store: model.store, optimizer: optimizerState,
                                              stateRange: updateRange, communicator: communicator) {
            CheckpointRecord(
                model: try modelMetadata(step: state.step, epoch: state.epoch + 1, score: state.best?.score),
                step: state.step,
                sampler: .init(seed: t.seed, epoch: state.epoch, step: state.stepInEpoch),
                random: .init(seed: t.seed, derivation: "initialisation: SplitMix64(seed); dropout and unknown-word masks: rowKey(seed, epoch, step, corpus, sentence)"),
                schedule: schedule.state, bestScore: state.best?.score, bestStep: state.best?.step,
                logWindow: .init(lossSums: (0..<world).map { Array(windows[($0 * width)..<($0 * width + width - 1)]) },
                                 sentences: (0..<world).map { Int(windows[$0 * width + width - 1]) }),
                outputDirectory: outputDirectory.path, runID: runID,
                bestChecksum: state.best.flatMap { best in RunIdentity.bestStamp(outputDirectory).flatMap { $0.step == best.step ? $0.checksum : nil } })
        }
        return (url, bytes)
    }

    /// The optimizer state over `updateRange`: with a transformer optimizer of its own, its buffers
    /// (over the part in the transformer's range, the first parameters), then zeros over the part in
    /// a frozen word table (the state of parameters that never moved), then the main optimizer's,
    /// which is what one optimizer over the range would hold (both take every step, with the same
    /// settings). Before the first step every buffer is empty, as one optimizer's would be.
    var combinedOptimizerState: OptimizerState {
        let rest = optimizer.state
        guard transformerOptimizer != nil || !frozenPart.isEmpty else { return rest }
        let first = transformerOptimizer?.state.buffers
        guard rest.stepCount > 0 else { return rest }
        return OptimizerState(kind: rest.kind, stepCount: rest.stepCount, buffers: rest.buffers.enumerated().map { i, buffer in
            StateBuffer(name: buffer.name, values: (first?[i].values ?? []) + [Float](repeating: 0, count: frozenPart.count) + buffer.values)
        })
    }

    /// Continues from a checkpoint: parameters, optimizer state (for `updateRange`, from the shards
    /// overlapping it), schedule state and the loop's position; from a checkpoint of either update
    /// mode and any world size. On the saving world size each rank takes back its own log window; on another,
    /// rank 0 takes their sum (the sum at the next log line is the same up to float order).
    public func restore(from reader: CheckpointReader<CheckpointRecord>) throws {
        try TrainingCheckpoint.restore(reader, store: model.store, optimizer: &optimizer, stateRange: updateRange)
        if transformerOptimizer != nil || !frozenPart.isEmpty {
            // the saved state covers `updateRange`: the part in the transformer's range goes back to its
            // own optimizer, the part in a frozen word table to none
            let full = optimizer.state
            func part(_ r: Range<Int>) -> OptimizerState {
                let within = (r.lowerBound - updateRange.lowerBound)..<(r.upperBound - updateRange.lowerBound)
                return OptimizerState(kind: full.kind, stepCount: full.stepCount,
                                      buffers: full.buffers.map { StateBuffer(name: $0.name, values: $0.values.isEmpty ? [] : Array($0.values[within])) })
            }
            let rest = updateParts.rest
            optimizer = try Trainer.makeOptimizer(resolved.config.training)
            if let transformerPart = updateParts.transformer, transformerOptimizer != nil {
                try transformerOptimizer!.restore(part(transformerPart), count: transformerPart.count)
            }
            try optimizer.restore(part(rest), count: rest.count)
        }
        let r = reader.manifest.training
        do { try schedule.restore(r.schedule) } catch {
            throw ResumeError.stateDoesNotFit(checkpoint: reader.directory.path, reason: "schedule state: \(error)")
        }
        let k = 2 * resolved.config.tasks.count
        guard r.logWindow.lossSums.count == reader.manifest.worldSize, r.logWindow.sentences.count == reader.manifest.worldSize,
              r.logWindow.lossSums.allSatisfy({ $0.count == k }) else {
            throw ResumeError.stateDoesNotFit(checkpoint: reader.directory.path, reason: "log_window: expected \(reader.manifest.worldSize) windows of \(k) sums")
        }
        var state = RunState()
        state.step = r.step
        state.epoch = r.sampler.epoch
        state.stepInEpoch = r.sampler.step
        if let s = r.bestScore, let at = r.bestStep { state.best = RunState.Best(score: s, step: at) }
        var window = (loss: [Double](repeating: 0, count: k), sentences: 0)
        if reader.manifest.worldSize == communicator.worldSize {
            window = (r.logWindow.lossSums[communicator.rank], r.logWindow.sentences[communicator.rank])
        } else if communicator.isRoot {
            for w in r.logWindow.lossSums { for i in 0..<k { window.loss[i] += w[i] } }
            window.sentences = r.logWindow.sentences.reduce(0, +)
        }
        guard state.step >= 0, state.epoch >= 0, state.stepInEpoch >= 0,
              state.stepInEpoch <= sampler.stepsPerEpoch(epoch: state.epoch) else {
            throw ResumeError.stateDoesNotFit(checkpoint: reader.directory.path, reason: "sampler position epoch \(state.epoch), step \(state.stepInEpoch) is outside this run's schedule (\(sampler.stepsPerEpoch(epoch: state.epoch)) steps per epoch)")
        }
        start = state
        startWindow = window
    }

    /// True when every rank should stop now: some rank has received a stop signal (one max over
    /// the ranks, so all agree at the same step boundary). The signal number, or nil.
    func agreedStopSignal() throws -> Int32? {
        guard let stopSignal else { return nil }
        var flag = [Double(stopSignal() ?? 0)]
        if communicator.worldSize > 1 { try flag.withUnsafeMutableBufferPointer { try communicator.allReduceMax($0) } }
        return flag[0] > 0 ? Int32(flag[0]) : nil
    }
}
