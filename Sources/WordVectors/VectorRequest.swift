/// The layout of a word vectors file.
public enum VectorFileFormat: String, Codable, Equatable, Sendable, CaseIterable {
    /// GloVe (`word v1 … vD` per line) or fastText `.vec` (the same, after a `count dim` header line,
    /// which is optional here). Values are separated by spaces or tabs; a trailing space, a CR before
    /// the line end and a missing last line end are accepted.
    case text
    /// word2vec's binary format (`word2vec -binary 1`, gensim's `save_word2vec_format(binary=True)`):
    /// a `count dim` line, then per word its UTF-8 bytes, a space and D little-endian float32, each
    /// entry optionally followed by a line end.
    case word2vecBinary = "word2vec_binary"
}

/// Which words a vectors file should fill, and how a word of the file matches them. The keys are
/// vocabulary entries, that is words after the vocabulary's folding (`TokenFeatures.wordKey`:
/// lowercasing, digits as `0`).
///
/// A key is filled from the first of these words the file holds (Flair's `WordEmbeddings` lookup,
/// applied to the key): the key itself; with `lowercaseFallback`, its lowercase, that with every
/// decimal digit as `#`, and with every digit as `0`; and last any word that folds to the key (so a
/// lowercased vocabulary still finds `Paris` when the file has no `paris`). Among equal matches the
/// file's first (most frequent) line wins.
public struct VectorRequest: Equatable, Sendable {
    /// Keys that keep their row whether or not the file has a vector (the training vocabulary,
    /// specials included), in id order.
    public var required: [String]
    /// Further keys (words of the corpora outside the training vocabulary), kept only when the file
    /// has a vector for them, in this order after the required ones.
    public var optional: [String]
    /// The first `maxWords` words of the file (the most frequent, in the order GloVe, fastText and
    /// word2vec write them) are added, as their keys, when not already there.
    public var maxWords: Int
    /// How a word of the file folds to a key: as the vocabulary folds words.
    public var lowercase: Bool
    public var normalizeDigits: Bool
    /// Flair's fallback forms (lowercase, digits as `#`, digits as `0`) after the key itself.
    public var lowercaseFallback: Bool
    /// The word table's width: a file of another width is refused.
    public var dimension: Int
    /// The setting that sets `dimension`, named in messages (`encoder.word_dim`).
    public var dimensionSetting: String

    public init(required: [String], optional: [String] = [], maxWords: Int = 0, lowercase: Bool, normalizeDigits: Bool,
                lowercaseFallback: Bool = true, dimension: Int, dimensionSetting: String = "encoder.word_dim") {
        self.required = required
        self.optional = optional
        self.maxWords = maxWords
        self.lowercase = lowercase
        self.normalizeDigits = normalizeDigits
        self.lowercaseFallback = lowercaseFallback
        self.dimension = dimension
        self.dimensionSetting = dimensionSetting
    }
}

/// How a key found its vector, best first: the order of `VectorRequest`'s lookup.
public enum VectorMatch: Int, CaseIterable, Sendable {
    case exact = 0, lowercase, digitsAsHash, digitsAsZero, folded
}

/// The vectors a file gave a `VectorRequest`: `[keys.count, dimension]` row-major, a row per key.
public struct PretrainedVectors: Equatable, Sendable {
    /// The required keys (in order), then the optional keys the file had (in request order), then the
    /// keys added from the file's first `maxWords` words (in file order).
    public let keys: [String]
    /// `[keys.count, dimension]`; a row the file has no vector for is zero (only required keys).
    public let vectors: [Float]
    /// Per key: how it matched, nil when the file has no vector for it.
    public let matches: [VectorMatch?]
    public let dimension: Int
    /// Vectors in the file (its lines, or its header's count).
    public let wordsInFile: Int
    /// Bytes read.
    public let bytes: Int

    public init(keys: [String], vectors: [Float], matches: [VectorMatch?], dimension: Int, wordsInFile: Int, bytes: Int) {
        precondition(vectors.count == keys.count * dimension && matches.count == keys.count,
                     "PretrainedVectors: \(keys.count) keys, \(matches.count) matches, \(vectors.count) values of width \(dimension)")
        self.keys = keys
        self.vectors = vectors
        self.matches = matches
        self.dimension = dimension
        self.wordsInFile = wordsInFile
        self.bytes = bytes
    }

    /// The vector of key `i` (`dimension` values).
    public func vector(_ i: Int) -> ArraySlice<Float> { vectors[(i * dimension)..<((i + 1) * dimension)] }

    /// Keys with a vector, per kind of match (indexed by `VectorMatch.rawValue`).
    public var matchCounts: [Int] {
        var counts = [Int](repeating: 0, count: VectorMatch.allCases.count)
        for m in matches { if let m { counts[m.rawValue] += 1 } }
        return counts
    }
}
