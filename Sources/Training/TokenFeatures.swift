/// Token-level features computed from the surface string: the key a word embedding is looked up
/// by, and a casing class (so lowercasing the word vocabulary loses no capitalisation signal;
/// the character encoder sees the original case as well).
public enum TokenFeatures {
    /// Casing classes, id 0 reserved for padding.
    public enum Casing: Int32, CaseIterable {
        case padding = 0, allLower, allUpper, initialUpper, mixedCase, numeric, containsDigit, other
    }

    /// Number of casing ids (including padding).
    public static let casingCount = Casing.allCases.count

    /// The casing class of a token.
    public static func casing(_ token: String) -> Casing {
        var letters = 0, upper = 0, digits = 0
        var firstUpper = false
        for (i, ch) in token.enumerated() {
            if ch.isNumber { digits += 1 }
            else if ch.isLetter {
                letters += 1
                if ch.isUppercase { upper += 1; if i == 0 { firstUpper = true } }
            }
        }
        let n = token.count
        if n > 0 && digits == n { return .numeric }
        if letters == 0 { return digits > 0 ? .containsDigit : .other }
        if digits > 0 { return .containsDigit }
        if upper == 0 { return .allLower }
        if upper == letters { return .allUpper }
        if firstUpper && upper == 1 { return .initialUpper }
        return .mixedCase
    }

    /// The word-vocabulary key of a token: optionally lowercased, with every digit replaced by 0
    /// (Lample et al. 2016) so numbers share embeddings.
    public static func wordKey(_ token: String, lowercase: Bool, normalizeDigits: Bool) -> String {
        var s = lowercase ? token.lowercased() : token
        if normalizeDigits && s.contains(where: { $0.isASCII && $0.isNumber }) {
            s = String(s.map { $0.isASCII && $0.isNumber ? "0" : $0 })
        }
        return s
    }
}
