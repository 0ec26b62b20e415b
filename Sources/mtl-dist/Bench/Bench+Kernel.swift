import ArgumentParser
import Benchmarks
import Foundation

extension Bench {
    /// `mtl-dist bench [kernel]`: the throughput of the BiLSTM-CRF hot path next to what
    /// `cblas_sgemm` alone achieves on the same matrix shapes in the same run.
    struct Kernel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Time BiLSTM-CRF forward+backward against sgemm on the same shapes (the default mode).")

        @OptionGroup var timing: TimingOptions
        @OptionGroup var shape: BatchShapeOptions
        @Option(parsing: .unconditional, help: "Input width (C).") var input = 150
        @Option(parsing: .unconditional, help: "LSTM hidden size per direction (H).") var hidden = 256
        @Option(parsing: .unconditional, help: "Number of tags (K).") var tags = 17
        @OptionGroup var output: JSONOption

        static let limits: [BenchLimit] = [
            BenchLimit(flag: "--input", range: 1...65_536, why: "the widest embeddings in use are a few thousand values"),
            BenchLimit(flag: "--hidden", range: 1...65_536, why: "the recurrent weights alone are 32·H² bytes: 137 GB at H = 65,536"),
            BenchLimit(flag: "--tags", range: 2...65_536, why: "the CRF scores K² transitions per token"),
        ]

        var benchmark: BiLSTMCRFBenchmark {
            BiLSTMCRFBenchmark(batch: shape.batch, tokens: shape.tokens, input: input, hidden: hidden, tags: tags)
        }

        func validate() throws {
            try BenchLimit.check(Self.limits, values: [input, hidden, tags])
            // the sizes multiply: bound the whole run by the memory of this machine
            let bytes = benchmark.estimatedBytes, budget = Double(ProcessInfo.processInfo.physicalMemory) / 2
            guard bytes <= budget else {
                throw ValidationError(String(format: "--batch %d --tokens %d --input %d --hidden %d --tags %d would need about " +
                                             "%.1f GiB (weights, activations and their gradients), more than half of this " +
                                             "machine's %.1f GiB; lower --batch, --tokens, --input or --hidden",
                                             shape.batch, shape.tokens, input, hidden, tags, bytes / 1_073_741_824,
                                             2 * budget / 1_073_741_824))
            }
        }

        func run() throws {
            let report = benchmark.run(steps: timing.steps, warmup: timing.warmup)
            try output.emit(report.dictionary, text: report.table)
        }
    }
}
