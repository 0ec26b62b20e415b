import ArgumentParser
import Collective
import Foundation
import RunConfig
import Training

/// `mtl-dist train`: trains the tasks of a config (the embedded default corpus without one), as one
/// process or as one replica per MPI rank under `mpirun`.
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

    @Option(help: "Output folder for resolved-config.yaml, metrics.jsonl, best/ and checkpoints/ (default: runs/train-<time>).")
    var output: String?

    @Option(help: ArgumentHelp("Continue from a checkpoint: auto (the newest under the run's checkpoint directory, or a fresh start when there is none; continues in --output), or a checkpoint folder or directory (continues into a new --output).", valueName: "DIR|auto"))
    var resume: String?

    func validate() throws {
        if resume != nil && output == nil {
            throw ValidationError("--resume needs --output: the run folder to continue in (auto) or a new folder to continue into (DIR)")
        }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let communicator = try makeCommunicator(environment: environment)
        defer { try? communicator.finalize() }
        var request = TrainingSession.Request(
            configFile: config.map { URL(fileURLWithPath: $0) }, overrides: overrides,
            dataDir: try dataDir.map { URL(fileURLWithPath: $0) } ?? (config == nil ? DefaultCorpus.directory() : nil),
            output: URL(fileURLWithPath: output ?? Train.defaultOutput()), resume: resume)
        let signals = StopSignals()
        request.stopSignal = { signals.signal }
        request.checkpointPhaseHook = try TestKillPoint(environment: environment, rank: communicator.rank)?.hook ?? { _, _ in }
        // under mpirun rank 0's output is forwarded (often into a job log): plain lines there
        let interactive = isatty(STDOUT_FILENO) == 1 && environment["CI"] == nil
            && !MPICommunicator.isLaunchedByMPI(environment: environment)
        do {
            let summary = try TrainingSession.run(request, communicator: communicator, interactive: interactive) { text in
                FileHandle.standardOutput.write(Data(text.utf8))
            }
            if let signal = summary.stoppedBy {
                // every rank exits with the same status, after the checkpoint is complete
                if communicator.isRoot {
                    print("stopped by \(StopSignals.name(signal)) after step \(summary.steps); checkpoint: \(summary.checkpoint?.path ?? "none")")
                    print("resume with: mtl-dist train --resume auto --output \(request.output.path) (same config and --set)")
                }
                try? communicator.finalize()
                throw ExitCode(StopSignals.exitStatus)
            }
            guard communicator.isRoot else { return }
            var end = String(format: "done: %d steps, %d epochs in %@", summary.steps, summary.epochs,
                             ProgressReporter.clock(summary.seconds))
            if let best = summary.bestDevScore, let at = summary.bestStep {
                end += String(format: "; best dev main score %.2f at step %d", 100 * best, at)
            }
            print(end)
            print("model: \(request.output.appendingPathComponent("best").path)")
        } catch let error as TrainingError {
            // every rank knows the error; one prints it
            if case .failedOnRank = error { throw communicator.exitTogether(after: error) }
            guard communicator.isRoot else { throw ExitCode.failure }
            throw error
        }
    }

    /// `runs/train-<UTC time>`. Under mpirun only rank 0 writes to the output folder.
    static func defaultOutput() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        f.timeZone = TimeZone(identifier: "UTC")
        return "runs/train-" + f.string(from: Date())
    }
}
