import Autodiff

/// One sentence as subwords: the WordPiece ids of its words, in order, and where each word's
/// subwords start. A word that leaves nothing after BERT's cleaning (a zero-width space, say) is
/// one [UNK], so every word has at least one subword and gets a vector.
public struct SubwordSentence: Equatable, Sendable {
    /// Subword ids, without [CLS] and [SEP].
    public let ids: [Int32]
    /// `wordStarts[w] ..< wordStarts[w + 1]` are word w's subwords; `count` = words + 1.
    public let wordStarts: [Int]

    public init(ids: [Int32], wordStarts: [Int]) {
        precondition(wordStarts.first == 0 && wordStarts.last == ids.count && zip(wordStarts, wordStarts.dropFirst()).allSatisfy { $0 < $1 },
                     "SubwordSentence: word starts \(wordStarts) for \(ids.count) subwords")
        self.ids = ids
        self.wordStarts = wordStarts
    }

    public var wordCount: Int { wordStarts.count - 1 }
}

extension SubwordSentence {
    /// The subwords of a sentence of words, each word tokenised on its own by `tokenize`
    /// (transformers' `is_split_into_words=True`); a word that leaves nothing becomes `unknownID`,
    /// so every word gets a vector.
    public init(words: [String], unknownID: Int32, tokenize: (String) -> [Int32]) {
        var ids: [Int32] = [], starts = [0]
        for w in words {
            let pieces = tokenize(w)
            ids.append(contentsOf: pieces.isEmpty ? [unknownID] : pieces)
            starts.append(ids.count)
        }
        self.init(ids: ids, wordStarts: starts)
    }
}

extension BertTokenizer {
    /// The subwords of a sentence of words, each word tokenised on its own; an empty result becomes [UNK].
    public func subwords(words: [String]) -> SubwordSentence {
        SubwordSentence(words: words, unknownID: unknownID, tokenize: tokenize)
    }
}

/// How a sentence of n subwords is cut into model sequences of at most W = positions − 2 subwords
/// (the model adds [CLS] and [SEP]): one window when n ≤ W; otherwise windows of W subwords every
/// W/2 (rounded down), the last one ending at n, so consecutive windows overlap by at least half.
/// Each subword is read from the window where it is farthest from an edge (the earlier one on a
/// tie), so every subword keeps at least W/4 subwords of context on both sides where the sentence
/// has them. Nothing is truncated.
public enum SubwordWindows {
    /// The windows (subword ranges) and, per subword, the index of the window it is read from.
    public static func cut(count n: Int, capacity w: Int) -> (windows: [Range<Int>], owner: [Int]) {
        precondition(w > 0 && n >= 0, "SubwordWindows: \(n) subwords, capacity \(w)")
        guard n > w else { return ([0..<n], [Int](repeating: 0, count: n)) }
        let stride = max(1, w / 2)
        var starts = Array(Swift.stride(from: 0, to: n - w, by: stride))
        starts.append(n - w)
        let windows = starts.map { $0..<($0 + w) }
        var owner = [Int](repeating: 0, count: n)
        for i in 0..<n {
            var best = -1
            for (k, r) in windows.enumerated() where r.contains(i) {
                let margin = min(i - r.lowerBound, r.upperBound - 1 - i)
                if margin > best { best = margin; owner[i] = k }
            }
        }
        return (windows, owner)
    }
}

/// How subword sentences become model sequences: the model's positions and the ids of [CLS] and [SEP].
public struct SubwordPacking: Codable, Equatable, Sendable {
    public let maxPositions: Int
    public let classID: Int32
    public let separatorID: Int32

    public init(maxPositions: Int, classID: Int32, separatorID: Int32) {
        precondition(maxPositions >= 3, "SubwordPacking: \(maxPositions) positions leave no room for a subword")
        self.maxPositions = maxPositions
        self.classID = classID
        self.separatorID = separatorID
    }
}

/// A batch of sentences as the model reads it: every window of every sentence packed as
/// `[CLS] subwords [SEP]`, and for each subword the packed row its vector is read from.
public struct SubwordBatch {
    /// Packed ids of all sequences.
    public let ids: [Int32]
    /// Length of each sequence (window), [CLS] and [SEP] included.
    public let lengths: [Int]
    /// One dropout key per sequence: the sentence's key for its first window, a mix of it and the
    /// window index for later ones.
    public let keys: [UInt64]
    /// Words per sentence.
    public let wordCounts: [Int]
    /// For each subword of each sentence (sentence order), its row in the packed sequences.
    public let subwordRows: [Int]
    /// For each word of each sentence (sentence order), where its subwords start in `subwordRows`;
    /// one more entry at the end.
    public let wordStarts: [Int]

    /// Packs `sentences` for a model with `maxPositions` positions; `rowKeys` has one key per sentence.
    public init(sentences: [SubwordSentence], rowKeys: [UInt64], maxPositions: Int, classID: Int32, separatorID: Int32) {
        precondition(rowKeys.count == sentences.count && maxPositions >= 3,
                     "SubwordBatch: \(rowKeys.count) keys for \(sentences.count) sentences, \(maxPositions) positions")
        var ids: [Int32] = [], lengths: [Int] = [], keys: [UInt64] = []
        var subwordRows: [Int] = [], wordStarts: [Int] = []
        for (s, key) in zip(sentences, rowKeys) {
            let (windows, owner) = SubwordWindows.cut(count: s.ids.count, capacity: maxPositions - 2)
            var firstRow: [Int] = []
            for (k, r) in windows.enumerated() {
                firstRow.append(ids.count)
                ids.append(classID)
                ids.append(contentsOf: s.ids[r])
                ids.append(separatorID)
                lengths.append(r.count + 2)
                keys.append(k == 0 ? key : SplitMix64.mix(key &+ UInt64(k)))
            }
            let base = subwordRows.count
            for i in s.ids.indices {
                // row of subword i in its owner window: after [CLS], at offset i − window start
                let k = owner[i]
                subwordRows.append(firstRow[k] + 1 + i - windows[k].lowerBound)
            }
            wordStarts.append(contentsOf: s.wordStarts.dropLast().map { base + $0 })
        }
        wordStarts.append(subwordRows.count)
        self.ids = ids
        self.lengths = lengths
        self.keys = keys
        self.wordCounts = sentences.map(\.wordCount)
        self.subwordRows = subwordRows
        self.wordStarts = wordStarts
    }

    /// Packs `sentences` as `packing` says.
    public init(sentences: [SubwordSentence], rowKeys: [UInt64], packing: SubwordPacking) {
        self.init(sentences: sentences, rowKeys: rowKeys, maxPositions: packing.maxPositions,
                  classID: packing.classID, separatorID: packing.separatorID)
    }

    /// Total number of words.
    public var wordCount: Int { wordStarts.count - 1 }
}
