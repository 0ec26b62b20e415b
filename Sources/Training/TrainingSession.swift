import Checkpointing
import Collective
import Foundation
import ModelFiles
import RunConfig
import TaskSampling

/// Starts a training run on one or many ranks: every rank loads and checks the config, the data
/// and the sampler before the first collective, the ranks agree on the outcome (so a problem on one
/// rank stops all of them with that rank's message instead of leaving the others waiting), rank 0
/// prepares the output folder, the replicas start from rank 0's parameters, and training runs.
public enum TrainingSession {
    /// What `mtl-dist train` asks for.
    public struct Request {
        public var configFile: URL?
        public var overrides: [String]
        public var dataDir: URL?
        public var output: URL
        /// `--resume`: `auto` (the newest checkpoint of this run's checkpoint directory, or a fresh
        /// start; continues in `output`), or a checkpoint folder or directory (continues into `output`,
        /// which must be new). Nil: a fresh run.
        public var resume: String?
        /// Polled at each step boundary; a signal number stops every rank after a checkpoint.
        public var stopSignal: (() -> Int32?)?
        /// Called at each phase of every checkpoint save (tests end the process there).
        public var checkpointPhaseHook: (CheckpointWriter.Phase, Int) -> Void = { _, _ in }
        /// `--trace FILE`: rank 0 writes every rank's timeline there as Chrome trace-event JSON at
        /// the end of the run (or when a signal stops it); rank 0's request decides for all ranks.
        public var trace: URL? = nil
        public init(configFile: URL?, overrides: [String], dataDir: URL?, output: URL, resume: String? = nil) {
            self.configFile = configFile
            self.overrides = overrides
            self.dataDir = dataDir
            self.output = output
            self.resume = resume
        }
    }

    /// Runs training. `write` receives rank 0's log text (other ranks print nothing).
    ///
    /// Everything that can fail before training is checked, and agreed on by the ranks, before
    /// rank 0 creates anything in the output folder: loading, the model, and the fingerprint
    /// comparison (`RunFingerprint.agree(over:)`). A start that fails after that (writing the folder,
    /// the broadcast, anything before training has produced a metric or a model) removes what it
    /// wrote, so the same `--output` can be used again.
    public static func run(_ request: Request, communicator: Communicator, interactive: Bool,
                           write: @escaping (String) -> Void) throws -> Trainer.Summary {
        let rank0 = communicator.isRoot
        var prepared: (Trainer, TaskAwareSampler, RunFingerprint, [String], ResumePlan)? = nil
        var localError: String? = nil
        // rank 0 holds the run folder for the whole run (a second training on it is refused), and
        // knows the run's identity (RunIdentity) before anything is written
        var lock: RunFolderLock? = nil, runID: String? = nil
        do {
            if rank0 { lock = try RunFolderLock(request.output) }
            let resolved = try request.loadConfig()
            var plan = try ResumePlan(request.resume, resolved: resolved, output: request.output)
            // --resume auto continues in its own folder; every other start needs a new or empty one
            let leftovers = rank0 && !plan.continuesInPlace ? try RunDirectory.check(request.output) : []
            let checkpoints = resolved.checkpointDirectory(output: request.output)
            // --resume auto with no checkpoint is a fresh start: never over a run's results
            if rank0 && plan.continuesInPlace && plan.reader == nil {
                try RunDirectory.checkFreshStartInPlace(request.output, checkpointDirectory: checkpoints)
            }
            if rank0 {
                runID = try RunIdentity.resolve(output: request.output, checkpointDirectory: checkpoints, reader: plan.reader,
                                                continuesInPlace: plan.continuesInPlace)
            }
            // a resume takes the word table, and the vocabulary of its rows, from the checkpoint
            let data = try TrainingData(resolved: resolved, wordVectors: plan.reader.map { .saved($0.manifest.training.model.encoder.words) } ?? .file)
            try plan.check(resolved: resolved, data: data)
            let sampler = try makeSampler(resolved.config, data: data, worldSize: communicator.worldSize)
            let progress = ProgressReporter(interactive: interactive && rank0, plainEvery: resolved.config.training.logEvery) { text in
                if rank0 { write(text) }
            }
            // the model is built on every rank before the ranks compare: its layout is compared too
            let trainer = try Trainer(resolved: resolved, data: data, communicator: communicator, sampler: sampler,
                                      outputDirectory: request.output, progress: progress)
            let fingerprint = try RunFingerprint(resolved: resolved, data: data, parameters: trainer.model.store.parameters)
            prepared = (trainer, sampler, fingerprint, leftovers, plan)
        } catch {
            localError = "\(error)"
        }
        if let failure = try communicator.agreeOnFailure(localError) {
            lock?.discard()
            throw TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize, message: failure.message)
        }
        let (built, sampler, fingerprint, leftovers, plan) = prepared!
        defer { withExtendedLifetime(lock) {} }
        // before the first collective whose size depends on the config: ranks that differ stop here
        do { try fingerprint.agree(over: communicator) } catch { lock?.discard(); throw error }
        let trainer: Trainer
        do { trainer = try built.decidingExchange() } catch { lock?.discard(); throw error }
        trainer.runID = runID

