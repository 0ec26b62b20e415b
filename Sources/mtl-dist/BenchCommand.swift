import ArgumentParser
import Autodiff
import Collective
import Foundation
import Layers
import Training

/// `mtl-dist bench`: without `--config`, the throughput of the BiLSTM-CRF hot path next to what
/// `cblas_sgemm` alone achieves on the same matrix shapes in the same run; with `--config`,
/// training steps of that config (under mpirun, on every rank) with their time breakdown; with
/// `--collective`, `MPI_Allreduce` at several sizes (for the scaling kit's cost model).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time BiLSTM-CRF forward+backward against sgemm, or training steps of a config (--config).")

    @Option(help: "Benchmark training steps of this config instead (works under mpirun).") var config: String?
    @Option(name: .customLong("data-dir"), help: "With --config: folder that relative corpus paths resolve against.")
    var dataDir: String?
    @Option(name: .customLong("set"), parsing: .singleValue, help: ArgumentHelp("With --config: override a config key.", valueName: "key=value"))
    var overrides: [String] = []

    @Flag(help: "With --config: weak scaling, the global batch is batch_size × ranks (each rank keeps batch_size).")
    var weak = false
    @Flag(help: "Time MPI_Allreduce (float sum, in place) at 4 KiB to 16 MiB instead (under mpirun).")
    var collective = false

    @Option(help: "Timed iterations (the median is reported).") var steps = 20
    @Option(help: "Untimed warm-up iterations.") var warmup = 3
    @Option(help: "Sentences per batch (B).") var batch = 32
    @Option(help: "Tokens per sentence (T).") var tokens = 25
    @Option(help: "Input width (C).") var input = 150
    @Option(help: "LSTM hidden size per direction (H).") var hidden = 256
    @Option(help: "Number of tags (K).") var tags = 17
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        guard steps > 0, warmup >= 0, batch > 0, tokens > 0, input > 0, hidden > 0, tags > 1 else {
            throw ValidationError("--steps, --batch, --tokens, --input, --hidden must be positive and --tags at least 2")
        }
        if weak && config == nil { throw ValidationError("--weak needs --config (it scales the config's global batch)") }
        if collective && config != nil { throw ValidationError("--collective times MPI_Allreduce alone: drop --config") }
    }

    func run() throws {
        if collective {
            let communicator = try makeCommunicator(environment: ProcessInfo.processInfo.environment)
            defer { try? communicator.finalize() }
            let report = try CollectiveBenchmark(sizes: CollectiveBenchmark.defaultSizes, warmup: warmup).run(communicator: communicator)
            guard communicator.isRoot else { return }
            try emit(report.dictionary, table: report.table)
            return
        }
        if let config {
            let communicator = try makeCommunicator(environment: ProcessInfo.processInfo.environment)
            defer { try? communicator.finalize() }
            let request = TrainingSession.Request(configFile: URL(fileURLWithPath: config), overrides: overrides,
                                                  dataDir: dataDir.map { URL(fileURLWithPath: $0) },
                                                  output: FileManager.default.temporaryDirectory)
            let report = try TrainingBenchmark(request: request, steps: steps, warmup: warmup, weak: weak).run(communicator: communicator)
            guard communicator.isRoot else { return }
            try emit(report.dictionary, table: report.table)
            return
        }
        let report = BiLSTMCRFBenchmark(batch: batch, tokens: tokens, input: input, hidden: hidden, tags: tags)
            .run(steps: steps, warmup: warmup)
        try emit(report.dictionary, table: report.table)
    }

    /// Prints the report as one JSON object (`--json`) or as its table.
    private func emit(_ dictionary: [String: Any], table: String) throws {
        if json {
            let data = try JSONSerialization.data(withJSONObject: dictionary, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(table)
        }
    }
}
