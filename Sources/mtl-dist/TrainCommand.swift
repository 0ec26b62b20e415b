import ArgumentParser
import Collective
import Foundation
import RunConfig
import TextIO
import Training

/// `mtl-dist train`: trains the tasks of a config (the embedded default corpus without one), as one
/// process or as one replica per MPI rank under `mpirun`.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a multi-task tagger (the embedded default corpus when no --config is given).")

    @OptionGroup var runConfig: ConfigOptions

    @Option(help: "Output folder for resolved-config.yaml, metrics.jsonl, best/ and checkpoints/ (default: runs/train-<time>).")
    var output: String?

    @Option(help: ArgumentHelp("Continue from a checkpoint: auto (the newest under the run's checkpoint directory, or a fresh start when there is none; continues in --output), or a checkpoint folder or directory (continues into a new --output).", valueName: "DIR|auto"))
    var resume: String?

    @OptionGroup var trace: TraceOption

    func validate() throws {
        if resume != nil && output == nil {
            throw ValidationError("--resume needs --output: the run folder to continue in (auto) or a new folder to continue into (DIR)")
        }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        let communicator = try makeCommunicator(environment: environment)
        defer { try? communicator.finalize() }
        var request = try runConfig.request(output: URL(fileURLWithPath: output ?? Train.defaultOutput()), resume: resume)
        let signals = StopSignals()
        request.stopSignal = { signals.signal }
        request.trace = trace.url
        request.checkpointPhaseHook = try TestKillPoint(environment: environment, rank: communicator.rank)?.hook ?? { _, _ in }
        // under mpirun rank 0's output is forwarded (often into a job log): plain lines there
        let interactive = isatty(STDOUT_FILENO) == 1 && environment["CI"] == nil
            && !MPICommunicator.isLaunchedByMPI(environment: environment)
        // A failed write of progress does not stop the run (metrics.jsonl and best/ hold everything it
        // prints): the first failure is kept, nothing more is written, and the command exits with it.
        let out = TextWriter.standardOutput
        var outputError: Error? = nil
        do {
            let summary = try TrainingSession.run(request, communicator: communicator, interactive: interactive) { text in
                guard outputError == nil else { return }
                do {
                    try out.write(text)
                    try out.flush()
                } catch {
                    outputError = error
                }
            }
            if let outputError { throw outputError }
            if let signal = summary.stoppedBy {
                // every rank exits with the same status, after the checkpoint is complete
                if communicator.isRoot {
                    try out.writeLine("stopped by \(StopSignals.name(signal)) after step \(summary.steps); checkpoint: \(summary.checkpoint?.path ?? "none")")
                    try out.writeLine("resume with: " + TrainingSession.resumeCommand(output: request.output))
                    try out.flush()
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
            try out.writeLine(end)
            try out.writeLine("model: \(request.output.appendingPathComponent("best").path)")
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
