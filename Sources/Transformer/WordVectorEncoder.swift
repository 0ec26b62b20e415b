import Autodiff
import Foundation

/// What `mtl-dist encode` does: a pretrained transformer folder loaded for inference, and sentences
/// turned into one JSON line each, `{"tokens": [...], "subwords": [[...] per token], "vectors":
/// [[...] per token]}`: the pooled vectors the taggers see, comparable with Python (transformers'
/// `BertModel` with `output_hidden_states`, words tokenised with `is_split_into_words`).
public struct WordVectorEncoder {
    /// The folder's config, tokenizer and weights.
    public let bert: PretrainedBert
    /// The loaded model with the requested layers and pooling.
    public let embeddings: TransformerWordEmbeddings

    /// Loads the transformer in `folder` (throws `TransformerError` naming the file) and checks
    /// `layers` against it (`TransformerError.request`).
    public init(folder: URL, layers: LayerSelection, pooling: SubwordPooling) throws {
        bert = try PretrainedBert(folder: folder)
        var rng = SplitMix64(seed: 0)
        let model = try bert.load(name: "", site: 0, store: ParameterStore(), rng: &rng)
        embeddings = TransformerWordEmbeddings(model: model, hiddenStates: try layers.hiddenStates(layerCount: model.config.layerCount),
                                               pooling: pooling)
    }

    /// Encodes `sentences` (words each), `batchSize` sentences per forward pass, handing each
    /// sentence's JSON line (with its line end) to `body` in order.
    public func encode(_ sentences: [[String]], batchSize: Int, _ body: (String) throws -> Void) throws {
        var next = 0
        try embeddings.encode(sentences, tokenizer: bert.tokenizer, batchSize: batchSize) { encoded in
            try body(Self.jsonLine(tokens: sentences[next], encoded: encoded))
            next += 1
        }
    }

    /// `{"tokens": [...], "subwords": [...], "vectors": [...]}` with floats in their shortest exact
    /// form (a non-finite value as `null`).
    public static func jsonLine(tokens: [String], encoded: TransformerWordEmbeddings.EncodedSentence) throws -> String {
        func json(_ value: Any) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]), as: UTF8.self)
        }
        let vectors = encoded.vectors.map { v in "[" + v.map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ",") + "]" }
        return "{\"tokens\":" + (try json(tokens)) + ",\"subwords\":" + (try json(encoded.subwords))
            + ",\"vectors\":[" + vectors.joined(separator: ",") + "]}\n"
    }
}
