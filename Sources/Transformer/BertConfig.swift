import Foundation
import RegularFiles

/// The architecture of a BERT-family encoder, read from a Hugging Face `config.json`
/// (`BertConfig`, `RobertaConfig`, `XLMRobertaConfig`, `CamembertConfig`, `DistilBertConfig`,
/// `ElectraConfig`): the family (`model_type`), sizes, LayerNorm epsilon and dropout
/// probabilities. Every number is bounded before anything is allocated from it.
public struct BertConfig: Codable, Equatable, Sendable {
    /// The architectures read, by their `model_type`. They share one post-LayerNorm encoder and
    /// differ in tensor names and in the embeddings (`BertModel` says how).
    public enum Family: String, Codable, Sendable, CaseIterable {
        case bert
        /// RoBERTa, XLM-RoBERTa and CamemBERT: positions counted from `paddingIndex + 1`, one token type.
        case roberta, xlmRoberta = "xlm-roberta", camembert
        /// Its own tensor names, no token types, no pooler.
        case distilbert
        /// ELECTRA's discriminator: embeddings of `embeddingSize`, projected to the model width.
        case electra

        /// True for RoBERTa, XLM-RoBERTa and CamemBERT, which share one layout.
        public var isRoberta: Bool { self == .roberta || self == .xlmRoberta || self == .camembert }
    }

    /// The architecture (`model_type`).
    public var family: Family
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
    /// `pad_token_id`: the RoBERTa family counts positions from `paddingIndex + 1` (0 elsewhere, unused).
    public var paddingIndex: Int
    /// E, the width of the embedding tables: `embedding_size` for ELECTRA, C otherwise.
    public var embeddingSize: Int

