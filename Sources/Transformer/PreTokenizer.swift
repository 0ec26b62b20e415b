import Foundation

/// The `pre_tokenizer` of tokenizer.json: how a normalised word is cut into the pieces the model
/// segments, as tokenizers' pre-tokenizers cut it.
///
/// - `BertPreTokenizer`: split on whitespace (removed), then every punctuation scalar isolated.
/// - `ByteLevel`: GPT-2's regex split (`use_regex`), then every byte of a piece's UTF-8 written as
///   its GPT-2 alphabet scalar (`ByteLevelAlphabet`). A space is put before every word (Flair and
///   transformers' `add_prefix_space=True` for pre-tokenised words, whatever the file says), so a
///   word reads as it does inside a sentence: "Ġword".
/// - `Metaspace`: spaces become `replacement` (▁), which is put before the word (`prepend_scheme`
///   always, or first: the word's first piece; never), then split before each ▁ (`split`).
/// - `Whitespace`: the matches of `\w+|[^\w\s]+`; `WhitespaceSplit`: split on whitespace.
/// - `Punctuation`: punctuation scalars split with `behavior`; `Digits`: numeric scalars
///   (categories Nd, Nl, No) isolated (`individual_digits`) or kept in runs.
/// - `Split`: a string or regex `pattern` with `behavior` and `invert`.
/// - `Sequence`: each in turn on the pieces of the one before.
public indirect enum PreTokenizer: Sendable {
    case bert
    case byteLevel(useRegex: Bool)
    case metaspace(replacement: Unicode.Scalar, prepend: Prepend, split: Bool)
    case whitespace
    case whitespaceSplit
    case punctuation(SplitPattern.Behavior)
    case digits(individual: Bool)
    case split(SplitPattern, SplitPattern.Behavior, invert: Bool)
    case sequence([PreTokenizer])

    /// Where Metaspace puts its replacement.
    public enum Prepend: String, Sendable { case always, first, never }

    /// A piece of a word, and whether it starts where the word starts.
    public struct Piece: Equatable, Sendable {
        public var scalars: [Unicode.Scalar]
        public var atWordStart: Bool
    }

    static let types = ["BertPreTokenizer", "ByteLevel", "Metaspace", "Whitespace", "WhitespaceSplit", "Punctuation", "Digits", "Split", "Sequence"]

    /// GPT-2's split, as tokenizers' ByteLevel applies it.
    static let gpt2Pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#
    private static let gpt2 = try? TokenizerRegex(gpt2Pattern) { .request($0) }
    private static let words = try? TokenizerRegex(#"\w+|[^\w\s]+"#) { .request($0) }

    /// Reads a pre-tokenizer object.
    init(_ f: TokenizerFields, depth: Int = 0) throws {
        func behavior(_ key: String, default fallback: SplitPattern.Behavior) throws -> SplitPattern.Behavior {
            guard let raw = try f.optionalString(key) else { return fallback }
            guard let b = SplitPattern.Behavior(rawValue: raw) else {
                throw f.error(key, "\"\(raw)\" is not a split behaviour; expected one of \(SplitPattern.Behavior.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return b
        }
        switch try f.type(PreTokenizer.types) {
        case "BertPreTokenizer": self = .bert
        case "ByteLevel": self = .byteLevel(useRegex: try f.bool("use_regex", default: true))
        case "Metaspace":
            let r = Array(try f.string("replacement").unicodeScalars)
            guard r.count == 1 else { throw f.error("replacement", "\(r.count) scalars, expected one (▁)") }
            var prepend: Prepend = try f.bool("add_prefix_space", default: true) ? .always : .never
            if let raw = try f.optionalString("prepend_scheme") {
                guard let p = Prepend(rawValue: raw) else { throw f.error("prepend_scheme", "\"\(raw)\", expected always, first or never") }
                prepend = p
            }
            self = .metaspace(replacement: r[0], prepend: prepend, split: try f.bool("split", default: true))
        case "Whitespace": self = .whitespace
        case "WhitespaceSplit": self = .whitespaceSplit
        case "Punctuation": self = .punctuation(try behavior("behavior", default: .isolated))
        case "Digits": self = .digits(individual: try f.bool("individual_digits", default: false))
        case "Split":
            guard f.value("behavior") != nil else {
                throw f.error("behavior", "missing, expected one of \(SplitPattern.Behavior.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self = .split(try SplitPattern(f.object("pattern")), try behavior("behavior", default: .isolated), invert: try f.bool("invert", default: false))
        default:
            guard depth < Normalizer.maxDepth else { throw f.error(nil, "Sequence nested deeper than \(Normalizer.maxDepth)") }
            self = .sequence(try f.objects("pretokenizers", maxCount: 64).map { try PreTokenizer($0, depth: depth + 1) })
        }
    }

    /// The pieces of `pieces`, in order; none is empty.
    public func callAsFunction(_ pieces: [Piece]) -> [Piece] {
        if case .sequence(let all) = self { return all.reduce(pieces) { $1($0) } }
        return pieces.flatMap { split($0) }.filter { !$0.scalars.isEmpty }
    }

    private func split(_ piece: Piece) -> [Piece] {
        guard !piece.scalars.isEmpty else { return [] }
        let text = piece.scalars
        func cut(_ pattern: SplitPattern?, _ behavior: SplitPattern.Behavior, invert: Bool = false) -> [Piece] {
            guard let pattern else { return [piece] }
            return pattern.split(text, behavior: behavior, invert: invert).map {
                Piece(scalars: Array(text[$0]), atWordStart: piece.atWordStart && $0.lowerBound == 0)
            }
        }
        let whitespace = SplitPattern.scalars { BasicTokenizer.isWhitespace($0) }
        switch self {
        case .bert:
            return cut(whitespace, .removed).flatMap {
                PreTokenizer.split(.punctuation(.isolated))($0)
            }
        case .byteLevel(let useRegex):
            var spaced = piece
            if spaced.scalars.first != " " { spaced.scalars.insert(" ", at: 0) }
            let parts = useRegex ? PreTokenizer.split(.split(PreTokenizer.gpt2.map(SplitPattern.regex) ?? .literal([]), .isolated, invert: false))(spaced) : [spaced]
            return parts.map { Piece(scalars: ByteLevelAlphabet.encode($0.scalars), atWordStart: $0.atWordStart) }
        case let .metaspace(replacement, prepend, split):
            var p = piece
            p.scalars = text.map { $0 == " " ? replacement : $0 }
            if p.scalars.first != replacement && (prepend == .always || (prepend == .first && piece.atWordStart)) {
                p.scalars.insert(replacement, at: 0)
            }
            guard split else { return [p] }
            return SplitPattern.literal([replacement]).split(p.scalars, behavior: .mergedWithNext).map {
                Piece(scalars: Array(p.scalars[$0]), atWordStart: p.atWordStart && $0.lowerBound == 0)
            }
        case .whitespace: return cut(PreTokenizer.words.map(SplitPattern.regex), .removed, invert: true)
        case .whitespaceSplit: return cut(whitespace, .removed)
        case .punctuation(let behavior): return cut(.scalars { BasicTokenizer.isPunctuation($0) }, behavior)
        case .digits(let individual):
            return cut(.scalars {
                switch $0.properties.generalCategory {
                case .decimalNumber, .letterNumber, .otherNumber: return true
                default: return false
                }
            }, individual ? .isolated : .contiguous)
        case let .split(pattern, behavior, invert): return cut(pattern, behavior, invert: invert)
        case .sequence: return self([piece])
        }
    }

    private static func split(_ p: PreTokenizer) -> (Piece) -> [Piece] { { p.split($0) } }
}

/// GPT-2's byte-level alphabet: each byte as a printable scalar (the printable Latin-1 bytes
/// 33–126, 161–172 and 174–255 as themselves, the other 68 as U+0100 onwards in byte order), so
/// any text is a string over 256 symbols (a space is "Ġ").
public enum ByteLevelAlphabet {
    /// The scalar of each byte.
    public static let scalars: [Unicode.Scalar] = {
        var out = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for b in 0..<256 {
            if (33...126).contains(b) || (161...172).contains(b) || (174...255).contains(b) {
                out[b] = Unicode.Scalar(UInt32(b))!
            } else {
                out[b] = Unicode.Scalar(next)!
                next += 1
            }
        }
        return out
    }()

    /// The UTF-8 bytes of `text`, each as its scalar.
    public static func encode(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text)
        return String(view).utf8.map { scalars[Int($0)] }
    }
}
