import ArgumentParser
import Autodiff
import Foundation
import TextIO

@main
struct MTLDist: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mtl-dist",
        abstract: "Distributed data-parallel trainer for multi-task sequence labelling.",
        subcommands: [Train.self, Evaluate.self, Predict.self, Encode.self, CheckpointCommand.self, Export.self, Plan.self, Bench.self,
                      Report.self, ConfigCommand.self, Tokenize.self, CollectiveCheck.self])

    /// Parses and runs the command, then writes out what it left buffered. A failure in parsing or
    /// `validate()` prints ArgumentParser's message with the usage line; a failure in `run()` prints
    /// `Error: <message>` alone (the flags parsed, so the usage would not help). A reader that closed
    /// our standard output (`predict | head -1`) ends the command quietly with
    /// `TextWriter.brokenPipeExitStatus` (141, as a shell reports for any tool killed by SIGPIPE).
    static func main() {
        StandardStreams.claim()
        selectBLASCore()
        TextWriter.ignoreBrokenPipeSignal()
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            try command.run()
            try TextWriter.standardOutput.flush()
        } catch {
            end(after: error)
        }
    }

    /// Runs OpenBLAS's AVX kernels where it fell back to its SSE3 ones on a CPU it does not know
    /// (see `BLAS.betterCore`), unless `OPENBLAS_CORETYPE` names the kernels to run.
    static func selectBLASCore() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, let core = BLAS.betterCore else { return }
        BLAS.selectCore(core)
    }

    /// Ends the process after `error` from a command's `run()`.
    static func end(after error: Error) -> Never {
        if let output = error as? OutputError, output.isBrokenPipe { Foundation.exit(TextWriter.brokenPipeExitStatus) }
        if !(error is OutputError) { try? TextWriter.standardOutput.flush() }
        if error is ExitCode || error is CleanExit { exit(withError: error) }
        try? TextWriter.standardError.writeLine(runMessage(for: error))
        Foundation.exit(exitCode(for: error).rawValue)
    }

    /// `Error: <message>`, without the usage line ArgumentParser adds to a `ValidationError`.
    static func runMessage(for error: Error) -> String {
        if let validation = error as? ValidationError { return "Error: " + validation.message }
        return fullMessage(for: error)
    }
}
