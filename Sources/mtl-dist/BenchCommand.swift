import ArgumentParser
import Autodiff
import Collective
import Foundation
import Layers
import Training

/// `mtl-dist bench`: without `--config`, the throughput of the BiLSTM-CRF hot path next to what
/// `cblas_sgemm` alone achieves on the same matrix shapes in the same run; with `--transformer`,
/// the same for a pretrained BERT-family encoder; with `--config`, training steps of that config
/// (under mpirun, on every rank) with their time breakdown; with `--collective`, `MPI_Allreduce`
/// at several sizes (for the scaling kit's cost model).
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
    @Flag(help: "With --config: weak scaling, the global batch is batch_size × ranks (each rank keeps batch_size).")
    var weak = false
    @Flag(help: "Time MPI_Allreduce (float sum, in place) at 4 KiB to 16 MiB instead (under mpirun).")
    var collective = false

    @Option(parsing: .unconditional, help: "Timed iterations (the median is reported).") var steps = 20
    @Option(parsing: .unconditional, help: "Untimed warm-up iterations.") var warmup = 3
    @Option(parsing: .unconditional, help: "Sentences per batch (B).") var batch = 32
    @Option(parsing: .unconditional, help: "Tokens per sentence (T).") var tokens = 25
    @Option(parsing: .unconditional, help: "Input width (C).") var input = 150
    @Option(parsing: .unconditional, help: "LSTM hidden size per direction (H).") var hidden = 256
    @Option(parsing: .unconditional, help: "Number of tags (K).") var tags = 17
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    /// Each size flag's range and why its upper bound is where it is. Numbers parse with
    /// `.unconditional`, so `--steps -5` reaches this check instead of reading as a missing value.
    static let limits: [(flag: String, range: ClosedRange<Int>, why: String)] = [
        ("--steps", 1...100_000, "the median of the timed iterations settles within a few dozen"),
        ("--warmup", 0...10_000, "caches and the allocator settle within a few iterations"),
        ("--batch", 1...65_536, "a batch is sentences of one step; training batches are 8 to 1,024"),
        ("--tokens", 1...100_000, "a sentence runs as one LSTM of T sequential steps"),
        ("--input", 1...65_536, "the widest embeddings in use are a few thousand values"),
        ("--hidden", 1...65_536, "the recurrent weights alone are 32·H² bytes: 137 GB at H = 65,536"),
        ("--tags", 2...65_536, "the CRF scores K² transitions per token"),
    ]

    func validate() throws {
        if transformer != nil && config != nil { throw ValidationError("--transformer and --config are two different benchmarks: give one") }
        let values = ["--steps": steps, "--warmup": warmup, "--batch": batch, "--tokens": tokens,
                      "--input": input, "--hidden": hidden, "--tags": tags]
        for limit in Self.limits {
            let value = values[limit.flag]!
            guard limit.range.contains(value) else {
                throw ValidationError("\(limit.flag) \(value): expected \(limit.range.lowerBound) to " +
                                      "\(limit.range.upperBound) (\(limit.why))")
            }
        }
        if weak && config == nil { throw ValidationError("--weak needs --config (it scales the config's global batch)") }
        if collective && (config != nil || transformer != nil) { throw ValidationError("--collective times MPI_Allreduce alone: drop --config and --transformer") }
        guard config == nil, transformer == nil else { return }
        // the sizes multiply: bound the whole run by the memory of this machine
        let benchmark = BiLSTMCRFBenchmark(batch: batch, tokens: tokens, input: input, hidden: hidden, tags: tags)
        let bytes = benchmark.estimatedBytes, budget = Double(ProcessInfo.processInfo.physicalMemory) / 2
        guard bytes <= budget else {
            throw ValidationError(String(format: "--batch %d --tokens %d --input %d --hidden %d --tags %d would need about " +
                                         "%.1f GiB (weights, activations and their gradients), more than half of this " +
                                         "machine's %.1f GiB; lower --batch, --tokens, --input or --hidden",
                                         batch, tokens, input, hidden, tags, bytes / 1_073_741_824,
                                         2 * budget / 1_073_741_824))
        }
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
        if let transformer {
            let report = try TransformerBenchmark(folder: URL(fileURLWithPath: transformer), batch: batch, words: tokens)
                .run(steps: steps, warmup: warmup)
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