    public init(family: Family = .bert, vocabularySize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
                maxPositions: Int, typeVocabularySize: Int, layerNormEps: Float,
                hiddenDropout: Float, attentionDropout: Float, paddingIndex: Int = 0, embeddingSize: Int? = nil) {
        self.family = family
        self.paddingIndex = paddingIndex
        self.embeddingSize = embeddingSize ?? hiddenSize
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

    /// Reads and checks `config.json`. `model_type` "bert" (or absent), "roberta", "xlm-roberta",
    /// "camembert", "distilbert" or "electra"; `hidden_act` (DistilBERT: `activation`) "gelu" (the
    /// exact erf form) and absolute position embeddings; anything else is refused naming the key.
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
                throw TransformerError.config(file: file, key: key, problem: "missing; a \(object["model_type"] as? String ?? "bert") config.json has it")
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
                throw TransformerError.config(file: file, key: key, problem: "expected \(allowed.map { "\"\($0)\"" }.joined(separator: " or ")), found \(raw); only exact GELU and absolute positions are supported")
            }
        }
        family = try BertConfig.family(object["model_type"], file: file)
        try string("position_embedding_type", allowed: ["absolute"])
        if family == .distilbert {
            // DistilBertConfig's own keys; its LayerNorm epsilon is fixed at 1e-12
            try string("activation", allowed: ["gelu"])
            if let raw = object["sinusoidal_pos_embds"], !(raw as? Bool == false) {
                throw TransformerError.config(file: file, key: "sinusoidal_pos_embds", problem: "expected false, found \(raw); only learned position embeddings are supported")
            }
            vocabularySize = try int("vocab_size", 1...1_000_000)
            hiddenSize = try int("dim", 1...8192)
            layerCount = try int("n_layers", 1...128)
            headCount = try int("n_heads", 1...256)
            intermediateSize = try int("hidden_dim", 1...65536)
            maxPositions = try int("max_position_embeddings", 3...65536, default: 512)
            typeVocabularySize = 0
            layerNormEps = 1e-12
            hiddenDropout = try float("dropout", 0...0.99, default: 0.1)
            attentionDropout = try float("attention_dropout", 0...0.99, default: 0.1)
            paddingIndex = try int("pad_token_id", 0...(vocabularySize - 1), default: 0)
            embeddingSize = hiddenSize
        } else {
            try string("hidden_act", allowed: ["gelu"])
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
            // RobertaConfig's default pad_token_id is 1; BERT and ELECTRA do not use it here
            paddingIndex = try family.isRoberta ? int("pad_token_id", 0...(vocabularySize - 1), default: 1) : 0
            embeddingSize = try family == .electra ? int("embedding_size", 1...8192, default: 128) : hiddenSize
        }
        if family.isRoberta {
            guard maxPositions - positionOffset >= 3 else {
                throw TransformerError.config(file: file, key: "pad_token_id",
                                              problem: "\(paddingIndex) leaves \(maxPositions - positionOffset) of max_position_embeddings \(maxPositions) positions (positions start at pad_token_id + 1), expected at least 3")
            }
        }
        guard hiddenSize % headCount == 0 else {
            throw TransformerError.config(file: file, key: "num_attention_heads",
                                          problem: "hidden_size \(hiddenSize) is not a multiple of \(headCount) heads")
        }
        let (embeddingFloats, overflow) = vocabularySize.multipliedReportingOverflow(by: max(hiddenSize, embeddingSize))
        guard !overflow, embeddingFloats <= 1 << 31 else {
            throw TransformerError.config(file: file, key: "vocab_size",
                                          problem: "\(vocabularySize) × hidden_size \(max(hiddenSize, embeddingSize)) floats is more than this program holds")
        }
    }

    /// The family of a `model_type` value (absent: BERT); any other value is refused naming the key.
    static func family(_ raw: Any?, file: String) throws -> Family {
        guard let raw else { return .bert }
        guard let s = raw as? String, let family = Family(rawValue: s) else {
            let known = Family.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw TransformerError.config(file: file, key: "model_type",
                                          problem: "expected one of \(known), found \(raw); other architectures are not supported")
        }
        return family
    }

    /// The position of a sequence's first token: `paddingIndex + 1` for the RoBERTa family, 0 otherwise.
    public var positionOffset: Int { family.isRoberta ? paddingIndex + 1 : 0 }

    /// The longest sequence the model reads ([CLS] and [SEP], or `<s>` and `</s>`, included):
    /// the position embeddings past `positionOffset`.
    public var maxSequenceLength: Int { maxPositions - positionOffset }

    enum CodingKeys: String, CodingKey {
        case family, vocabularySize, hiddenSize, layerCount, headCount, intermediateSize, maxPositions
        case typeVocabularySize, layerNormEps, hiddenDropout, attentionDropout, paddingIndex, embeddingSize
    }

    /// Decodes a config saved by this or an earlier version (which knew BERT only: no family,
    /// padding index or embedding size).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        family = try c.decodeIfPresent(Family.self, forKey: .family) ?? .bert
        vocabularySize = try c.decode(Int.self, forKey: .vocabularySize)
        hiddenSize = try c.decode(Int.self, forKey: .hiddenSize)
        layerCount = try c.decode(Int.self, forKey: .layerCount)
        headCount = try c.decode(Int.self, forKey: .headCount)
        intermediateSize = try c.decode(Int.self, forKey: .intermediateSize)
        maxPositions = try c.decode(Int.self, forKey: .maxPositions)
        typeVocabularySize = try c.decode(Int.self, forKey: .typeVocabularySize)
        layerNormEps = try c.decode(Float.self, forKey: .layerNormEps)
        hiddenDropout = try c.decode(Float.self, forKey: .hiddenDropout)
        attentionDropout = try c.decode(Float.self, forKey: .attentionDropout)
        paddingIndex = try c.decodeIfPresent(Int.self, forKey: .paddingIndex) ?? 0
        embeddingSize = try c.decodeIfPresent(Int.self, forKey: .embeddingSize) ?? hiddenSize
    }

    /// Encodes the fields; a BERT config writes exactly the keys it always did.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if family != .bert { try c.encode(family, forKey: .family) }
        try c.encode(vocabularySize, forKey: .vocabularySize)
        try c.encode(hiddenSize, forKey: .hiddenSize)
        try c.encode(layerCount, forKey: .layerCount)
        try c.encode(headCount, forKey: .headCount)
        try c.encode(intermediateSize, forKey: .intermediateSize)
        try c.encode(maxPositions, forKey: .maxPositions)
        try c.encode(typeVocabularySize, forKey: .typeVocabularySize)
        try c.encode(layerNormEps, forKey: .layerNormEps)
        try c.encode(hiddenDropout, forKey: .hiddenDropout)
        try c.encode(attentionDropout, forKey: .attentionDropout)
        if family != .bert { try c.encode(paddingIndex, forKey: .paddingIndex) }
        if embeddingSize != hiddenSize { try c.encode(embeddingSize, forKey: .embeddingSize) }
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