        let resolved = trainer.resolved, progress = trainer.progress
        var createdOutput = false
        var outputError: String? = nil, outputNotes: [String] = []
        if rank0 {
            do {
                let created = try RunDirectory.create(request.output, continuing: plan.continuesInPlace && plan.reader != nil)
                createdOutput = created || lock?.createdFolder == true
                if let runID { try RunIdentity.write(runID, to: request.output) }
                try resolved.write(toDirectory: request.output)
                outputNotes = try plan.prepareOutput(request.output)
            } catch {
                RunDirectory.discardStart(request.output, removingFolder: createdOutput)
                lock?.discard()
                outputError = "\(error)"
            }
        }
        if let failure = try communicator.agreeOnFailure(outputError) {
            throw TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize, message: failure.message)
        }
        do {
            progress.line("config: \(request.configSource) -> \(request.output.path)")
            if !leftovers.isEmpty {
                progress.line("note: --output held only \(leftovers.joined(separator: ", ")), left by a start that never trained; replaced")
            }
            for note in trainer.data.notes { progress.line("note: " + note) }
            let counts = zip(resolved.config.tasks.names, trainer.data.sentencesPerTask).map { "\($0) \($1)" }
            progress.line("training sentences per task: " + counts.joined(separator: ", "))
            for message in sampler.shareMessages(taskNames: resolved.config.tasks.names) { progress.line("sampler: " + message) }
            for message in sampler.oversamplingMessages(taskNames: resolved.config.tasks.names) { progress.line("sampler: " + message) }
            for line in plan.logLines + outputNotes { progress.line(line) }
            trainer.stopSignal = request.stopSignal
            trainer.checkpointPhaseHook = request.checkpointPhaseHook
            try startReplicas(trainer, from: plan.reader, communicator: communicator)
            try trainer.startTimeline(request.trace != nil)
            let summary = try trainer.run()
            if let events = try trainer.writeTimeline(to: request.trace), let trace = request.trace {
                progress.line("trace: \(trace.path) (\(events) events on rank 0; open it in https://ui.perfetto.dev)")
            }
            return summary
        } catch {
            // a run that never logged a step nor saved a model leaves nothing behind
            if rank0 && RunDirectory.holdsOnlyStartFiles(request.output) {
                RunDirectory.discardStart(request.output, removingFolder: createdOutput)
                lock?.discard()
            }
            throw error
        }
    }

    /// The task-aware sampler for a config and world size.
    public static func makeSampler(_ config: TrainConfig, data: TrainingData, worldSize: Int) throws -> TaskAwareSampler {
        let s = config.sampler
        let sampler = try TaskAwareSampler(assignments: data.routing.assignments, taskCount: config.tasks.count,
                                           batchSize: config.training.batchSize, worldSize: worldSize,
                                           seed: UInt64(truncatingIfNeeded: config.training.seed), strategy: s.strategy,
                                           temperature: s.temperature, minPerRank: s.minPerRank, maxWorldSize: s.maxWorldSize)
        // every micro-batch of a rank's slice holds at least one sentence
        let perRank = config.training.batchSize / worldSize, micro = config.training.accumulationSteps
        guard micro <= perRank else {
            throw SamplerError.invalidSetting(
                key: "training.accumulation_steps", value: "\(micro)",
                expected: "at most training.batch_size ÷ ranks = \(config.training.batchSize) ÷ \(worldSize) = \(perRank) "
                    + "(each micro-batch needs a sentence); lower it or raise training.batch_size")
        }
        return sampler
    }

    /// Makes every rank's replica equal before the first step: the checkpoint's parameters and
    /// optimizer state on every rank (its slice of the state with the sharded update, from any
    /// saving world size), or rank 0's initial parameters broadcast.
    static func startReplicas(_ trainer: Trainer, from reader: CheckpointReader<CheckpointRecord>?,
                              communicator: Communicator) throws {
        if let reader {
            // every rank reads every parameter and the optimizer state of the parameters it
            // updates (all, or its slice with the sharded update), from any saving world size
            var failure: String? = nil
            let progress = trainer.progress, started = progress.elapsed
            do { try trainer.restore(from: reader) } catch { failure = "\(error)" }
            let m = reader.manifest
            let floats = m.parameterCount + (m.optimizer.bufferLength > 0 ? m.optimizer.buffers.count * trainer.updateRange.count : 0)
            let seconds = progress.elapsed - started, mb = Double(4 * floats) / 1e6
            if let agreed = try communicator.agreeOnFailure(failure) {
                throw TrainingError.failedOnRank(rank: agreed.rank, worldSize: communicator.worldSize, message: agreed.message)
            }
            progress.line("restored \(reader.directory.lastPathComponent) (saved by \(reader.manifest.worldSize) rank\(reader.manifest.worldSize == 1 ? "" : "s")): "
                          + String(format: "%.1f MB of state restored on rank 0 in %.3f s (%.0f MB/s)", mb, seconds, mb / max(seconds, 1e-9)))
        } else {
            // replicas start equal: rank 0's initial parameters everywhere
            try communicator.broadcast(trainer.model.store.values.pointer, root: 0)
        }
    }
}
