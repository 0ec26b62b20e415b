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
        @OptionGroup var output: JSONOption

        func validate() throws {
            try BenchLimit.check([TimingOptions.limits[1]], values: [warmup])
        }

        func run() throws {
            let communicator = try makeCommunicator(environment: ProcessInfo.processInfo.environment)
            defer { try? communicator.finalize() }
            let report = try CollectiveBenchmark(sizes: CollectiveBenchmark.defaultSizes, warmup: warmup).run(communicator: communicator)
            guard communicator.isRoot else { return }
            try output.emit(report.dictionary, text: report.table)
        }
    }
}
