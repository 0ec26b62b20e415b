import ArgumentParser
import Collective
import Foundation
import Training

/// `mtl-dist train`: trains the tasks of a config (the embedded default corpus without one).
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a multi-task tagger (the embedded default corpus when no --config is given).")

    @Option(help: "YAML run config (see configs/). Without it: the embedded English UPOS + NER corpus.")
    var config: String?

    @Option(name: .customLong("data-dir"), help: "Folder that relative corpus paths resolve against (overrides data_dir).")
    var dataDir: String?

    @Option(name: .customLong("set"), parsing: .singleValue,
            help: ArgumentHelp("Override a config key, e.g. --set training.max_steps=30 (repeatable).", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Output folder for resolved-config.yaml, metrics.jsonl and best/ (default: runs/train-<time>).")
    var output: String?

    func run() throws {
        let communicator = SingleProcessCommunicator()
        let resolved = try ConfigLoader.load(file: config.map { URL(fileURLWithPath: $0) }, overrides: overrides,
                                             dataDir: try dataDir.map { URL(fileURLWithPath: $0) }
                                                 ?? (config == nil ? DefaultCorpus.directory() : nil))
        let outputURL = URL(fileURLWithPath: output ?? Train.defaultOutput())
        try RunDirectory.prepare(outputURL)
        try resolved.write(toDirectory: outputURL)

        let progress = ProgressReporter(interactive: isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["CI"] == nil,
                                        plainEvery: resolved.config.training.logEvery) { text in
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        progress.line("config: \(config ?? "built-in default (embedded EWT UPOS + NER corpus)") -> \(outputURL.path)")
        let data = try TrainingData(resolved: resolved)
        for note in data.notes { progress.line("note: " + note) }
        let counts = zip(resolved.config.tasks.names, data.sentencesPerTask).map { "\($0) \($1)" }
        progress.line("training sentences per task: " + counts.joined(separator: ", "))
        let sampler = ShuffledSampler(assignments: data.routing.assignments, batchSize: resolved.config.training.batchSize,
                                      seed: UInt64(truncatingIfNeeded: resolved.config.training.seed))
        let trainer = try Trainer(resolved: resolved, data: data, communicator: communicator, sampler: sampler,
                                  outputDirectory: outputURL, progress: progress)
        let summary = try trainer.run()
        var end = String(format: "done: %d steps, %d epochs in %@", summary.steps, summary.epochs,
                         ProgressReporter.clock(summary.seconds))
        if let best = summary.bestDevScore, let at = summary.bestStep {
            end += String(format: "; best dev main score %.2f at step %d", 100 * best, at)
        }
        progress.line(end)
        progress.line("model: \(outputURL.appendingPathComponent("best").path)")
    }

    static func defaultOutput() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        return "runs/train-" + f.string(from: Date())
    }
}

/// The output folder of a run: created when missing, refused when it already holds a run, so an
/// earlier run's model and metrics are never overwritten.
enum RunDirectory {
    static func prepare(_ url: URL) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw ValidationError("--output \(url.path) is a file; name a folder")
            }
            let contents = (try? fm.contentsOfDirectory(atPath: url.path)) ?? []
            if !contents.isEmpty {
                throw ValidationError("--output \(url.path) already holds files (\(contents.sorted().prefix(3).joined(separator: ", "))); choose a new folder so the earlier run is kept")
            }
        }
        do {
            try fm.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw ValidationError("cannot create --output \(url.path): \(error.localizedDescription)")
        }
    }
}
