import ArgumentParser
import Benchmarks
import Collective
import Foundation

extension Bench {
    /// `mtl-dist bench step`: training steps of a config (under mpirun, on every rank) with their
    /// time split into forward, backward, all-reduce and update. Formerly `bench --config FILE`.
    struct Step: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time training steps of a config (works under mpirun), split into forward, backward, all-reduce and update.")

        @OptionGroup var runConfig: ConfigOptions
        @Flag(help: "Weak scaling: the global batch is batch_size × ranks (each rank keeps batch_size).")
        var weak = false
        @OptionGroup var timing: TimingOptions
        @OptionGroup var trace: TraceOption
        @OptionGroup var output: JSONOption

        func run() throws {
            let communicator = try makeCommunicator(environment: ProcessInfo.processInfo.environment)
            defer { try? communicator.finalize() }
            var request = try runConfig.request(output: FileManager.default.temporaryDirectory)
            request.trace = trace.url
            let report = try TrainingBenchmark(request: request, steps: timing.steps, warmup: timing.warmup, weak: weak)
                .run(communicator: communicator)
            guard communicator.isRoot else { return }
            try output.emit(report.dictionary, text: report.table)
        }
    }
}
