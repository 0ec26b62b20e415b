/// How strictly a `CoNLLReader` treats irregular but readable input. Defaults are strict: every
/// irregularity is a `CoNLLError` naming the setting that would accept it.
///
/// Config keys (snake_case): `docstart`, `crlf`, `blank_line_runs`, `missing_final_blank_line`,
/// `repair_tags`. Missing keys decode to the strict defaults.
public struct ReaderOptions: Codable, Equatable, Sendable {
    /// What to do with `-DOCSTART-` document separator lines.
    public enum DocStartPolicy: String, Codable, Sendable, CaseIterable {
        /// Throw `CoNLLError.documentSeparator`.
        case error
        /// Drop the separator line and the blank line after it; count them in `ReadReport`.
        case skip
    }

    /// Whether an irregularity is an error or accepted.
    public enum Leniency: String, Codable, Sendable, CaseIterable {
        /// Throw the matching `CoNLLError`.
        case error
        /// Accept the input (see each setting for what "accept" does).
        case accept
    }

    /// `-DOCSTART-` lines: `.error` (default) or `.skip`.
    public var docstart: DocStartPolicy
    /// `\r\n` line ends: `.error` (default) or `.accept` (the `\r` is dropped).
    public var crlf: Leniency
    /// Blank lines that end no sentence (runs of blank lines, blank lines before the first sentence):
    /// `.error` (default) or `.accept` (ignored).
    public var blankLineRuns: Leniency
    /// A last sentence not followed by a blank line: `.error` (default) or `.accept`.
    public var missingFinalBlankLine: Leniency
    /// Rewrite well-formed tags in ill-formed positions (IOB2 `I-X` after `O` or after `B-Y` → `B-X`)
    /// to the spans conlleval reads, counting the rewritten tags in `ReadReport.repairedTags`.
    /// Default false: such a tag is a `CoNLLError.tagSequence`. Malformed tags are errors either way.
    public var repairTags: Bool

    /// Options; the defaults are strict.
    public init(docstart: DocStartPolicy = .error, crlf: Leniency = .error, blankLineRuns: Leniency = .error,
                missingFinalBlankLine: Leniency = .error, repairTags: Bool = false) {
        self.docstart = docstart
        self.crlf = crlf
        self.blankLineRuns = blankLineRuns
        self.missingFinalBlankLine = missingFinalBlankLine
        self.repairTags = repairTags
    }

    /// Every check on (the defaults).
    public static let strict = ReaderOptions()

    /// Everything readable accepted: skip `-DOCSTART-`, accept CRLF, blank-line runs and a missing
    /// final blank line, repair tag sequences.
    public static let lenient = ReaderOptions(docstart: .skip, crlf: .accept, blankLineRuns: .accept,
                                              missingFinalBlankLine: .accept, repairTags: true)

    enum CodingKeys: String, CodingKey {
        case docstart, crlf
        case blankLineRuns = "blank_line_runs"
        case missingFinalBlankLine = "missing_final_blank_line"
        case repairTags = "repair_tags"
    }

    /// Decodes the snake_case keys; a missing key takes its strict default.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(docstart: try c.decodeIfPresent(DocStartPolicy.self, forKey: .docstart) ?? .error,
                  crlf: try c.decodeIfPresent(Leniency.self, forKey: .crlf) ?? .error,
                  blankLineRuns: try c.decodeIfPresent(Leniency.self, forKey: .blankLineRuns) ?? .error,
                  missingFinalBlankLine: try c.decodeIfPresent(Leniency.self, forKey: .missingFinalBlankLine) ?? .error,
                  repairTags: try c.decodeIfPresent(Bool.self, forKey: .repairTags) ?? false)
    }
}
