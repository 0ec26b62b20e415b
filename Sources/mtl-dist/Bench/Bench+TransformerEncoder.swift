import ArgumentParser
import Benchmarks
import Autodiff
import Foundation

extension Bench {
    /// `mtl-dist bench transformer DIR`: a pretrained BERT-family encoder forward+backward and
    /// inference against sgemm on the same shapes. Formerly `bench --transformer DIR`.
    struct TransformerEncoder: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "transformer",
            abstract: "Time a pretrained transformer's forward+backward and inference over --batch x --tokens words against sgemm.")

        @Argument(help: "The pretrained transformer folder (config.json, vocab.txt, model.safetensors).")
        var folder: String
        @OptionGroup var timing: TimingOptions
        @OptionGroup var shape: BatchShapeOptions
        @OptionGroup var output: JSONOption
        @Option(help: "The linear maps' arithmetic, as encoder.transformer.precision: fp32 or bf16.")
        var precision: MatmulPrecision = .fp32

        func run() throws {
            let report = try TransformerBenchmark(folder: URL(fileURLWithPath: folder), batch: shape.batch, words: shape.tokens,
                                                  precision: precision)
                .run(steps: timing.steps, warmup: timing.warmup)
            try output.emit(report.dictionary, text: report.table)
        }
    }
}

extension MatmulPrecision: ExpressibleByArgument {}
