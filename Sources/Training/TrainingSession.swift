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
    ///
    /// Everything that can fail before training is checked, and agreed on by the ranks, before
    /// rank 0 creates anything in the output folder: loading, the model, and the fingerprint
    /// comparison (`RunFingerprint.agree(over:)`). A start that fails after that (writing the folder,
    /// the broadcast, anything before training has produced a metric or a model) removes what it
    /// wrote, so the same `--output` can be used again.
    public static func run(_ request: Request, communicator: Communicator, interactive: Bool,
                           write: @escaping (String) -> Void) throws -> Trainer.Summary {
        let rank0 = communicator.isRoot
        var prepared: (Trainer, TaskAwareSampler, RunFingerprint, [String])? = nil
        var localError: String? = nil
        do {
            let resolved = try ConfigLoader.load(file: request.configFile, overrides: request.overrides,
                                                 dataDir: request.dataDir)
            let leftovers = rank0 ? try RunDirectory.check(request.output) : []
            let data = try TrainingData(resolved: resolved)
            let sampler = try makeSampler(resolved.config, data: data, worldSize: communicator.worldSize)
            let progress = ProgressReporter(interactive: interactive && rank0, plainEvery: resolved.config.training.logEvery) { text in
                if rank0 { write(text) }
            }
            // the model is built on every rank before the ranks compare: its layout is compared too
            let trainer = try Trainer(resolved: resolved, data: data, communicator: communicator, sampler: sampler,
                                      outputDirectory: request.output, progress: progress)
            let fingerprint = try RunFingerprint(resolved: resolved, data: data, parameters: trainer.model.store.parameters)
            prepared = (trainer, sampler, fingerprint, leftovers)
        } catch {
            localError = "\(error)"
        }
        if let failure = try communicator.agreeOnFailure(localError) {
            throw TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize, message: failure.message)
        }
        let (trainer, sampler, fingerprint, leftovers) = prepared!
        // before the first collective whose size depends on the config: ranks that differ stop here
        try fingerprint.agree(over: communicator)

        let resolved = trainer.resolved, progress = trainer.progress
        var createdOutput = false
        var outputError: String? = nil
        if rank0 {
            do {
                createdOutput = try RunDirectory.create(request.output)
                try resolved.write(toDirectory: request.output)
            } catch {
                RunDirectory.discardStart(request.output, removingFolder: createdOutput)
                outputError = "\(error)"
            }
        }
        if let failure = try communicator.agreeOnFailure(outputError) {
            throw TrainingError.failedOnRank(rank: failure.rank, worldSize: communicator.worldSize, message: failure.message)
        }
        do {
            progress.line("config: \(request.configFile?.path ?? "built-in default (embedded EWT UPOS + NER corpus)") -> \(request.output.path)")
            if !leftovers.isEmpty {
                progress.line("note: --output held only \(leftovers.joined(separator: ", ")), left by a start that never trained; replaced")
            }
            for note in trainer.data.notes { progress.line("note: " + note) }
            let counts = zip(resolved.config.tasks.names, trainer.data.sentencesPerTask).map { "\($0) \($1)" }
            progress.line("training sentences per task: " + counts.joined(separator: ", "))
            for message in sampler.shareMessages(taskNames: resolved.config.tasks.names) { progress.line("sampler: " + message) }
            for message in sampler.oversamplingMessages(taskNames: resolved.config.tasks.names) { progress.line("sampler: " + message) }
            // replicas start equal: rank 0's initial parameters everywhere
            try communicator.broadcast(trainer.model.store.values.pointer, root: 0)
            return try trainer.run()
        } catch {
            // a run that never logged a step nor saved a model leaves nothing behind
            if rank0 && RunDirectory.holdsOnlyStartFiles(request.output) {
                RunDirectory.discardStart(request.output, removingFolder: createdOutput)
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
}

/// The output folder of a run: refused when it already holds files, so an earlier run's model and
/// metrics are never overwritten, except for what a start writes before training has produced
/// anything (`resolved-config.yaml`, an empty `metrics.jsonl`): a start that failed or was killed
/// then must not block the same command line from being run again.
public enum RunDirectory {
    /// What a start writes into the output folder before the first logged step or saved model.
    static let startFiles = [ResolvedConfig.fileName, "metrics.jsonl"]

    /// Throws when `url` is a file or a folder that holds anything but the files of a start that
    /// never trained; returns those files ("metrics.jsonl (empty)"), which `create` replaces.
    @discardableResult
    public static func check(_ url: URL) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else {
            throw TrainingError.cannotWrite(url.path, reason: "--output names a file; name a folder")
        }
        let contents = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        if !contents.isEmpty && !holdsOnlyStartFiles(url) {
            throw TrainingError.cannotWrite(url.path, reason: "--output already holds files (\(contents.sorted().prefix(3).joined(separator: ", "))); choose a new folder so the earlier run is kept")
        }
        return startFiles.filter(contents.contains).map { $0 == "metrics.jsonl" ? "metrics.jsonl (empty)" : $0 }
    }

    /// Creates `url` (and its parents) and removes a failed start's files from it; returns whether
    /// the folder itself was created.
    public static func create(_ url: URL) throws -> Bool {
        let existed = FileManager.default.fileExists(atPath: url.path)
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw TrainingError.cannotWrite(url.path, reason: error.localizedDescription)
        }
        discardStart(url, removingFolder: false)
        return !existed
    }

    /// True when `url` is a folder holding nothing but a start's files, with `metrics.jsonl` empty:
    /// no step was logged, no model saved.
    public static func holdsOnlyStartFiles(_ url: URL) -> Bool {
        guard let contents = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { return false }
        return contents.allSatisfy { name in
            guard startFiles.contains(name) else { return false }
            guard name == "metrics.jsonl" else { return true }
            let size = (try? FileManager.default.attributesOfItem(atPath: url.appendingPathComponent(name).path))?[.size] as? Int
            return size == 0
        }
    }

    /// Removes a start's files from `url`, and the folder too when `removingFolder` and it is then empty.
    public static func discardStart(_ url: URL, removingFolder: Bool) {
        for name in startFiles { try? FileManager.default.removeItem(at: url.appendingPathComponent(name)) }
        if removingFolder, (try? FileManager.default.contentsOfDirectory(atPath: url.path))?.isEmpty == true {
            try? FileManager.default.removeItem(at: url)
        }
    }
}
