import Foundation

/// BERT's text normalisation and pre-tokenisation, as transformers' `BertTokenizer` (the
/// tokenizers library's `BertNormalizer` + `BertPreTokenizer`) does it, on Unicode scalars:
///
/// 1. clean: drop U+0000, U+FFFD and every "other" scalar (categories Cc, Cf, Co, Cn) except tab,
///    newline and carriage return; turn every White_Space scalar into a space;
/// 2. put spaces around CJK ideographs (the CJK Unified Ideographs blocks, not Hangul or kana);
/// 3. when stripping accents: canonical decomposition (NFD), then drop nonspacing marks (Mn);
/// 4. when lower-casing: each scalar's full lower-case mapping (İ → i̇; no final-sigma rule, which
///    only transformers' legacy Python tokenizer applies);
/// 5. split on spaces, and split off every punctuation scalar (ASCII punctuation and categories P*)
///    as a piece of its own.
///
/// Pieces are scalar arrays, compared scalar by scalar: "é" and "e + U+0301" are different pieces,
/// as they are in Python and Rust (Swift's `String ==` would call them equal).
public struct BasicTokenizer: Sendable {
    public var lowercase: Bool
    public var stripAccents: Bool
    public var splitCJK: Bool

    /// `stripAccents` defaults to `lowercase`, as in BERT.
    public init(lowercase: Bool, stripAccents: Bool? = nil, splitCJK: Bool = true) {
        self.lowercase = lowercase
        self.stripAccents = stripAccents ?? lowercase
        self.splitCJK = splitCJK
    }

    /// The pieces of `text`, in order; none is empty.
    public func pieces(_ text: String) -> [[Unicode.Scalar]] {
        var cleaned = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if s.value == 0 || s.value == 0xFFFD || BasicTokenizer.isControl(s) { continue }
            if BasicTokenizer.isWhitespace(s) {
                cleaned.append(" ")
            } else if splitCJK && BasicTokenizer.isCJK(s) {
                cleaned.append(" "); cleaned.append(s); cleaned.append(" ")
            } else {
                cleaned.append(s)
            }
        }
        var normalized = String(cleaned)
        if stripAccents {
            var kept = String.UnicodeScalarView()
            for s in normalized.decomposedStringWithCanonicalMapping.unicodeScalars
            where s.properties.generalCategory != .nonspacingMark {
                kept.append(s)
            }
            normalized = String(kept)
        }
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(normalized.unicodeScalars.count)
        for s in normalized.unicodeScalars {
            if lowercase { scalars.append(contentsOf: s.properties.lowercaseMapping.unicodeScalars) } else { scalars.append(s) }
        }
        var out: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for s in scalars {
            if s == " " || BasicTokenizer.isWhitespace(s) {
                if !current.isEmpty { out.append(current); current = [] }
            } else if BasicTokenizer.isPunctuation(s) {
                if !current.isEmpty { out.append(current); current = [] }
                out.append([s])
            } else {
                current.append(s)
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    /// Categories C* (control, format, private use, unassigned, surrogate), except \t \n \r.
    static func isControl(_ s: Unicode.Scalar) -> Bool {
        if s == "\t" || s == "\n" || s == "\r" { return false }
        switch s.properties.generalCategory {
        case .control, .format, .privateUse, .unassigned, .surrogate: return true
        default: return false
        }
    }

    /// The White_Space property (tab, newline, carriage return included).
    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == "\t" || s == "\n" || s == "\r" || s.properties.isWhitespace
    }

    /// ASCII punctuation (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~) or a P* category.
    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// The CJK Unified Ideographs blocks and their extensions and compatibility blocks, as BERT
    /// defines "Chinese characters".
    static func isCJK(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
             0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }
}
