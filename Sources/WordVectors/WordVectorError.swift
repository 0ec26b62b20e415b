/// Everything that can go wrong reading a word vectors file (GloVe / fastText text, word2vec binary).
///
/// Each case says where (`file:line` for text, `file: entry N (byte B)` for word2vec binary), what
/// was expected, what was found, and how to fix it, e.g.
/// `glove.txt:1042: expected 101 fields (a word and 100 numbers), found 99. Hint: …`.
public enum WordVectorError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or read (missing, a folder, unreadable).
    case unreadableFile(file: String, reason: String)
    /// A line (text) or entry (binary) that does not hold what the format says; `place` is
    /// `file:line` or `file: entry N (byte B)`.
    case malformed(place: String, expected: String, found: String, hint: String)
    /// The file's vectors are `found` wide but the word table is `configured` wide (`setting` names
    /// the key that sets it).
    case dimensionMismatch(place: String, found: Int, configured: Int, setting: String)
    /// A header (`count dim`) whose numbers are impossible: out of bounds, or more words than the
    /// file's bytes can hold.
    case impossibleHeader(file: String, count: Int, dimension: Int, reason: String)
    /// The file ends before the words its header declares, or holds more.
    case countMismatch(file: String, declared: Int, found: Int, hint: String)
    /// A word that is not UTF-8, at `byteOffset` (0-based) of the file.
    case invalidUTF8(place: String, byteOffset: Int)

    public var description: String {
        switch self {
        case .unreadableFile(let file, let reason):
            return "\(file): cannot read the word vectors file: \(reason). Hint: set encoder.word_vectors.path to a GloVe/fastText text file or a word2vec binary file."
        case .malformed(let place, let expected, let found, let hint):
            return "\(place): expected \(expected), found \(found). Hint: \(hint)"
        case .dimensionMismatch(let place, let found, let configured, let setting):
            return "\(place): the vectors have \(found) values, but the word table is \(configured) wide (\(setting)). "
                + "Hint: set \(setting): \(found) to use this file (vectors of another width are refused, never cut or padded)."
        case .impossibleHeader(let file, let count, let dimension, let reason):
            return "\(file):1: the header declares \(count) words of \(dimension) values: \(reason). "
                + "Hint: the first line of a fastText .vec or word2vec file is `count dim`; fix it, or remove it (text files need no header)."
        case .countMismatch(let file, let declared, let found, let hint):
            return "\(file): the header declares \(declared) words, the file holds \(found). Hint: \(hint)"
        case .invalidUTF8(let place, let byteOffset):
            return "\(place): the word is not UTF-8 (byte \(byteOffset) of the file). "
                + "Hint: word vectors files are read as UTF-8; convert the file (e.g. iconv -f latin1 -t utf-8)."
        }
    }
}
