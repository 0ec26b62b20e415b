import Foundation

/// The `model` of tokenizer.json: what turns one pre-tokenised piece into ids. `WordPiece` is
/// BERT's greedy longest match (`continuing_subword_prefix`, usually "##"; a piece of more than
/// `max_input_chars_per_word` scalars, or one with an unmatched remainder, is `unk_token`);
/// `BPE` is `BPEModel`, `Unigram` is `UnigramModel`. Any other model (WordLevel) is refused.
public enum SubwordModel: Sendable {
    case wordPiece(vocabulary: [[Unicode.Scalar]: Int32], unknownID: Int32, prefix: [Unicode.Scalar], maxCharacters: Int)
    case bpe(BPEModel)
    case unigram(UnigramModel)

    static let types = ["WordPiece", "BPE", "Unigram"]

    /// Reads the model; `tokens` receives the token of each id (gaps are ""); `text` is the whole
    /// file, whose Unigram scores are read again exactly (`UnigramModel.exactScores`).
    init(_ f: TokenizerFields, tokens: inout [String], text: String) throws {
        switch try f.type(SubwordModel.types) {
        case "Unigram":
            self = .unigram(try UnigramModel(f, tokens: &tokens, exactScores: UnigramModel.exactScores(text: text)))
        case let type:
            let vocabulary = try SubwordModel.vocabulary(f, tokens: &tokens)
            if type == "BPE" {
                self = .bpe(try BPEModel(f, vocabulary: vocabulary))
                return
            }
            let unk = try f.optionalString("unk_token") ?? "[UNK]"
            guard let unknownID = vocabulary[Array(unk.unicodeScalars)] else {
                throw f.error("unk_token", "\"\(unk)\" is not in model.vocab; WordPiece needs its unknown token")
            }
            self = .wordPiece(vocabulary: vocabulary, unknownID: unknownID,
                              prefix: Array((try f.optionalString("continuing_subword_prefix") ?? "##").unicodeScalars),
                              maxCharacters: try f.optionalInt("max_input_chars_per_word", in: 1...1_000_000) ?? 100)
        }
    }

    /// A `{token: id}` vocabulary: at most `WordPieceVocabulary.maxTokens` tokens, ids below that.
    static func vocabulary(_ f: TokenizerFields, tokens: inout [String]) throws -> [[Unicode.Scalar]: Int32] {
        guard let raw = f.value("vocab") else { throw f.error("vocab", "missing, expected {token: id}") }
        guard let object = raw as? [String: Any] else { throw f.error("vocab", "expected {token: id}, found \(TokenizerFields.describe(raw))") }
        guard !object.isEmpty, object.count <= WordPieceVocabulary.maxTokens else {
            throw f.error("vocab", "\(object.count) tokens, expected 1...\(WordPieceVocabulary.maxTokens)")
        }
        var vocabulary: [[Unicode.Scalar]: Int32] = [:]
        vocabulary.reserveCapacity(object.count)
        var byID: [Int: String] = [:]
        for (token, value) in object {
            let id = try TokenizerFields.int(value, in: 0...(WordPieceVocabulary.maxTokens - 1)) { f.error("vocab[\"\(token)\"]", $0) }
            vocabulary[Array(token.unicodeScalars)] = Int32(id)
            byID[id] = token
        }
        let count = (byID.keys.max() ?? -1) + 1
        tokens = (0..<count).map { byID[$0] ?? "" }
        return vocabulary
    }

    /// The ids of one piece (empty for an empty piece).
    func ids(_ piece: [Unicode.Scalar]) -> [Int32] {
        guard !piece.isEmpty else { return [] }
        switch self {
        case let .bpe(model): return model.ids(piece)
        case let .unigram(model): return model.ids(piece)
        case let .wordPiece(vocabulary, unk, prefix, maxCharacters):
            if piece.count > maxCharacters { return [unk] }
            var out: [Int32] = []
            var start = 0
            var key: [Unicode.Scalar] = []
            while start < piece.count {
                var end = piece.count
                var found: Int32? = nil
                // the longest piece[start..<end] (prefixed when not at the start) in the vocabulary
                while start < end {
                    key.removeAll(keepingCapacity: true)
                    if start > 0 { key.append(contentsOf: prefix) }
                    key.append(contentsOf: piece[start..<end])
                    if let id = vocabulary[key] { found = id; break }
                    end -= 1
                }
                guard let id = found else { return [unk] }
                out.append(id)
                start = end
            }
            return out
        }
    }

    /// The model's unknown token id, when it has one.
    var unknownID: Int32? {
        switch self {
        case let .wordPiece(_, unk, _, _): return unk
        case let .bpe(model): return model.unknownID
        case let .unigram(model): return model.unknownID
        }
    }
}
