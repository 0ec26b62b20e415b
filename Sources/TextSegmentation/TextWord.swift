/// One syntactic word: a whole token, or a part of a multi-word token (`n't` of `don't`). Offsets
/// are Unicode-scalar offsets into the text, end exclusive, like `TextToken`'s.
public struct TextWord: Hashable, Sendable {
    /// The word as it appears in the text (a part of its token's form).
    public var form: String
    /// First scalar of the word.
    public var start: Int
    /// One past the last scalar of the word.
    public var end: Int

    /// A word at `start..<end` spelled `form`.
    public init(form: String, start: Int, end: Int) {
        self.form = form
        self.start = start
        self.end = end
    }
}

