import Foundation

/// The `normalizer` of tokenizer.json, applied to each word before it is split: tokenizers'
/// normalizers on Unicode scalars.
///
/// - `BertNormalizer`: clean (drop U+0000, U+FFFD and C* scalars but tab, newline and return;
///   whitespace to spaces), spaces around CJK ideographs, accents stripped (NFD, then Mn dropped;
///   `strip_accents` null follows `lowercase`), lower case: as `BasicTokenizer`.
/// - `NFC`, `NFD`, `NFKC`, `NFKD`: Unicode normal forms.
/// - `Lowercase`: each scalar's full lower-case mapping (no final-sigma rule, as tokenizers).
/// - `StripAccents`: drops every mark (Mn, Mc, Me); pair it with NFD, as tokenizer files do.
/// - `Replace`: every match of a string or regex pattern replaced by `content`.
/// - `Strip`: whitespace removed from the start (`strip_left`) and the end (`strip_right`), as
///   transformers' SentencePiece converters write it for XLM-R and CamemBERT.
/// - `Precompiled`: SentencePiece's charsmap (`PrecompiledCharsMap`); an empty one does nothing.
/// - `Sequence`: each in turn.
public indirect enum Normalizer: Sendable {
    case bert(cleanText: Bool, handleChineseChars: Bool, stripAccents: Bool, lowercase: Bool)
    case nfc, nfd, nfkc, nfkd
    case lowercase
    case stripAccents
    case replace(SplitPattern, content: [Unicode.Scalar])
    case strip(left: Bool, right: Bool)
    case precompiled(PrecompiledCharsMap?)
    case sequence([Normalizer])

    static let types = ["BertNormalizer", "NFC", "NFD", "NFKC", "NFKD", "Lowercase", "StripAccents", "Replace", "Strip", "Precompiled", "Sequence"]
    /// Nesting of `Sequence`s accepted.
    static let maxDepth = 8

    /// Reads a normalizer object.
    init(_ f: TokenizerFields, depth: Int = 0) throws {
        switch try f.type(Normalizer.types) {
        case "BertNormalizer":
            let lowercase = try f.bool("lowercase", default: true)
            self = .bert(cleanText: try f.bool("clean_text", default: true), handleChineseChars: try f.bool("handle_chinese_chars", default: true),
                         stripAccents: try f.optionalBool("strip_accents") ?? lowercase, lowercase: lowercase)
        case "NFC": self = .nfc
        case "NFD": self = .nfd
        case "NFKC": self = .nfkc
        case "NFKD": self = .nfkd
        case "Lowercase": self = .lowercase
        case "StripAccents": self = .stripAccents
        case "Replace":
            self = .replace(try SplitPattern(f.object("pattern")), content: Array(try f.string("content").unicodeScalars))
        case "Strip":
            self = .strip(left: try f.bool("strip_left", default: true), right: try f.bool("strip_right", default: true))
        case "Precompiled":
            guard let text = try f.optionalString("precompiled_charsmap"), !text.isEmpty else { self = .precompiled(nil); return }
            guard text.utf8.count <= PrecompiledCharsMap.maxBytes * 4 / 3 + 4, let data = Data(base64Encoded: text) else {
                throw f.error("precompiled_charsmap", "not base64 text of at most \(PrecompiledCharsMap.maxBytes) bytes")
            }
            self = .precompiled(try PrecompiledCharsMap(blob: [UInt8](data)) { f.error("precompiled_charsmap", $0) })
        default:
            guard depth < Normalizer.maxDepth else { throw f.error(nil, "Sequence nested deeper than \(Normalizer.maxDepth)") }
            self = .sequence(try f.objects("normalizers", maxCount: 64).map { try Normalizer($0, depth: depth + 1) })
        }
    }

    /// The normalised scalars of `text`.
    public func callAsFunction(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        switch self {
        case let .bert(clean, chinese, strip, lower):
            var out: [Unicode.Scalar] = []
            out.reserveCapacity(text.count)
            for s in text {
                if clean && (s.value == 0 || s.value == 0xFFFD || BasicTokenizer.isControl(s)) { continue }
                if clean && BasicTokenizer.isWhitespace(s) {
                    out.append(" ")
                } else if chinese && BasicTokenizer.isCJK(s) {
                    out.append(" "); out.append(s); out.append(" ")
                } else {
                    out.append(s)
                }
            }
            if strip { out = Normalizer.nfd(out).filter { $0.properties.generalCategory != .nonspacingMark } }
            return lower ? Normalizer.lowercased(out) : out
        case .nfc: return Normalizer.transform(text) { $0.precomposedStringWithCanonicalMapping }
        case .nfd: return Normalizer.nfd(text)
        case .nfkc: return Normalizer.transform(text) { $0.precomposedStringWithCompatibilityMapping }
        case .nfkd: return Normalizer.transform(text) { $0.decomposedStringWithCompatibilityMapping }
        case .lowercase: return Normalizer.lowercased(text)
        case .stripAccents:
            return text.filter {
                switch $0.properties.generalCategory {
                case .nonspacingMark, .spacingMark, .enclosingMark: return false
                default: return true
                }
            }
        case let .replace(pattern, content): return pattern.replacing(in: text, with: content)
        case let .strip(left, right):
            var r = text[...]
            while left, let s = r.first, BasicTokenizer.isWhitespace(s) { r = r.dropFirst() }
            while right, let s = r.last, BasicTokenizer.isWhitespace(s) { r = r.dropLast() }
            return Array(r)
        case let .precompiled(map): return map?.normalize(text) ?? text
        case let .sequence(all): return all.reduce(text) { $1($0) }
        }
    }

    static func nfd(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] { transform(text) { $0.decomposedStringWithCanonicalMapping } }

    static func lowercased(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        for s in text { out.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars) }
        return out
    }

    private static func transform(_ text: [Unicode.Scalar], _ body: (String) -> String) -> [Unicode.Scalar] {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text)
        return Array(body(String(view)).unicodeScalars)
    }
}
