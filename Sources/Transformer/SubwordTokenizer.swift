import Foundation

/// The tokenizer of a transformer folder: `tokenizer.json` when the folder has one (as
/// transformers' `AutoTokenizer` prefers it), else BERT's WordPiece `vocab.txt` (with
/// `tokenizer_config.json`). Either gives one word's subword ids and the special ids that frame a
/// sequence, which is all `TransformerWordEmbeddings` needs.
///
/// Saved with a trained model (`Codable`): the WordPiece form as its vocabulary and settings
/// (as before tokenizer.json was read), the tokenizer.json form as the file's text under
/// `tokenizer_json`.
public enum SubwordTokenizer: Sendable {
    case wordPiece(BertTokenizer)
    case json(JSONTokenizer)

    /// The tokenizer of a model folder: `tokenizer.json`, else `vocab.txt`.
    public init(folder: URL) throws {
        let json = folder.appendingPathComponent(JSONTokenizer.fileName)
        if FileManager.default.fileExists(atPath: json.path) {
            self = .json(try JSONTokenizer(contentsOf: json))
        } else {
            self = .wordPiece(try BertTokenizer(folder: folder))
        }
    }

    /// The file the vocabulary came from, for messages.
    public var fileName: String {
        switch self {
        case .wordPiece: return "vocab.txt"
        case .json: return JSONTokenizer.fileName
        }
    }

    /// The number of ids the tokenizer can produce (one more than the largest).
    public var idCount: Int {
        switch self {
        case let .wordPiece(t): return t.vocabulary.count
        case let .json(t): return t.tokens.count
        }
    }

    /// The special token before each sequence: [CLS], `<s>`.
    public var classID: Int32 {
        switch self {
        case let .wordPiece(t): return t.classID
        case let .json(t): return t.classID
        }
    }

    /// The special token after each sequence: [SEP], `</s>`.
    public var separatorID: Int32 {
        switch self {
        case let .wordPiece(t): return t.separatorID
        case let .json(t): return t.separatorID
        }
    }

    /// The id an empty word is given.
    public var unknownID: Int32 {
        switch self {
        case let .wordPiece(t): return t.unknownID
        case let .json(t): return t.unknownID
        }
    }

    /// The padding token, when the tokenizer names one.
    public var paddingID: Int32? {
        switch self {
        case let .wordPiece(t): return t.paddingID
        case let .json(t): return t.paddingID
        }
    }

    /// The subword ids of one word, no framing tokens; empty when nothing is left of it.
    public func tokenize(_ word: String) -> [Int32] {
        switch self {
        case let .wordPiece(t): return t.tokenize(word)
        case let .json(t): return t.tokenize(word)
        }
    }

    /// The text of token `id` ("" for an id no token has).
    public func token(_ id: Int32) -> String {
        switch self {
        case let .wordPiece(t): return t.vocabulary.tokens.indices.contains(Int(id)) ? t.vocabulary.tokens[Int(id)] : ""
        case let .json(t): return t.tokens.indices.contains(Int(id)) ? t.tokens[Int(id)] : ""
        }
    }

    /// The subword strings of `text` (one word, or text the tokenizer splits itself).
    public func tokens(_ text: String) -> [String] { tokenize(text).map(token) }

    /// The subwords of a sentence of words, each word tokenised on its own (transformers'
    /// `is_split_into_words=True`, as Flair calls it); a word that leaves nothing (a zero-width
    /// space) becomes the unknown token, so every word gets a vector.
    public func subwords(words: [String]) -> SubwordSentence {
        SubwordSentence(words: words, unknownID: unknownID, tokenize: tokenize)
    }

    /// How sentences are packed for a model of `maxPositions` positions with this tokenizer's framing.
    public func packing(maxPositions: Int) -> SubwordPacking {
        SubwordPacking(maxPositions: maxPositions, classID: classID, separatorID: separatorID)
    }
}

extension SubwordTokenizer: Codable, Equatable {
    enum CodingKeys: String, CodingKey { case tokenizerJSON = "tokenizer_json" }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        guard let text = try c.decodeIfPresent(String.self, forKey: .tokenizerJSON) else {
            self = .wordPiece(try BertTokenizer(from: decoder))
            return
        }
        guard text.utf8.count <= JSONTokenizer.maxFileBytes else {
            throw DecodingError.dataCorruptedError(forKey: .tokenizerJSON, in: c, debugDescription: "\(text.utf8.count) bytes, at most \(JSONTokenizer.maxFileBytes)")
        }
        do { self = .json(try JSONTokenizer(text: text, source: "saved tokenizer.json")) } catch {
            throw DecodingError.dataCorruptedError(forKey: .tokenizerJSON, in: c, debugDescription: "\(error)")
        }
    }

    public func encode(to encoder: Encoder) throws {
        switch self {
        case let .wordPiece(t): try t.encode(to: encoder)
        case let .json(t):
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(t.text, forKey: .tokenizerJSON)
        }
    }

    public static func == (a: SubwordTokenizer, b: SubwordTokenizer) -> Bool {
        switch (a, b) {
        case let (.wordPiece(x), .wordPiece(y)): return x == y
        case let (.json(x), .json(y)): return x.text == y.text
        default: return false
        }
    }
}
