import Foundation
import RegularFiles

/// BERT's tokeniser, matching transformers' `BertTokenizer`: the special tokens ([PAD], [UNK],
/// [CLS], [SEP], [MASK]) are split off the raw text first and kept whole (case-sensitive, leftmost
/// and longest match); the rest goes through `BasicTokenizer` and then WordPiece.
///
/// For tagging, each word of a sentence is tokenised on its own (transformers'
/// `is_split_into_words=True`) and the sequence the model reads is `[CLS] subwords… [SEP]`.
public struct BertTokenizer: Sendable {
    public let vocabulary: WordPieceVocabulary
    public let basic: BasicTokenizer
    /// Longer pieces become [UNK].
    public let maxCharactersPerWord: Int
    public let unknownID: Int32
    public let classID: Int32
    public let separatorID: Int32
    public let paddingID: Int32
    /// Special tokens present in the vocabulary, longest first, with their ids.
    private let specials: [([Unicode.Scalar], Int32)]

    /// The special tokens of BERT, in the order transformers lists them.
    public static let specialTokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

    /// A tokeniser over `vocabulary`; lower-casing and accent stripping as in `BasicTokenizer`.
    public init(vocabulary: WordPieceVocabulary, lowercase: Bool, stripAccents: Bool? = nil, splitCJK: Bool = true,
                maxCharactersPerWord: Int = 100) throws {
        self.vocabulary = vocabulary
        basic = BasicTokenizer(lowercase: lowercase, stripAccents: stripAccents, splitCJK: splitCJK)
        self.maxCharactersPerWord = maxCharactersPerWord
        unknownID = try vocabulary.requiredID("[UNK]")
        classID = try vocabulary.requiredID("[CLS]")
        separatorID = try vocabulary.requiredID("[SEP]")
        paddingID = try vocabulary.requiredID("[PAD]")
        specials = BertTokenizer.specialTokens
            .compactMap { t in vocabulary.id(of: t).map { (Array(t.unicodeScalars), $0) } }
            .sorted { $0.0.count > $1.0.count }
    }

    /// The tokeniser of a model folder: `vocab.txt`, and `tokenizer_config.json` when present
    /// (`do_lower_case`, default true; `strip_accents`, default = do_lower_case;
    /// `tokenize_chinese_chars`, default true).
    public init(folder: URL) throws {
        let vocabulary = try WordPieceVocabulary(contentsOf: folder.appendingPathComponent("vocab.txt"))
        let configURL = folder.appendingPathComponent("tokenizer_config.json")
        var lowercase = true, strip: Bool? = nil, cjk = true
        if FileManager.default.fileExists(atPath: configURL.path) {
            let file = configURL.path
            let object: [String: Any]
            do {
                guard let o = try JSONSerialization.jsonObject(with: RegularFile.read(file, limit: BertConfig.maxFileBytes)) as? [String: Any] else {
                    throw TransformerError.config(file: file, key: "(top level)", problem: "expected a JSON object")
                }
                object = o
            } catch let e as TransformerError { throw e } catch let problem as FileProblem {
                throw TransformerError.unreadable(file: file, reason: problem.reason)
            } catch {
                throw TransformerError.config(file: file, key: "(top level)", problem: "not readable JSON: \(error.localizedDescription)")
            }
            func flag(_ key: String) throws -> Bool? {
                guard let raw = object[key], !(raw is NSNull) else { return nil }
                guard let b = raw as? Bool else {
                    throw TransformerError.config(file: file, key: key, problem: "expected true, false or null, found \(raw)")
                }
                return b
            }
            lowercase = try flag("do_lower_case") ?? true
            strip = try flag("strip_accents")
            cjk = try flag("tokenize_chinese_chars") ?? true
            if try flag("do_basic_tokenize") == false {
                throw TransformerError.config(file: file, key: "do_basic_tokenize",
                                              problem: "false is not supported: this tokeniser always runs BERT's basic tokenisation")
            }
        }
        try self.init(vocabulary: vocabulary, lowercase: lowercase, stripAccents: strip, splitCJK: cjk)
    }

    /// The subword ids of `text` (no [CLS]/[SEP]); empty when nothing is left after cleaning.
    public func tokenize(_ text: String) -> [Int32] {
        let scalars = Array(text.unicodeScalars)
        var out: [Int32] = []
        var segmentStart = 0, i = 0
        func flush(_ end: Int) {
            guard end > segmentStart else { return }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[segmentStart..<end])
            for piece in basic.pieces(String(view)) {
                out.append(contentsOf: vocabulary.segment(piece, unknown: unknownID, maxCharactersPerWord: maxCharactersPerWord))
            }
        }
        while i < scalars.count {
            if let (token, id) = specials.first(where: { scalars[i...].starts(with: $0.0) }) {
                flush(i)
                out.append(id)
                i += token.count
                segmentStart = i
            } else {
                i += 1
            }
        }
        flush(scalars.count)
        return out
    }

    /// The subword strings of `text`.
    public func tokens(_ text: String) -> [String] { tokenize(text).map { vocabulary.tokens[Int($0)] } }

    /// How sentences are packed for a model of `maxPositions` positions with this tokeniser's
    /// [CLS] and [SEP].
    public func packing(maxPositions: Int) -> SubwordPacking {
        SubwordPacking(maxPositions: maxPositions, classID: classID, separatorID: separatorID)
    }
}

/// A tokeniser is saved with a trained model (its vocabulary and settings), so the model folder
/// tokenises text as training did without the transformer folder.
extension BertTokenizer: Codable, Equatable {
    enum CodingKeys: String, CodingKey {
        case tokens, lowercase
        case stripAccents = "strip_accents"
        case splitCJK = "split_cjk"
        case maxCharactersPerWord = "max_characters_per_word"
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let tokens = try c.decode([String].self, forKey: .tokens)
        guard !tokens.isEmpty, tokens.count <= WordPieceVocabulary.maxTokens else {
            throw DecodingError.dataCorruptedError(forKey: .tokens, in: c, debugDescription: "\(tokens.count) tokens, expected 1...\(WordPieceVocabulary.maxTokens)")
        }
        let maxCharacters = try c.decode(Int.self, forKey: .maxCharactersPerWord)
        guard (1...10_000).contains(maxCharacters) else {
            throw DecodingError.dataCorruptedError(forKey: .maxCharactersPerWord, in: c, debugDescription: "\(maxCharacters) outside 1...10000")
        }
        try self.init(vocabulary: WordPieceVocabulary(tokens: tokens, source: "saved tokenizer"),
                      lowercase: c.decode(Bool.self, forKey: .lowercase), stripAccents: c.decode(Bool.self, forKey: .stripAccents),
                      splitCJK: c.decode(Bool.self, forKey: .splitCJK), maxCharactersPerWord: maxCharacters)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(vocabulary.tokens, forKey: .tokens)
        try c.encode(basic.lowercase, forKey: .lowercase)
        try c.encode(basic.stripAccents, forKey: .stripAccents)
        try c.encode(basic.splitCJK, forKey: .splitCJK)
        try c.encode(maxCharactersPerWord, forKey: .maxCharactersPerWord)
    }

    public static func == (a: BertTokenizer, b: BertTokenizer) -> Bool {
        a.vocabulary.tokens == b.vocabulary.tokens && a.basic.lowercase == b.basic.lowercase
            && a.basic.stripAccents == b.basic.stripAccents && a.basic.splitCJK == b.basic.splitCJK
            && a.maxCharactersPerWord == b.maxCharactersPerWord
    }
}
