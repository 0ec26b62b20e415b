import Foundation
import RegularFiles

/// The architecture of a BERT-family encoder, read from a Hugging Face `config.json`
/// (`BertConfig`): sizes, LayerNorm epsilon and dropout probabilities. Every number is bounded
/// before anything is allocated from it.
public struct BertConfig: Codable, Equatable, Sendable {
    /// V, rows of the word-embedding table.
    public var vocabularySize: Int
    /// C, the model width.
    public var hiddenSize: Int
    /// Number of encoder layers.
    public var layerCount: Int
    /// Attention heads per layer (C is a multiple of it).
    public var headCount: Int
    /// Width of the feed-forward block.
    public var intermediateSize: Int
    /// P, the longest sequence the position embeddings cover (with [CLS] and [SEP]).
    public var maxPositions: Int
    /// Rows of the token-type (segment) embedding table.
    public var typeVocabularySize: Int
    public var layerNormEps: Float
    /// Dropout after the embeddings and after each residual branch.
    public var hiddenDropout: Float
    /// Dropout on the attention probabilities.
    public var attentionDropout: Float

    public init(vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
                maxPositions: Int, typeVocabularySize: Int, layerNormEps: Float,
                hiddenDropout: Float, attentionDropout: Float) {
        self.vocabularySize = vocabularySize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEps = layerNormEps
        self.hiddenDropout = hiddenDropout
        self.attentionDropout = attentionDropout
    }

    /// Reads and checks `config.json`. Only `model_type` "bert" (or absent), `hidden_act` "gelu"
    /// (the exact erf form) and absolute position embeddings are accepted.
    public init(contentsOf url: URL) throws {
        let file = url.path
        let data: Data
        do { data = try RegularFile.read(file, limit: BertConfig.maxFileBytes) } catch let problem as FileProblem {
            throw TransformerError.unreadable(file: file, reason: problem.reason)
        }
        let object: [String: Any]
        do {
            guard let o = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw TransformerError.config(file: file, key: "(top level)", problem: "expected a JSON object")
            }
            object = o
        } catch let e as TransformerError { throw e } catch {
            throw TransformerError.config(file: file, key: "(top level)", problem: "not JSON: \(error.localizedDescription)")
        }
        func int(_ key: String, _ range: ClosedRange<Int>, default value: Int? = nil) throws -> Int {
            guard let raw = object[key] else {
                if let value { return value }
                throw TransformerError.config(file: file, key: key, problem: "missing; a BERT config.json has it")
            }
            // JSON's true reads as an NSNumber of 1: a boolean is refused, not taken as 1
            guard let n = raw as? NSNumber, !BertConfig.isBoolean(raw), n.doubleValue == n.doubleValue.rounded(),
                  n.doubleValue >= Double(range.lowerBound), n.doubleValue <= Double(range.upperBound), range.contains(n.intValue) else {
                throw TransformerError.config(file: file, key: key, problem: "expected an integer in \(range.lowerBound)...\(range.upperBound), found \(raw)")
            }
            return n.intValue
        }
        func float(_ key: String, _ range: ClosedRange<Double>, default value: Float) throws -> Float {
            guard let raw = object[key], !(raw is NSNull) else { return value }
            guard let n = raw as? NSNumber, !BertConfig.isBoolean(raw), range.contains(n.doubleValue) else {
                throw TransformerError.config(file: file, key: key, problem: "expected a number in \(range.lowerBound)...\(range.upperBound), found \(raw)")
            }
            return n.floatValue
        }
        func string(_ key: String, allowed: [String]) throws {
            guard let raw = object[key] else { return }
            guard let s = raw as? String, allowed.contains(s) else {
                throw TransformerError.config(file: file, key: key, problem: "expected \(allowed.map { "\"\($0)\"" }.joined(separator: " or ")), found \(raw); only BERT encoders with exact GELU and absolute positions are supported")
            }
        }
        try string("model_type", allowed: ["bert"])
        try string("hidden_act", allowed: ["gelu"])
        try string("position_embedding_type", allowed: ["absolute"])
        vocabularySize = try int("vocab_size", 1...1_000_000)
        hiddenSize = try int("hidden_size", 1...8192)
        layerCount = try int("num_hidden_layers", 1...128)
        headCount = try int("num_attention_heads", 1...256)
        intermediateSize = try int("intermediate_size", 1...65536)
        maxPositions = try int("max_position_embeddings", 3...65536)
        typeVocabularySize = try int("type_vocab_size", 1...1024, default: 2)
        layerNormEps = try float("layer_norm_eps", 0...1, default: 1e-12)
        hiddenDropout = try float("hidden_dropout_prob", 0...0.99, default: 0.1)
        attentionDropout = try float("attention_probs_dropout_prob", 0...0.99, default: 0.1)
        guard hiddenSize % headCount == 0 else {
            throw TransformerError.config(file: file, key: "num_attention_heads",
                                          problem: "hidden_size \(hiddenSize) is not a multiple of \(headCount) heads")
        }
        let (embeddingFloats, overflow) = vocabularySize.multipliedReportingOverflow(by: hiddenSize)
        guard !overflow, embeddingFloats <= 1 << 31 else {
            throw TransformerError.config(file: file, key: "vocab_size",
                                          problem: "\(vocabularySize) × hidden_size \(hiddenSize) floats is more than this program holds")
        }
    }

    /// The largest config.json read (1 MiB; real ones are about 1 KB).
    public static let maxFileBytes = 1 << 20

    /// True for a JSON `true` or `false` as JSONSerialization returns it (an NSNumber of a class of
    /// its own, which `as? NSNumber` and `as? Int` accept as 1 or 0).
    static func isBoolean(_ value: Any) -> Bool {
        type(of: value as AnyObject) == booleanClass
    }

    private static let booleanClass: AnyClass? = {
        guard let parsed = try? JSONSerialization.jsonObject(with: Data("[true]".utf8)) as? [Any], let first = parsed.first else { return nil }
        return type(of: first as AnyObject)
    }()

    /// Width of one attention head, C / heads.
    public var headSize: Int { hiddenSize / headCount }
}
