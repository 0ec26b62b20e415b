/// What can go wrong reading a gold treebank to score the tokenizer against.
public enum TextSegmentationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// A CoNLL-U token line that cannot be read.
    case malformedLine(file: String, line: Int, reason: String)
    /// A sentence without a `# text = ` line, which the evaluation rebuilds the raw text from.
    case missingText(file: String, line: Int)
    /// The gold tokens of a sentence do not spell its `# text` (white space aside).
    case textMismatch(file: String, line: Int, text: String, tokens: String)
    /// A file larger than the evaluation reads.
    case fileTooLarge(file: String, bytes: Int, limit: Int)
    /// A file without any sentence.
    case noSentences(file: String)

    public var description: String {
        switch self {
        case let .malformedLine(file, line, reason):
            return "\(file):\(line): \(reason). Hint: the file must be CoNLL-U (10 tab-separated columns per token line)."
        case let .missingText(file, line):
            return "\(file):\(line): the sentence has no `# text = ` comment, so its raw text cannot be rebuilt. "
                + "Hint: evaluate on a treebank that keeps the sentence text (UD treebanks do)."
        case let .textMismatch(file, line, text, tokens):
            return "\(file):\(line): the tokens spell \"\(tokens.prefix(80))\" but `# text` reads \"\(text.prefix(80))\" "
                + "(white space aside). Hint: fix the treebank so its tokens spell its text."
        case let .fileTooLarge(file, bytes, limit):
            return "\(file): \(bytes) bytes, more than the \(limit) the evaluation reads. Hint: split the file."
        case let .noSentences(file):
            return "\(file): no sentence found. Hint: the file must be CoNLL-U with blank lines between sentences."
        }
    }
}
