import ArgumentParser
import Foundation
import ModelFiles
import TextIO
import Training

/// `mtl-dist predict`: tags text with every task of a trained model.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Tag CoNLL or plain text with a trained model.")

    @OptionGroup var model: ModelOption
    @Option(help: "Input file, or - for standard input.") var input = "-"
    @Option(name: .customLong("input-format"), help: "conll (a token per line), text (raw text, tokenised UD-style), pretokenized (a sentence per line, tokens separated by spaces) or auto.")
    var inputFormat: PredictionIO.InputFormat = .conll
    @Option(name: .customLong("output-format"), help: "conll (token and one column per task) or jsonl.")
    var outputFormat: PredictionIO.OutputFormat = .conll
    @Option(name: .customLong("batch-tokens"), parsing: .unconditional,
            help: "Padded tokens decoded together (sentences × the longest): what bounds memory, about 24 KB each.")
    var batchTokens = Evaluator.defaultTokenBudget
    @Option(parsing: .unconditional, help: "At most this many sentences decoded together.") var batchSize = 64

    /// `--batch-tokens`' range: below `Evaluator.maxTokensPerPass` a long sentence's pieces run
    /// alone anyway; 1,000,000 padded tokens are about 24 GB.
    static let batchTokensRange = 1...1_000_000

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        guard Self.batchTokensRange.contains(batchTokens) else {
            throw ValidationError("--batch-tokens \(batchTokens): expected 1 to 1000000 (each padded token of a batch holds about 24 KB)")
        }
    }

    func run() throws {
        let trained = try model.load()
        let text = try PredictionIO.readInput(path: input)
        let sentences = try PredictionIO.sentences(in: text, format: inputFormat, fileName: input == "-" ? "<stdin>" : input)
        let tasks = Array(trained.metadata.encoder.tasks.indices)
        let names = tasks.map { trained.metadata.encoder.tasks[$0].name }
        let out = TextWriter.standardOutput
        try Evaluator.forEachPrediction(model: trained.model, encoder: trained.metadata.encoder, sentences: sentences,
                                        indices: Array(sentences.indices), taskIndices: tasks, batchSize: batchSize,
                                        tokenBudget: batchTokens) { s, tags in
            try out.write(PredictionIO.format(tokens: sentences[s].tokens, taskNames: names, tags: tags, as: outputFormat))
        }
    }
}

extension PredictionIO.InputFormat: ExpressibleByArgument {}
extension PredictionIO.OutputFormat: ExpressibleByArgument {}
