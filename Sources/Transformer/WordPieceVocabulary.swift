import Foundation
import RegularFiles

/// A WordPiece vocabulary (`vocab.txt`: one token per line, the id is the 0-based line number)
/// and BERT's greedy longest-match-first segmentation of a piece into subwords: the longest
/// prefix in the vocabulary, then the longest `##`-prefixed continuation, and so on; a piece of
/// more than `maxCharactersPerWord` scalars, or one with a remainder that matches nothing,
/// becomes the single unknown token.
///
/// Tokens are keyed by their exact scalars (no Unicode equivalence), as transformers keys them.
public struct WordPieceVocabulary: Sendable {
    /// Token text by id.
    public let tokens: [String]
    private let ids: [[Unicode.Scalar]: Int32]
    /// Where the vocabulary came from, for messages.
    public let source: String

    /// The most lines accepted.
    public static let maxTokens = 1_000_000
    /// The largest vocab.txt read (256 MiB: a million tokens of up to 256 bytes).
    public static let maxFileBytes = 256 << 20

    /// Reads `vocab.txt`: UTF-8, lines ending in "\n" (the last one may lack it). A token listed
    /// twice gets its later id, as in transformers.
    public init(contentsOf url: URL) throws {
        let file = url.path
        let data: Data
        do { data = try RegularFile.read(file, limit: WordPieceVocabulary.maxFileBytes) } catch let problem as FileProblem {
            throw TransformerError.unreadable(file: file, reason: problem.reason)
        }
        // lines split on LF bytes (a Swift Character would keep CR LF together)
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false)
        if data.last == 0x0A { lines.removeLast() }
        guard !lines.isEmpty, lines.count <= WordPieceVocabulary.maxTokens else {
            throw TransformerError.vocabulary(file: file, line: nil,
                                              problem: "\(lines.count) tokens, expected 1...\(WordPieceVocabulary.maxTokens)")
        }
        var tokens: [String] = []
        tokens.reserveCapacity(lines.count)
        for (i, line) in lines.enumerated() {
            guard let token = String(validating: line, as: UTF8.self) else {
                throw TransformerError.vocabulary(file: file, line: i + 1, problem: "not UTF-8 text")
            }
            if line.last == 0x0D {
                throw TransformerError.vocabulary(file: file, line: i + 1,
                                                  problem: "line ends in CR LF; vocab.txt has one token per LF-terminated line (convert it with dos2unix)")
            }
            tokens.append(token)
        }
        self.init(tokens: tokens, source: file)
    }

    /// A vocabulary of `tokens`, token i having id i.
    public init(tokens: [String], source: String = "vocabulary") {
        self.tokens = tokens
        self.source = source
        var ids: [[Unicode.Scalar]: Int32] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() { ids[Array(t.unicodeScalars)] = Int32(i) }
        self.ids = ids
    }

    /// Number of ids (lines).
    public var count: Int { tokens.count }

    /// The id of a token given by its exact scalars.
    public func id(of scalars: [Unicode.Scalar]) -> Int32? { ids[scalars] }

    /// The id of `token` (exact scalars).
    public func id(of token: String) -> Int32? { ids[Array(token.unicodeScalars)] }

    /// The id of a required token, or a vocabulary error naming it.
    func requiredID(_ token: String) throws -> Int32 {
        guard let id = id(of: token) else {
            throw TransformerError.vocabulary(file: source, line: nil, problem: "no \(token) token; a BERT vocabulary lists [PAD], [UNK], [CLS] and [SEP]")
        }
        return id
    }

    /// BERT's WordPiece segmentation of one pre-tokenised piece; `unknown` for a piece longer than
    /// `maxCharactersPerWord` scalars or with no segmentation.
    public func segment(_ piece: [Unicode.Scalar], unknown: Int32, maxCharactersPerWord: Int = 100) -> [Int32] {
        if piece.count > maxCharactersPerWord { return [unknown] }
        var out: [Int32] = []
        var start = 0
        var key: [Unicode.Scalar] = []
        key.reserveCapacity(piece.count + 2)
        while start < piece.count {
            var end = piece.count
            var found: Int32? = nil
            // the longest piece[start..<end] (with "##" when not at the start) in the vocabulary
            while start < end {
                key.removeAll(keepingCapacity: true)
                if start > 0 { key.append("#"); key.append("#") }
                key.append(contentsOf: piece[start..<end])
                if let id = ids[key] { found = id; break }
                end -= 1
            }
            guard let id = found else { return [unknown] }
            out.append(id)
            start = end
        }
        return out
    }
}
