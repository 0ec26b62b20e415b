import ArgumentParser
import Foundation
import ModelFiles
import Training

/// `mtl-dist predict`: tags text with every task of a trained model.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Tag CoNLL or plain text with a trained model.")

    @Option(help: "A model folder (OUTPUT/best), an export (mtl-dist export) or a checkpoint folder.") var model: String
    @Option(help: "Input file, or - for standard input.") var input = "-"
    @Option(name: .customLong("input-format"), help: "conll (a token per line) or text (a sentence per line).")
    var inputFormat: PredictionIO.InputFormat = .conll
    @Option(name: .customLong("output-format"), help: "conll (token and one column per task) or jsonl.")
    var outputFormat: PredictionIO.OutputFormat = .conll
    @Option(parsing: .unconditional, help: "Sentences decoded together.") var batchSize = 64

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
    }

    func run() throws {
        let trained = try TrainedModel(url: URL(fileURLWithPath: model))
        let text = try PredictionIO.readInput(path: input)
        let sentences = try PredictionIO.sentences(in: text, format: inputFormat, fileName: input == "-" ? "<stdin>" : input)
        let tasks = Array(trained.metadata.encoder.tasks.indices)
        let names = tasks.map { trained.metadata.encoder.tasks[$0].name }
        var out = ""
        try Evaluator.forEachPrediction(model: trained.model, encoder: trained.metadata.encoder, sentences: sentences,
                                        indices: Array(sentences.indices), taskIndices: tasks, batchSize: batchSize) { s, tags in
            out += try PredictionIO.format(tokens: sentences[s].tokens, taskNames: names, tags: tags, as: outputFormat)
            if out.utf8.count > 1 << 16 { FileHandle.standardOutput.write(Data(out.utf8)); out = "" }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

extension PredictionIO.InputFormat: ExpressibleByArgument {}
extension PredictionIO.OutputFormat: ExpressibleByArgument {}
