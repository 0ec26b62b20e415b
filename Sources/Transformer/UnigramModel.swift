import Foundation

/// The `Unigram` model of tokenizer.json (SentencePiece's unigram language model), as
/// tokenizers segments one piece: the Viterbi path over the scalars maximising the sum of piece
/// scores (log probabilities), where any single scalar without a piece of its own may be the
/// unknown piece at `min score − 10`; ties keep the path found first (shorter pieces are tried
/// first at each position). Consecutive unknown scalars are fused into one unknown token; with
/// `byte_fallback` an unknown run becomes its `<0xXX>` byte tokens when all exist.
public struct UnigramModel: Sendable {
    /// Piece scalars to (id, score).
    let pieces: [[Unicode.Scalar]: (id: Int32, score: Double)]
    let unknownID: Int32
    let unknownScore: Double
    let byteFallback: Bool
    /// The longest piece, in scalars.
    let maxPieceLength: Int

    /// The longest piece read, in scalars.
    static let maxPieceScalars = 1024

    /// Reads `vocab` (a list of `[piece, score]`), `unk_id` and `byte_fallback`; `tokens` receives
    /// the piece of each id. `exactScores` (`exactScores(text:)`) replaces the scores as
    /// Foundation's JSONSerialization reads them, which can be an ulp off: Viterbi ties between
    /// segmentations of equal score are then broken as tokenizers breaks them.
    init(_ f: TokenizerFields, tokens: inout [String], exactScores: [Double]? = nil) throws {
        let list = try f.array("vocab", maxCount: WordPieceVocabulary.maxTokens)
        guard !list.isEmpty else { throw f.error("vocab", "empty, expected [piece, score] pairs") }
        var pieces: [[Unicode.Scalar]: (id: Int32, score: Double)] = [:]
        pieces.reserveCapacity(list.count)
        tokens = []
        tokens.reserveCapacity(list.count)
        var minScore = Double.infinity, longest = 0
        for (i, entry) in list.enumerated() {
            guard let pair = entry as? [Any], pair.count == 2, let piece = pair[0] as? String, !TokenizerFields.isBoolean(pair[1]),
                  let score = (pair[1] as? NSNumber)?.doubleValue, score.isFinite else {
                throw f.error("vocab[\(i)]", "expected [piece, score] with a finite score, found \(TokenizerFields.describe(entry))")
            }
            let scalars = Array(piece.unicodeScalars)
            guard !scalars.isEmpty, scalars.count <= UnigramModel.maxPieceScalars else {
                throw f.error("vocab[\(i)]", "a piece of \(scalars.count) scalars, expected 1...\(UnigramModel.maxPieceScalars)")
            }
            let exact = exactScores.map { $0.count == list.count ? $0[i] : score } ?? score
            pieces[scalars] = (Int32(i), exact)
            tokens.append(piece)
            minScore = min(minScore, exact)
            longest = max(longest, scalars.count)
        }
        guard let unk = try f.optionalInt("unk_id", in: 0...(list.count - 1)) else {
            throw f.error("unk_id", "missing, expected the id of the unknown piece (a Unigram model needs one for text outside its pieces)")
        }
        self.pieces = pieces
        unknownID = Int32(unk)
        unknownScore = minScore - 10
        byteFallback = try f.bool("byte_fallback", default: false)
        maxPieceLength = longest
    }

    /// The scores of `model.vocab` in a tokenizer.json's text, read exactly (JSONDecoder rounds
    /// decimal numbers correctly); nil when the text does not hold a list of [piece, score].
    static func exactScores(text: String) -> [Double]? {
        struct File: Decodable {
            struct Model: Decodable { let vocab: [Entry] }
            struct Entry: Decodable {
                let score: Double
                init(from decoder: Decoder) throws {
                    var c = try decoder.unkeyedContainer()
                    _ = try c.decode(String.self)
                    score = try c.decode(Double.self)
                }
            }
            let model: Model
        }
        return (try? JSONDecoder().decode(File.self, from: Data(text.utf8)))?.model.vocab.map(\.score)
    }

    /// The ids of one piece.
    func ids(_ text: [Unicode.Scalar]) -> [Int32] {
        let n = text.count
        guard n > 0 else { return [] }
        // best[e]: the best path over text[0..<e]: its last piece's id, score and start
        var bestID = [Int32](repeating: -1, count: n + 1)
        var bestScore = [Double](repeating: 0, count: n + 1)
        var bestStart = [Int](repeating: -1, count: n + 1)
        bestStart[0] = 0
        for start in 0..<n where bestStart[start] >= 0 {
            let base = bestScore[start]
            var single = false
            for length in 1...min(maxPieceLength, n - start) {
                guard let p = pieces[Array(text[start..<(start + length)])] else { continue }
                let end = start + length, candidate = base + p.score
                if bestStart[end] < 0 || candidate > bestScore[end] {
                    bestID[end] = p.id; bestScore[end] = candidate; bestStart[end] = start
                }
                if length == 1 { single = true }
            }
            if !single {
                let candidate = base + unknownScore
                if bestStart[start + 1] < 0 || candidate > bestScore[start + 1] {
                    bestID[start + 1] = unknownID; bestScore[start + 1] = candidate; bestStart[start + 1] = start
                }
            }
        }
        // walk back, fusing runs of unknown pieces
        var spans: [(Range<Int>, Int32)] = []
        var end = n
        while end > 0 {
            let start = bestStart[end], id = bestID[end]
            if id == unknownID, let last = spans.last, last.1 == unknownID, last.0.lowerBound == end {
                spans[spans.count - 1].0 = start..<last.0.upperBound
            } else {
                spans.append((start..<end, id))
            }
            end = start
        }
        var out: [Int32] = []
        for (range, id) in spans.reversed() {
            guard id == unknownID else { out.append(id); continue }
            let piece = Array(text[range])
            if let p = pieces[piece] { out.append(p.id); continue }
            if byteFallback, let bytes = byteTokens(piece) { out.append(contentsOf: bytes); continue }
            out.append(unknownID)
        }
        return out
    }

    /// The `<0xXX>` pieces of the UTF-8 bytes of `piece`, nil unless all exist.
    private func byteTokens(_ piece: [Unicode.Scalar]) -> [Int32]? {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: piece)
        var out: [Int32] = []
        for b in String(view).utf8 {
            let hex = String(b, radix: 16, uppercase: true)
            guard let p = pieces[Array("<0x\(hex.count == 1 ? "0" + hex : hex)>".unicodeScalars)] else { return nil }
            out.append(p.id)
        }
        return out
    }
}
