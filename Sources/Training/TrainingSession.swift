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
        public init(configFile: URL?, overrides: [String], dataDir: URL?, output: URL) {
            self.configFile = configFile
            self.overrides = overrides
            self.dataDir = dataDir
            self.output = output
        }
    }

    /// Runs training. `write` receives rank 0's log text (other ranks print nothing).
    public static func run(_ request: Request, communicator: Communicator, interactive: Bool,
                           write: @escaping (String) -> Void) throws -> Trainer.Summary {
        let rank0 = communicator.isRoot
        var prepared: (ResolvedConfig, TrainingData, TaskAwareSampler)? = nil
        var localError: String? = nil
        do {
            let resolved = try ConfigLoader.load(file: request.configFile, overrides: request.overrides,
                                                 dataDir: request.dataDir)
            if rank0 { try RunDirectory.check(request.output) }
            let data = try TrainingData(resolved: resolved)
            prepared = (resolved, data, try makeSampler(resolved.config, data: data, worldSize: communicator.worldSize))
        } catch {
            localError = "\(error)"
        }
        if let failure = try communicator.agreeOnFailure(localError) {
            throw TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize, message: failure.message)
        }
        let (resolved, data, sampler) = prepared!
        let progress = ProgressReporter(interactive: interactive && rank0, plainEvery: resolved.config.training.logEvery) { text in
            if rank0 { write(text) }
        }
        if rank0 {
            try RunDirectory.create(request.output)
            try resolved.write(toDirectory: request.output)
        }
        try communicator.barrier()
        progress.line("config: \(request.configFile?.path ?? "built-in default (embedded EWT UPOS + NER corpus)") -> \(request.output.path)")
        for note in data.notes { progress.line("note: " + note) }
        let counts = zip(resolved.config.tasks.names, data.sentencesPerTask).map { "\($0) \($1)" }
        progress.line("training sentences per task: " + counts.joined(separator: ", "))
        for message in sampler.shareMessages(taskNames: resolved.config.tasks.names) { progress.line("sampler: " + message) }
        for message in sampler.oversamplingMessages(taskNames: resolved.config.tasks.names) { progress.line("sampler: " + message) }
        let trainer = try Trainer(resolved: resolved, data: data, communicator: communicator, sampler: sampler,
                                  outputDirectory: request.output, progress: progress)
        // replicas start equal: rank 0's initial parameters everywhere
        try communicator.broadcast(trainer.model.store.values.pointer, root: 0)
        return try trainer.run()
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
