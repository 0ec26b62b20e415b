import ArgumentParser
import Benchmarks
import Collective
import Foundation

extension Bench {
    /// `mtl-dist bench collective`: `MPI_Allreduce` (float sum, in place) at 4 KiB to 16 MiB (`--max-mib`), and
    /// the reduce-scatter + all-gather pair and the non-blocking all-reduce from 256 KiB, for the
    /// scaling kit's cost model. Formerly `bench --collective`.
    struct Collective: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time MPI_Allreduce (float sum, in place) at 4 KiB to 16 MiB (--max-mib), reduce-scatter + all-gather and the non-blocking all-reduce from 256 KiB (under mpirun).")

        @Option(parsing: .unconditional, help: "Untimed calls per size first.") var warmup = 3
        @Option(name: .customLong("pause-ms"), parsing: .unconditional,
                help: "Milliseconds every rank waits before each call of 256 KiB and more, as a training step's exchange follows its compute (the scaling kit passes the np = 1 step). On TCP links it changes what is measured: back-to-back calls stall more often.")
        var pauseMs = 0
        @Option(name: .customLong("max-mib"), parsing: .unconditional,
                help: "The largest size, MiB: sizes run from 4 KiB in steps of 4× up to it, and it itself. The scaling kit passes the gradient's size, what a step sums at once.")
        var maxMiB = 16
        @OptionGroup var output: JSONOption

        static let pauseLimit = BenchLimit(flag: "--pause-ms", range: 0...10_000, why: "a step of ten seconds; each size makes up to 200 calls")
        static let sizeLimit = BenchLimit(flag: "--max-mib", range: 1...1_024, why: "each rank holds the buffer and MPI's copies of it; a gradient of a GiB is beyond the models trained here")

        func validate() throws {
            try BenchLimit.check([TimingOptions.limits[1], Self.pauseLimit, Self.sizeLimit], values: [warmup, pauseMs, maxMiB])
        }

        func run() throws {
            let communicator = try makeCommunicator(environment: ProcessInfo.processInfo.environment)
            defer { try? communicator.finalize() }
            let report = try CollectiveBenchmark(sizes: CollectiveBenchmark.sizes(upToMiB: maxMiB), warmup: warmup, pause: Double(pauseMs) / 1000).run(communicator: communicator)
            guard communicator.isRoot else { return }
            try output.emit(report.dictionary, text: report.table)
        }
    }
}
