import Foundation

/// The `BPE` model of tokenizer.json (byte-level for RoBERTa and GPT-2, over characters for
/// others), as tokenizers applies it to one piece: each scalar becomes a symbol (with
/// `continuing_subword_prefix` after the first, `end_of_word_suffix` on the last; a scalar
/// outside the vocabulary becomes its `<0xXX>` bytes with `byte_fallback`, else `unk_token`,
/// consecutive ones fused with `fuse_unk`, else nothing), then the adjacent pair of lowest merge
/// rank is merged, the leftmost on a tie, until no pair has a merge. With `ignore_merges` a piece
/// that is itself in the vocabulary is taken whole.
public struct BPEModel: Sendable {
    /// Token scalars to id.
    let vocabulary: [[Unicode.Scalar]: Int32]
    /// (left id, right id) packed as `left << 32 | right` to (rank, merged id).
    let merges: [UInt64: (rank: Int32, id: Int32)]
    let unknownID: Int32?
    let prefix: [Unicode.Scalar]
    let suffix: [Unicode.Scalar]
    let fuseUnknown: Bool
    let byteFallback: Bool
    let ignoreMerges: Bool

    /// The most merges read.
    static let maxMerges = 4_000_000

    init(_ f: TokenizerFields, vocabulary: [[Unicode.Scalar]: Int32]) throws {
        self.vocabulary = vocabulary
        if let dropout = f.value("dropout") {
            guard let p = (dropout as? NSNumber)?.doubleValue, p == 0 || p == 1 else {
                throw f.error("dropout", "\(TokenizerFields.describe(dropout)): BPE dropout samples segmentations at random; tagging needs null")
            }
        }
        prefix = Array((try f.optionalString("continuing_subword_prefix") ?? "").unicodeScalars)
        suffix = Array((try f.optionalString("end_of_word_suffix") ?? "").unicodeScalars)
        fuseUnknown = try f.bool("fuse_unk", default: false)
        byteFallback = try f.bool("byte_fallback", default: false)
        ignoreMerges = try f.bool("ignore_merges", default: false)
        if let unk = try f.optionalString("unk_token") {
            guard let id = vocabulary[Array(unk.unicodeScalars)] else { throw f.error("unk_token", "\"\(unk)\" is not in model.vocab") }
            unknownID = id
        } else {
            unknownID = nil
        }
        let list = try f.array("merges", maxCount: BPEModel.maxMerges)
        var merges: [UInt64: (rank: Int32, id: Int32)] = [:]
        merges.reserveCapacity(list.count)
        for (rank, entry) in list.enumerated() {
            let pair: [String]
            if let s = entry as? String {
                pair = s.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else {
                pair = (entry as? [Any])?.compactMap { $0 as? String } ?? []
            }
            guard pair.count == 2, (entry as? [Any]).map({ $0.count == 2 }) ?? true else {
                throw f.error("merges[\(rank)]", "expected \"left right\" or [\"left\", \"right\"], found \(TokenizerFields.describe(entry))")
            }
            let left = Array(pair[0].unicodeScalars), right = Array(pair[1].unicodeScalars)
            let merged = left + (right.starts(with: prefix) ? Array(right.dropFirst(prefix.count)) : right)
            guard let a = vocabulary[left], let b = vocabulary[right], let m = vocabulary[merged] else {
                throw f.error("merges[\(rank)]", "\"\(pair[0])\" + \"\(pair[1])\": a token of the merge or its result is not in model.vocab")
            }
            let key = UInt64(UInt32(a)) << 32 | UInt64(UInt32(b))
            if merges[key] == nil { merges[key] = (Int32(rank), m) }
        }
        self.merges = merges
    }

    /// The ids of one piece.
    func ids(_ piece: [Unicode.Scalar]) -> [Int32] {
        if ignoreMerges, let id = vocabulary[piece] { return [id] }
        var symbols: [Int32] = []
        var pendingUnknown = false
        for (i, s) in piece.enumerated() {
            var key = i > 0 ? prefix : []
            key.append(s)
            if i == piece.count - 1 { key.append(contentsOf: suffix) }
            if let id = vocabulary[key] {
                if pendingUnknown, let unk = unknownID { symbols.append(unk) }
                pendingUnknown = false
                symbols.append(id)
                continue
            }
            if byteFallback, let bytes = byteTokens(key) {
                // as tokenizers: a pending unknown stays pending (it lands after these bytes)
                symbols.append(contentsOf: bytes)
                continue
            }
            guard let unk = unknownID else { continue }
            if pendingUnknown && !fuseUnknown { symbols.append(unk) }
            pendingUnknown = true
        }
        if pendingUnknown, let unk = unknownID { symbols.append(unk) }
        // merge the leftmost adjacent pair of lowest rank until none has a merge
        while symbols.count > 1 {
            var best = -1
            var bestRank = Int32.max, bestID: Int32 = 0
            for i in 0..<(symbols.count - 1) {
                if let m = merges[UInt64(UInt32(symbols[i])) << 32 | UInt64(UInt32(symbols[i + 1]))], m.rank < bestRank {
                    best = i; bestRank = m.rank; bestID = m.id
                }
            }
            guard best >= 0 else { break }
            symbols[best] = bestID
            symbols.remove(at: best + 1)
        }
        return symbols
    }

    /// The `<0xXX>` tokens of the UTF-8 bytes of `key`, nil unless all are in the vocabulary.
    func byteTokens(_ key: [Unicode.Scalar]) -> [Int32]? {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: key)
        var out: [Int32] = []
        for b in String(view).utf8 {
            let hex = String(b, radix: 16, uppercase: true)
            guard let id = vocabulary[Array("<0x\(hex.count == 1 ? "0" + hex : hex)>".unicodeScalars)] else { return nil }
            out.append(id)
        }
        return out
    }
}
