import Foundation

/// The `added_tokens` of tokenizer.json (the special tokens `<s>`, `[CLS]`, `<mask>` and any
/// token added to a vocabulary), found in text before the model sees it, as tokenizers'
/// `AddedVocabulary` finds them: tokens with `normalized: false` in the raw word, then tokens
/// with `normalized: true` (matched as the normaliser writes them) in each normalised remainder.
/// Matches are leftmost-longest and never overlap; a `single_word` match must not touch a word
/// scalar (alphanumeric or `_`) on either side, else it is skipped; `lstrip`/`rstrip` take the
/// whitespace before/after the match with it. A match becomes the token's id and is not split
/// further.
public struct AddedTokens: Sendable {
    public struct Token: Sendable {
        public let id: Int32
        public let content: String
        let pattern: [Unicode.Scalar]
        let singleWord: Bool
        let leftStrip: Bool
        let rightStrip: Bool
        let normalized: Bool
        public let special: Bool
    }

    public let tokens: [Token]

    /// The most added tokens read.
    static let maxTokens = 1_000_000

    /// Reads `added_tokens` (absent or null: none); `normalizer` writes the normalised ones.
    init(_ f: TokenizerFields, normalizer: Normalizer?) throws {
        guard f.value("added_tokens") != nil else { tokens = []; return }
        tokens = try f.objects("added_tokens", maxCount: AddedTokens.maxTokens).map { t in
            let content = try t.string("content")
            guard !content.isEmpty else { throw t.error("content", "empty, expected the token's text") }
            let normalized = try t.bool("normalized", default: true)
            let scalars = Array(content.unicodeScalars)
            return Token(id: Int32(try t.int("id", in: 0...(WordPieceVocabulary.maxTokens - 1))), content: content,
                         pattern: normalized ? (normalizer.map { $0(scalars) } ?? scalars) : scalars,
                         singleWord: try t.bool("single_word", default: false), leftStrip: try t.bool("lstrip", default: false),
                         rightStrip: try t.bool("rstrip", default: false), normalized: normalized,
                         special: try t.bool("special", default: false))
        }
    }

    /// One segment of a word: text for the pre-tokenizer, or an added token's id.
    public struct Segment: Equatable, Sendable {
        public var scalars: [Unicode.Scalar]
        public var id: Int32?
        /// Whether the segment starts where the word starts.
        public var atWordStart: Bool
    }

    /// `text` cut at the matches of the tokens with `normalized == normalizedTokens`.
    func split(_ text: [Unicode.Scalar], normalizedTokens: Bool, atWordStart: Bool) -> [Segment] {
        let candidates = tokens.filter { $0.normalized == normalizedTokens && !$0.pattern.isEmpty }
        guard !candidates.isEmpty, !text.isEmpty else { return [Segment(scalars: text, id: nil, atWordStart: atWordStart)] }
        var matches: [(Range<Int>, Int32)] = []
        var i = 0, previousEnd = 0
        while i < text.count {
            // the longest token starting at i (the first listed on a tie)
            var best: Token? = nil
            for t in candidates where t.pattern.count > (best?.pattern.count ?? 0) && i + t.pattern.count <= text.count
                && text[i..<(i + t.pattern.count)].elementsEqual(t.pattern) {
                best = t
            }
            guard let t = best else { i += 1; continue }
            var start = i, end = i + t.pattern.count
            i = end
            if t.singleWord && ((start > 0 && Self.isWordScalar(text[start - 1])) || (end < text.count && Self.isWordScalar(text[end]))) {
                continue
            }
            if t.leftStrip { while start > previousEnd && BasicTokenizer.isWhitespace(text[start - 1]) { start -= 1 } }
            if t.rightStrip { while end < text.count && BasicTokenizer.isWhitespace(text[end]) { end += 1 } }
            i = end
            matches.append((start..<end, t.id))
            previousEnd = end
        }
        var out: [Segment] = []
        var position = 0
        for (r, id) in matches {
            if position < r.lowerBound {
                out.append(Segment(scalars: Array(text[position..<r.lowerBound]), id: nil, atWordStart: atWordStart && position == 0))
            }
            out.append(Segment(scalars: Array(text[r]), id: id, atWordStart: atWordStart && r.lowerBound == 0))
            position = r.upperBound
        }
        if position < text.count {
            out.append(Segment(scalars: Array(text[position...]), id: nil, atWordStart: atWordStart && position == 0))
        }
        return out
    }

    /// Alphanumeric or `_`.
    static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        s == "_" || s.properties.isAlphabetic || s.properties.numericType != nil
    }

    /// The id of the added token with this content.
    public func id(of content: String) -> Int32? {
        let scalars = Array(content.unicodeScalars)
        return tokens.first { Array($0.content.unicodeScalars) == scalars }?.id
    }
}
