import ArgumentParser
import Autodiff
import Foundation
import ModelFiles

/// `--model DIR`: the trained model a command reads, and `--precision`: the arithmetic it runs
/// in. Shared by `evaluate` and `predict`.
struct ModelOption: ParsableArguments {
    @Option(help: "A model folder (OUTPUT/best), an export (mtl-dist export) or a checkpoint folder.")
    var model: String

    @Option(help: ArgumentHelp("The arithmetic of the matrix products outside a transformer (the LSTMs, the heads): fp32 (as trained) or bf16 (operands rounded to bfloat16, float sums; faster on CPUs with AVX512_BF16, fp32 elsewhere). A transformer keeps its own (encoder.transformer.precision).",
                               valueName: "fp32|bf16"))
    var precision: MatmulPrecision = .fp32

    /// The model, loaded and validated.
    func load() throws -> TrainedModel {
        try TrainedModel(url: URL(fileURLWithPath: model))
    }

    /// A line for stderr when `--precision bf16` was asked: what runs, and that results may differ
    /// slightly from fp32's (nil for fp32).
    var precisionNote: String? {
        guard precision == .bf16 else { return nil }
        return "--precision bf16: the products outside a transformer run in \(precision.description)"
            + (precision.effective == .bf16 ? "; tags and scores may differ slightly from fp32's" : "")
    }

    /// What ranks compare before they share work: the asked precision and what it runs as here.
    var precisionIdentity: String { "--precision \(precision.rawValue) (runs \(precision.effective.rawValue))" }

    /// Runs `body` with the model's products in `--precision` (`MatmulPrecision.current`).
    func withPrecision<T>(_ body: () throws -> T) rethrows -> T {
        try MatmulPrecision.$current.withValue(precision, operation: body)
    }
}
