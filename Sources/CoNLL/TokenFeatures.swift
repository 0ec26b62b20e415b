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

    /// The most characters of one token the character encoder reads. The encoder pads every word of
    /// a batch to the longest one, so one pasted blob (a 100,000-character base64 line, a minified
    /// script) would cost memory for every word of its batch times its length: 24 GB in one CoNLL
    /// step. 64 is far above natural words (the longest CoNLL-2003 and UD EWT tokens are URLs and
    /// e-mail addresses of 50 to 60 characters), so no ordinary token is cut.
    public static let maxCharacters = 64

    /// The characters of `token` the character encoder reads: all of them up to `maxCharacters`,
    /// else the first and the last `maxCharacters / 2` (a word's prefix and suffix carry its
    /// morphology; the middle of a blob carries nothing). Cost: O(maxCharacters), whatever the
    /// token's length.
    public static func encodedCharacters(_ token: String) -> [Character] {
        let half = maxCharacters / 2
        // a limit index short of the end: more than maxCharacters characters
        guard let limit = token.index(token.startIndex, offsetBy: maxCharacters, limitedBy: token.endIndex),
              limit < token.endIndex else { return Array(token) }
        return Array(token.prefix(half)) + Array(token.suffix(half))
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
