/// How the tokenizer classifies a scalar.
extension Unicode.Scalar {
    /// Separates tokens: white space (Unicode `White_Space`, so also U+00A0 and U+2028) and the
    /// C0/C1 control characters such as NUL, which never belong to a token.
    var separatesTokens: Bool {
        properties.isWhitespace || properties.generalCategory == .control
    }

    /// A line break for paragraph detection: `\n`, `\r` (a `\r\n` pair counts once), U+2028, U+2029.
    var isLineBreak: Bool {
        value == 0x0A || value == 0x0D || value == 0x2028 || value == 0x2029
    }

    /// Part of a word: letters, digits and other numbers, combining marks (so `é` written as `e` +
    /// U+0301 stays one token), connector punctuation (`_`) and format characters (the zero-width
    /// joiner inside emoji sequences).
    var isWordScalar: Bool {
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .decimalNumber, .letterNumber, .otherNumber,
             .nonspacingMark, .spacingMark, .enclosingMark, .connectorPunctuation, .format:
            return true
        default:
            return false
        }
    }

    /// A combining mark: attaches to whatever precedes it.
    var isMark: Bool {
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// An ASCII or other decimal digit.
    var isDigit: Bool { properties.generalCategory == .decimalNumber }

    /// A letter of any script.
    var isLetter: Bool { properties.isAlphabetic && !isDigit }

    /// An uppercase or titlecase letter.
    var isUppercaseLetter: Bool {
        let c = properties.generalCategory
        return c == .uppercaseLetter || c == .titlecaseLetter
    }

    /// A lowercase letter.
    var isLowercaseLetter: Bool { properties.generalCategory == .lowercaseLetter }

    /// `'` or the right single quotation mark `’` (U+2019) that English text uses as an apostrophe.
    var isApostrophe: Bool { value == 0x27 || value == 0x2019 }

    /// `.`, `!` or `?`: a run of them (`...`, `?!`, `!!!`) is one token.
    var isTerminal: Bool { value == 0x2E || value == 0x21 || value == 0x3F }

    /// Punctuation that opens a phrase and is split off a token's front: brackets, quotes.
    var opensPhrase: Bool {
        switch properties.generalCategory {
        case .openPunctuation, .initialPunctuation: return true
        default: return "\"'`<".unicodeScalars.contains(self)
        }
    }

    /// Punctuation that closes a phrase or a clause and is split off a token's end.
    var closesPhrase: Bool {
        switch properties.generalCategory {
        case .closePunctuation, .finalPunctuation: return true
        default: return "\"'`>,;:!?.%".unicodeScalars.contains(self)
        }
    }
}
