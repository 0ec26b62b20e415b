import Checkpointing
import Collective
import Foundation

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
        public init(configFile: URL?, overrides: [String], dataDir: URL?, output: URL, resume: String? = nil) {
            self.configFile = configFile
            self.overrides = overrides
            self.dataDir = dataDir
            self.output = output
            self.resume = resume
        }
    }

    /// Runs training. `write` receives rank 0's log text (other ranks print nothing).
    public static func run(_ request: Request, communicator: Communicator, interactive: Bool,
                           write: @escaping (String) -> Void) throws -> Trainer.Summary {
        let rank0 = communicator.isRoot
        var prepared: (ResolvedConfig, TrainingData, TaskAwareSampler, ResumePlan)? = nil
        var localError: String? = nil
        do {
            let resolved = try ConfigLoader.load(file: request.configFile, overrides: request.overrides,
                                                 dataDir: request.dataDir)
            var plan = try ResumePlan(request.resume, resolved: resolved, output: request.output)
            if rank0 && !plan.continuesInPlace { try RunDirectory.check(request.output) }
            let data = try TrainingData(resolved: resolved)
            try plan.check(resolved: resolved, data: data)
            prepared = (resolved, data, try makeSampler(resolved.config, data: data, worldSize: communicator.worldSize), plan)
        } catch {
            localError = "\(error)"
        }
        if let failure = try communicator.agreeOnFailure(localError) {
            throw TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize, message: failure.message)
        }
        let (resolved, data, sampler, plan) = prepared!
        let progress = ProgressReporter(interactive: interactive && rank0, plainEvery: resolved.config.training.logEvery) { text in
            if rank0 { write(text) }
        }
        if rank0 {
            try RunDirectory.create(request.output)
            try resolved.write(toDirectory: request.output)
            try plan.prepareOutput(request.output)
        }
        try communicator.barrier()
        progress.line("config: \(request.configFile?.path ?? "built-in default (embedded EWT UPOS + NER corpus)") -> \(request.output.path)")
        for note in data.notes { progress.line("note: " + note) }
        let counts = zip(resolved.config.tasks.names, data.sentencesPerTask).map { "\($0) \($1)" }
        progress.line("training sentences per task: " + counts.joined(separator: ", "))
        for message in sampler.oversamplingMessages(taskNames: resolved.config.tasks.names) { progress.line("sampler: " + message) }
        for line in plan.logLines { progress.line(line) }
        let trainer = try Trainer(resolved: resolved, data: data, communicator: communicator, sampler: sampler,
                                  outputDirectory: request.output, progress: progress)
        trainer.stopSignal = request.stopSignal
        trainer.checkpointPhaseHook = request.checkpointPhaseHook
        if let reader = plan.reader {
            // every rank reads the whole state from the shards (any saving world size)
            var failure: String? = nil
            let started = progress.elapsed
            do { try trainer.restore(from: reader) } catch { failure = "\(error)" }
            let seconds = progress.elapsed - started, mb = Double(reader.manifest.stateBytes) / 1e6
            if let agreed = try communicator.agreeOnFailure(failure) {
                throw TrainingError.failedOnRank(rank: agreed.rank, worldSize: communicator.worldSize, message: agreed.message)
            }
            progress.line("restored \(reader.directory.lastPathComponent) (saved by \(reader.manifest.worldSize) rank\(reader.manifest.worldSize == 1 ? "" : "s")): "
                          + String(format: "%.1f MB read and checked in %.3f s (%.0f MB/s)", mb, seconds, mb / max(seconds, 1e-9)))
        } else {
            // replicas start equal: rank 0's initial parameters everywhere
            try communicator.broadcast(trainer.model.store.values.pointer, root: 0)
        }
        return try trainer.run()
    }

    /// The task-aware sampler for a config and world size.
    public static func makeSampler(_ config: TrainConfig, data: TrainingData, worldSize: Int) throws -> TaskAwareSampler {
        let s = config.sampler
        return try TaskAwareSampler(assignments: data.routing.assignments, taskCount: config.tasks.count,
                                    batchSize: config.training.batchSize, worldSize: worldSize,
                                    seed: UInt64(truncatingIfNeeded: config.training.seed), strategy: s.strategy,
                                    temperature: s.temperature, minPerRank: s.minPerRank, maxWorldSize: s.maxWorldSize)
    }
}

/// The output folder of a run: refused when it already holds files, so an earlier run's model and
/// metrics are never overwritten.
public enum RunDirectory {
    /// Throws when `url` is a file or a folder that is not empty.
    public static func check(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw TrainingError.cannotWrite(url.path, reason: "--output names a file; name a folder")
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        if !contents.isEmpty {
            throw TrainingError.cannotWrite(url.path, reason: "--output already holds files (\(contents.sorted().prefix(3).joined(separator: ", "))); choose a new folder so the earlier run is kept")
        }
    }

    /// Creates `url` (and its parents).
    public static func create(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.cannotWrite(url.path, reason: error.localizedDescription)
        }
    }
}
