import ArgumentParser
import Autodiff
import Foundation
import ModelFiles
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
    @Option(name: .customLong("input-format"), help: "text (a sentence per line, tokens separated by spaces) or conll (a token per line).")
    var inputFormat: PredictionIO.InputFormat = .text
    @Option(parsing: .unconditional, help: "Hidden states to average, comma-separated: 0 is the embedding output, -1 the last layer.")
    var layers = "-1"
    @Option(help: "Subword pooling per token: first, mean or first_last.") var pooling: SubwordPooling = .first
    @Option(name: .customLong("batch-size"), help: "Sentences encoded together.") var batchSize = 32

    func validate() throws {
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        _ = try layerIndices()
    }

    func layerIndices() throws -> [Int] {
        let parts = layers.split(separator: ",", omittingEmptySubsequences: false)
        let indices = parts.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, indices.count == parts.count else {
            throw ValidationError("--layers: expected comma-separated integers such as -1 or -1,-2,-3,-4, got '\(layers)'")
        }
        return indices
    }

    func run() throws {
        let bert = try PretrainedBert(folder: URL(fileURLWithPath: transformer))
        var rng = SplitMix64(seed: 0)
        let model = try bert.load(name: "", site: 0, store: ParameterStore(), rng: &rng)
        let embeddings: TransformerWordEmbeddings
        do {
            embeddings = try TransformerWordEmbeddings(model: model, layers: layerIndices(), pooling: pooling)
        } catch let error as TransformerError {
            throw ValidationError("--\(error)")
        }
        let text = try PredictionIO.readInput(path: input)
        let sentences = try PredictionIO.sentences(in: text, format: inputFormat, fileName: input == "-" ? "<stdin>" : input)
        var out = "", next = 0
        try embeddings.encode(sentences.map(\.tokens), tokenizer: bert.tokenizer, batchSize: batchSize) { encoded in
            out += try Encode.jsonLine(tokens: sentences[next].tokens, encoded: encoded)
            next += 1
            if out.utf8.count > 1 << 16 { FileHandle.standardOutput.write(Data(out.utf8)); out = "" }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// `{"tokens": [...], "subwords": [...], "vectors": [...]}` with floats in their shortest exact form.
    static func jsonLine(tokens: [String], encoded: TransformerWordEmbeddings.EncodedSentence) throws -> String {
        func json(_ value: Any) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]), as: UTF8.self)
        }
        let vectors = encoded.vectors.map { v in "[" + v.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]" }
        return "{\"tokens\":" + (try json(tokens)) + ",\"subwords\":" + (try json(encoded.subwords))
            + ",\"vectors\":[" + vectors.joined(separator: ",") + "]}\n"
    }
}

extension SubwordPooling: ExpressibleByArgument {}
