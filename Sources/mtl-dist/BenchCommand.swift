import ArgumentParser
import Autodiff
import Collective
import Foundation
import Layers
import Training

/// `mtl-dist bench`: without `--config`, the throughput of the BiLSTM-CRF hot path next to what
/// `cblas_sgemm` alone achieves on the same matrix shapes in the same run; with `--transformer`,
/// the same for a pretrained BERT-family encoder; with `--config`, training steps of that config
/// (under mpirun, on every rank) with their time breakdown.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time BiLSTM-CRF or a transformer (--transformer) forward+backward against sgemm, or training steps of a config (--config).")

    @Option(help: "Benchmark training steps of this config instead (works under mpirun).") var config: String?
    @Option(name: .customLong("data-dir"), help: "With --config: folder that relative corpus paths resolve against.")
    var dataDir: String?
    @Option(name: .customLong("set"), parsing: .singleValue, help: ArgumentHelp("With --config: override a config key.", valueName: "key=value"))
    var overrides: [String] = []

    @Option(help: "Benchmark this pretrained transformer folder (forward+backward and inference over --batch x --tokens words) instead.")
    var transformer: String?

    @Option(help: "Timed iterations (the median is reported).") var steps = 20
    @Option(help: "Untimed warm-up iterations.") var warmup = 3
    @Option(help: "Sentences per batch (B).") var batch = 32
    @Option(help: "Tokens per sentence (T).") var tokens = 25
    @Option(help: "Input width (C).") var input = 150
    @Option(help: "LSTM hidden size per direction (H).") var hidden = 256
    @Option(help: "Number of tags (K).") var tags = 17
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func validate() throws {
        if transformer != nil && config != nil { throw ValidationError("--transformer and --config are two different benchmarks: give one") }
        guard steps > 0, warmup >= 0, batch > 0, tokens > 0, input > 0, hidden > 0, tags > 1 else {
            throw ValidationError("--steps, --batch, --tokens, --input, --hidden must be positive and --tags at least 2")
        }
    }

    func run() throws {
        if let config {
            let communicator = try makeCommunicator(environment: ProcessInfo.processInfo.environment)
            defer { try? communicator.finalize() }
            let request = TrainingSession.Request(configFile: URL(fileURLWithPath: config), overrides: overrides,
                                                  dataDir: dataDir.map { URL(fileURLWithPath: $0) },
                                                  output: FileManager.default.temporaryDirectory)
            let report = try TrainingBenchmark(request: request, steps: steps, warmup: warmup).run(communicator: communicator)
            guard communicator.isRoot else { return }
            try show(report.dictionary, report.table)
        } else if let transformer {
            let report = try TransformerBenchmark(folder: URL(fileURLWithPath: transformer), batch: batch, words: tokens)
                .run(steps: steps, warmup: warmup)
            try show(report.dictionary, report.table)
        } else {
            let report = BiLSTMCRFBenchmark(batch: batch, tokens: tokens, input: input, hidden: hidden, tags: tags)
                .run(steps: steps, warmup: warmup)
            try show(report.dictionary, report.table)
        }
    }

    /// Prints a report as one JSON object (`--json`) or as its table.
    private func show(_ dictionary: [String: Any], _ table: String) throws {
        if json {
            let data = try JSONSerialization.data(withJSONObject: dictionary, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(table)
        }
    }
}
