import ArgumentParser
import Benchmarks
import Collective
import Foundation

extension Bench {
    /// `mtl-dist bench collective`: `MPI_Allreduce` (float sum, in place) at 4 KiB to 16 MiB, and
    /// the reduce-scatter + all-gather pair and the non-blocking all-reduce from 256 KiB, for the
    /// scaling kit's cost model. Formerly `bench --collective`.
    struct Collective: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time MPI_Allreduce (float sum, in place) at 4 KiB to 16 MiB, reduce-scatter + all-gather and the non-blocking all-reduce from 256 KiB (under mpirun).")

        @Option(parsing: .unconditional, help: "Untimed calls per size first.") var warmup = 3
        @Option(name: .customLong("pause-ms"), parsing: .unconditional,
                help: "Milliseconds every rank waits before each call of 256 KiB and more, as a training step's exchange follows its compute (the scaling kit passes the np = 1 step). On TCP links it changes what is measured: back-to-back calls stall more often.")
        var pauseMs = 0
        @OptionGroup var output: JSONOption

        static let pauseLimit = BenchLimit(flag: "--pause-ms", range: 0...10_000, why: "a step of ten seconds; each size makes up to 200 calls")

        func validate() throws {
            try BenchLimit.check([TimingOptions.limits[1], Self.pauseLimit], values: [warmup, pauseMs])
        }

        func run() throws {
            let communicator = try makeCommunicator(environment: ProcessInfo.processInfo.environment)
            defer { try? communicator.finalize() }
            let report = try CollectiveBenchmark(sizes: CollectiveBenchmark.defaultSizes, warmup: warmup, pause: Double(pauseMs) / 1000).run(communicator: communicator)
            guard communicator.isRoot else { return }
            try output.emit(report.dictionary, text: report.table)
        }
    }
}
