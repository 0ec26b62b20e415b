import ArgumentParser
import Foundation
import ModelFiles

/// `--model DIR`: the trained model a command reads. Shared by `evaluate` and `predict`.
struct ModelOption: ParsableArguments {
    @Option(help: "A model folder (OUTPUT/best), an export (mtl-dist export) or a checkpoint folder.")
    var model: String

    /// The model, loaded and validated.
    func load() throws -> TrainedModel {
        try TrainedModel(url: URL(fileURLWithPath: model))
    }
}
