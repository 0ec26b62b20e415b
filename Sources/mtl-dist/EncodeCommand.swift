import ArgumentParser
import Foundation
import ModelFiles
import TextIO
import Training
import Transformer

/// `mtl-dist encode`: the word vectors a pretrained transformer gives the taggers, as JSONL.
struct Encode: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the word vectors of a pretrained BERT-family transformer, one JSON line per sentence.",
        discussion: """
        Each line is {"tokens": [...], "subwords": [[...] per token], "vectors": [[...] per token]}: the \
        pooled vectors the taggers see, one per input token, so they can be compared with Python \
        (transformers' BertModel with output_hidden_states, words tokenised with is_split_into_words).
        """)

    @Option(help: "The model folder: config.json, vocab.txt, model.safetensors (launch/fetch-minilm.sh gets one).")
    var transformer: String
    @Option(help: "Input file, or - for standard input.") var input = "-"
    @Option(name: .customLong("input-format"), help: "pretokenized (a sentence per line, tokens separated by spaces), text (raw text, tokenised UD-style), conll (a token per line), conllu (the FORM column of CoNLL-U) or auto.")
    var inputFormat: PredictionIO.InputFormat = .pretokenized
    @Option(parsing: .unconditional, help: "Hidden states to average, comma-separated: 0 is the embedding output, -1 the last layer; or all (0 to the last).")
    var layers = "-1"
    @Option(help: "Subword pooling per token: first, mean or first_last.") var pooling: SubwordPooling = .first
    @Option(name: .customLong("batch-size"), help: "Sentences encoded together.") var batchSize = 32

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        _ = try layerIndices()
    }

    func layerIndices() throws -> LayerSelection {
        if layers == "all" { return .all }
        let parts = layers.split(separator: ",", omittingEmptySubsequences: false)
        let indices = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, indices.count == parts.count else {
            throw ValidationError("--layers: expected comma-separated integers such as -1 or -1,-2,-3,-4, or all, got '\(layers)'")
        }
        return .indices(indices)
    }

    func run() throws {
        let encoder: WordVectorEncoder
        do {
            encoder = try WordVectorEncoder(folder: URL(fileURLWithPath: transformer), layers: layerIndices(), pooling: pooling)
        } catch let error as TransformerError {
            guard case .request = error else { throw error }
            throw ValidationError("--\(error)")
        }
        let text = try PredictionIO.readInput(path: input)
        let sentences = try PredictionIO.sentences(in: text, format: inputFormat, fileName: input == "-" ? "<stdin>" : input)
        try encoder.encode(sentences.map(\.tokens), batchSize: batchSize) { try TextWriter.standardOutput.write($0) }
    }
}

extension SubwordPooling: ExpressibleByArgument {}
