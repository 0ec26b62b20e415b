/// Splits raw English text into sentences and tokens the way the Universal Dependencies English
/// Web Treebank (UD EWT) tokenises it, keeping each token's offsets into the text.
///
/// - Tokens: white space separates tokens; punctuation is split off (`Tuesday.` → `Tuesday` `.`),
///   and a run of `.`, `!`, `?` is one token (`...`, `?!`). Kept whole: abbreviations with their
///   period (`Mr.`, `U.S.`, `e.g.`, `Inc.`), numbers with decimal points and thousands separators
///   (`3.5`, `1,000,000`), times and dates (`10:30`, `11/28/2000`, `713-853-3989`), URLs, e-mail
///   addresses and file names, emoticons (`:)`), and hyphenated words whose first part is a
///   prefix UD EWT keeps (`e-mail`, `non-stop`); other hyphens are tokens (`well - known`), as in
///   UD EWT. Currency signs and `%` are split from numbers (`$ 5`, `5 %`), and units written
///   against a number (`5pm` → `5 pm`).
/// - Words: clitics stay on their surface token but become words of their own, as UD's
///   multi-word tokens: `don't` = `do` + `n't`, `I'm` = `I` + `'m`, `John's` = `John` + `'s`,
///   `cannot` = `can` + `not`. `TextSentence.words` is what a tagger reads.
/// - Sentences end after a token of `.`/`!`/`?` (with any closing quotes or brackets after it)
///   unless a comma, closing bracket or more punctuation follows; after an ellipsis only before a
///   capitalised word, a number or an opening quote; never after an abbreviation that precedes a
///   name (`Mr.`, `No.`, `e.g.`, initials, `U.S.`), and after other abbreviations (`etc.`, `Inc.`) and
///   a time's `AM`/`PM` only before a capitalised word (see `SentenceEnd`). A blank line (two line
///   breaks with only white space between them, CRLF
///   counted as one) always ends a sentence: it is read as a paragraph break.
///
/// Offsets are Unicode-scalar offsets (see `TextToken`). The tokenizer never fails: any string,
/// including the empty one, NULs (read as white space) and combining marks (kept on their base
/// character's token), gives sentences whose tokens satisfy `text[start..<end] == form`. Cost:
/// linear in the text.
public struct TextTokenizer: Sendable {
    /// A tokenizer with the UD EWT rules.
    public init() {}

    /// The sentences of `text`, each with its tokens and their words.
    public func sentences(in text: String) -> [TextSentence] {
        let scalars = Array(text.unicodeScalars)
        var sentences: [TextSentence] = []
        var current: [TextToken] = []
        var pieces: [Range<Int>] = []
        var pending = SentenceEnd.none
        var i = 0
        var lineBreaks = 0
        while i < scalars.count {
            let c = scalars[i]
            if c.separatesTokens {
                // "\r\n" is one line break
                if c.isLineBreak && !(c.value == 0x0D && i + 1 < scalars.count && scalars[i + 1].value == 0x0A) {
                    lineBreaks += 1
                }
                i += 1
                continue
            }
            var end = i + 1
            while end < scalars.count && !scalars[end].separatesTokens { end += 1 }
            if lineBreaks >= 2, !current.isEmpty {
                sentences.append(TextSentence(tokens: current))
                current = []
                pending = .none
            }
            lineBreaks = 0
            pieces.removeAll(keepingCapacity: true)
            splitChunk(scalars, i..<end, into: &pieces)
            for piece in pieces {
                let opensNext = piece.lowerBound == i && piece.upperBound < end
                if pending != .none, !current.isEmpty,
                   startsSentence(scalars, piece, after: pending, opensNext: opensNext) {
                    sentences.append(TextSentence(tokens: current))
                    current = []
                    pending = .none
                }
                current.append(makeToken(scalars, piece))
                pending = sentenceEnd(scalars, piece, pending: pending, opensNext: opensNext)
            }
            i = end
        }
        if !current.isEmpty { sentences.append(TextSentence(tokens: current)) }
        return sentences
    }

    /// The tokens of `text`, sentence after sentence.
    public func tokens(in text: String) -> [TextToken] {
        sentences(in: text).flatMap(\.tokens)
    }

    /// The token over `range`, with its words.
    func makeToken(_ s: [Unicode.Scalar], _ range: Range<Int>) -> TextToken {
        let form = string(s, range)
        let words = splitWords(s, range)
        return TextToken(form: form, start: range.lowerBound, end: range.upperBound,
                         words: words.count > 1 ? words.map { TextWord(form: string(s, $0), start: $0.lowerBound, end: $0.upperBound) } : nil)
    }
}

/// The scalars `s[range]` as a String.
func string(_ s: [Unicode.Scalar], _ range: Range<Int>) -> String {
    var out = String.UnicodeScalarView()
    out.append(contentsOf: s[range])
    return String(out)
}

/// `s[range]` lowercased.
func lowercased(_ s: [Unicode.Scalar], _ range: Range<Int>) -> String {
    string(s, range).lowercased()
}
