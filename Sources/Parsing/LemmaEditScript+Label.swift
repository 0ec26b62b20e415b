/// A lemma edit script as a class label: one stable string per script, and back.
///
/// Grammar (`K`, `M` decimal without leading zeros; `P`, `S`, `L` escaped text):
///   CASING|-K+P|-M+S    `.affixes(stripPrefix: K, addPrefix: P, stripSuffix: M, addSuffix: S)`
///   CASING|=L           `.replace(L)`
/// CASING is `lower`, `title`, `upper` or `keep`. In escaped text `%`, `|` and every control or
/// white-space character are written as `%XX` per UTF-8 byte (uppercase hex), everything else as
/// itself: `lower|-0+|-3+` (walked → walk), `lower|-0+|-1+e` (making → make), `lower|=go` (went → go).
extension LemmaEditScript {
    /// The longest label `init(label:)` reads.
    public static let maxLabelBytes = 1024

    /// The script's label.
    public var label: String {
        switch edit {
        case .affixes(let k, let prefix, let m, let suffix):
            return "\(casing.rawValue)|-\(k)+\(Self.escaped(prefix))|-\(m)+\(Self.escaped(suffix))"
        case .replace(let text):
            return "\(casing.rawValue)|=\(Self.escaped(text))"
        }
    }

    /// The script a label names; throws `ParsingError.malformedLemmaLabel` saying why for a label
    /// longer than `maxLabelBytes`, one that breaks the grammar, or one not written as `label` writes
    /// it (lowercase hex, leading zeros, needless escapes), so every script has exactly one label.
    public init(label: String) throws {
        func refuse(_ reason: String) -> ParsingError { .malformedLemmaLabel(label: label, reason: reason) }
        guard label.utf8.count <= Self.maxLabelBytes else {
            throw refuse("\(label.utf8.count) bytes, more than the \(Self.maxLabelBytes) a label may have")
        }
        let parts = label.split(separator: "|", omittingEmptySubsequences: false)
        guard let casing = Casing(rawValue: String(parts[0])) else {
            throw refuse("unknown casing \"\(parts[0])\" (lower, title, upper or keep)")
        }
        let edit: Edit
        switch parts.count {
        case 2 where parts[1].hasPrefix("="):
            edit = .replace(try Self.unescaped(parts[1].dropFirst(), refuse))
        case 3:
            let (k, prefix) = try Self.affix(parts[1], refuse)
            let (m, suffix) = try Self.affix(parts[2], refuse)
            edit = .affixes(stripPrefix: k, addPrefix: prefix, stripSuffix: m, addSuffix: suffix)
        default:
            throw refuse("\(parts.count - 1) field(s) after the casing, expected -K+PREFIX|-M+SUFFIX or =LEMMA")
        }
        self.init(casing: casing, edit: edit)
        guard self.label == label else { throw refuse("not written as LemmaEditScript.label writes it: \"\(self.label)\"") }
    }

    /// `-K+TEXT`: the count K (at most 9 digits) and the unescaped text.
    private static func affix(_ field: Substring, _ refuse: (String) -> ParsingError) throws -> (Int, String) {
        guard field.first == "-", let plus = field.firstIndex(of: "+") else {
            throw refuse("field \"\(field.prefix(40))\" is not -COUNT+TEXT")
        }
        let digits = field[field.index(after: field.startIndex)..<plus]
        guard !digits.isEmpty, digits.count <= 9, digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let count = Int(digits) else {
            throw refuse("strip count \"\(digits.prefix(12))\" is not a number of at most 9 digits")
        }
        return (count, try unescaped(field[field.index(after: plus)...], refuse))
    }

    /// Whether `scalar` is written as `%XX` bytes in a label.
    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "%" || scalar == "|" || scalar.properties.generalCategory == .control || scalar.properties.isWhitespace
    }

    /// `text` with `%`, `|`, control and white-space characters as `%XX` per UTF-8 byte.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            guard needsEscape(scalar) else {
                out.unicodeScalars.append(scalar)
                continue
            }
            for byte in String(scalar).utf8 {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// The text `escaped` wrote; throws for a `%` not followed by two hex digits or bytes that are
    /// not UTF-8.
    private static func unescaped(_ text: Substring, _ refuse: (String) -> ParsingError) throws -> String {
        var bytes: [UInt8] = []
        var utf8 = text.utf8[...]
        while let byte = utf8.first {
            utf8 = utf8.dropFirst()
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard utf8.count >= 2, let high = hexValue(utf8[utf8.startIndex]),
                  let low = hexValue(utf8[utf8.index(after: utf8.startIndex)]) else {
                throw refuse("% not followed by two hex digits")
            }
            bytes.append(high << 4 | low)
            utf8 = utf8.dropFirst(2)
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else { throw refuse("escaped bytes that are not UTF-8") }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}
