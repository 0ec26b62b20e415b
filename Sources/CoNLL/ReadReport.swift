/// What a read accepted or changed besides the sentences, for the log.
public struct ReadReport: Equatable, Sendable {
    /// Sentences read.
    public var sentences = 0
    /// Tokens read (CoNLL-U: syntactic words).
    public var tokens = 0
    /// `-DOCSTART-` lines dropped (`ReaderOptions.docstart == .skip`).
    public var skippedDocumentSeparators = 0
    /// Tags rewritten by `ReaderOptions.repairTags`, per label type.
    public var repairedTags: [String: Int] = [:]
    /// The line of the first repaired tag, per label type.
    public var firstRepairedLine: [String: Int] = [:]
    /// `\r\n` line ends accepted (`ReaderOptions.crlf == .accept`).
    public var crlfLines = 0
    /// Blank lines that ended no sentence, accepted (`ReaderOptions.blankLineRuns == .accept`).
    public var extraBlankLines = 0
    /// Whether the last sentence lacked its blank line (`ReaderOptions.missingFinalBlankLine == .accept`).
    public var missingFinalBlankLine = false
    /// Sentences whose column of a label type holds only `_` (CoNLL's "no value"), per label type:
    /// such a sentence carries no label of that type (`Sentence.labels` has no entry for it).
    public var unannotatedSentences: [String: Int] = [:]
    /// CoNLL-U multi-word token range lines (`1-2`) skipped.
    public var skippedMultiwordTokens = 0
    /// CoNLL-U empty nodes (`8.1`) skipped.
    public var skippedEmptyNodes = 0

    /// An empty report.
    public init() {}
}

/// Sentences read from one file, with the report of what was accepted or repaired.
public struct ReadResult: Equatable, Sendable {
    /// The sentences, in file order.
    public var sentences: [Sentence]
    /// What the read accepted or changed.
    public var report: ReadReport
}
