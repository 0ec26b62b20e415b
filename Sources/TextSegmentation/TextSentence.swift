/// One sentence of a text: its tokens in order, with the scalar range from its first token's
/// start to its last token's end.
public struct TextSentence: Hashable, Sendable {
    /// The tokens, at least one.
    public var tokens: [TextToken]

    /// A sentence of `tokens` (not empty).
    public init(tokens: [TextToken]) {
        precondition(!tokens.isEmpty, "a sentence holds at least one token")
        self.tokens = tokens
    }

    /// First scalar of the sentence.
    public var start: Int { tokens[0].start }
    /// One past the last scalar of the sentence.
    public var end: Int { tokens[tokens.count - 1].end }
    /// The sentence's words, token by token: what a tagger reads.
    public var words: [TextWord] { tokens.flatMap(\.words) }
}
