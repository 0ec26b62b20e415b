/// One surface token of a text, as the Universal Dependencies English Web Treebank writes tokens:
/// `don't`, `John's`, `U.S.`, `3,000`, `http://x.org/a` and `,` are tokens. A token holds one or more
/// syntactic words: `don't` is the words `do` and `n't` (a UD multi-word token), `cannot` is `can` `not`;
/// most tokens are one word, the token itself.
///
/// Offsets count **Unicode scalars** (code points) from the start of the text the tokenizer read,
/// end exclusive, so `Array(text.unicodeScalars)[start..<end]` spells `form`. These are the offsets
/// Python's `str` and JavaScript's code-point iteration use; a UTF-8 offset is not a scalar offset
/// once the text leaves ASCII. Every word's range lies inside its token's range and the words of a
/// token spell the token, in order, without gaps.
public struct TextToken: Hashable, Sendable, CustomStringConvertible {
    /// The token as it appears in the text.
    public var form: String
    /// First scalar of the token.
    public var start: Int
    /// One past the last scalar of the token.
    public var end: Int
    /// The token's syntactic words, at least one; a token that is one word holds itself.
    public var words: [TextWord]

    /// A token at `start..<end` spelled `form`, made of `words` (nil: the token is one word).
    public init(form: String, start: Int, end: Int, words: [TextWord]? = nil) {
        precondition(start <= end, "a token's start \(start) lies after its end \(end)")
        self.form = form
        self.start = start
        self.end = end
        self.words = words ?? [TextWord(form: form, start: start, end: end)]
    }

    /// `form@start..<end`, with the words when there are several: `don't@4..<9[do n't]`.
    public var description: String {
        let base = "\(form)@\(start)..<\(end)"
        return words.count > 1 ? base + "[" + words.map(\.form).joined(separator: " ") + "]" : base
    }
}

