/// Everything that can go wrong reading or encoding corpus data.
///
/// Each case carries where (file, 1-based line), and its `description` reads
/// `file:line: expected …, found …. Hint: …`, e.g.
/// `train.txt:1042: expected 4 columns (text pos chunk ner), found 3 (separated by whitespace). Hint: …`.
/// Hints name the `ReaderOptions` setting (by its config key and Swift name) that accepts the input
/// when there is one, or say how to fix the file.
public enum CoNLLError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be opened or read.
    case unreadableFile(file: String, reason: String)
    /// A byte sequence that is not UTF-8, at `byteOffset` (0-based, from the start of the file).
    case invalidUTF8(file: String, line: Int, byteOffset: Int, byte: UInt8)
    /// A NUL byte at `byteOffset` (0-based): binary data, refused before the rest is read.
    case binaryData(file: String, line: Int, byteOffset: Int)
    /// A token (a run of bytes without space, tab or line end) longer than `limit` bytes.
    case tokenTooLong(file: String, line: Int, limit: Int)
    /// A `\r\n` line end while `ReaderOptions.crlf == .error`.
    case crlfLineEnding(file: String, line: Int)
    /// A token line with the wrong number of fields; `expected` lists the column names.
    case wrongColumnCount(file: String, line: Int, expected: [String], found: Int, separator: String)
    /// An empty field (an empty token, or an empty label).
    case emptyField(file: String, line: Int, column: String)
    /// A token index column (CoNLL-U `ID`, Universal NER index) out of sequence or not a number.
    case invalidTokenID(file: String, line: Int, expected: String, found: String)
    /// A CoNLL-U HEAD that is not a word of its sentence nor 0 (the root): not a number, beyond
    /// the sentence's `words` words, or the word's own ID.
    case invalidHead(file: String, line: Int, found: String, words: Int)
    /// A sentence whose HEAD column is not a tree with one root word (a dependency task's gold):
    /// `problem` names the cycle or the root words (`DependencyTree.treeProblem`).
    case notATree(file: String, line: Int, problem: String)
    /// A label that is not a tag of the column's scheme at all (`X-PER`, `B-`, `PER`).
    case malformedTag(file: String, line: Int, labelType: String, scheme: TagScheme, tag: String)
    /// A well-formed tag in an ill-formed position (`I-PER` after `O` in IOB2) while
    /// `ReaderOptions.repairTags` is off.
    case tagSequence(file: String, line: Int, labelType: String, scheme: TagScheme, expected: String, found: String)
    /// A `-DOCSTART-` line while `ReaderOptions.docstart == .error`.
    case documentSeparator(file: String, line: Int)
    /// A `-DOCSTART-` line inside a sentence (no blank line before it).
    case documentSeparatorInsideSentence(file: String, line: Int)
    /// A blank line that does not end a sentence (a run of blank lines, or one before the first
    /// sentence) while `ReaderOptions.blankLineRuns == .error`.
    case blankLineRun(file: String, line: Int)
    /// The file ends without the blank line that ends the last sentence while
    /// `ReaderOptions.missingFinalBlankLine == .error`. `line` is the last line.
    case missingFinalBlankLine(file: String, line: Int)
    /// Comment lines followed by a blank line: a sentence with no tokens. `line` is the blank line.
    case sentenceWithoutTokens(file: String, line: Int)
    /// A file (or text) that holds no sentence at all.
    case noSentences(file: String)
    /// A format that cannot be read (no `text` column, duplicate column names, …).
    case invalidFormat(reason: String)
    /// An item missing from a vocabulary that has no unknown entry.
    case unknownItem(item: String, vocabularySize: Int)
    /// A sentence-level label column (a classification task's) whose value changes within a
    /// sentence: `line` is the first token line that differs from the sentence's first.
    case sentenceLabelVaries(file: String, line: Int, labelType: String, first: String, found: String)
    /// A `# key = value` comment read as a sentence label written twice for one sentence.
    case repeatedCommentLabel(file: String, line: Int, key: String)
    /// A line of a `text<TAB>label` file without exactly one tab.
    case textLabelLine(file: String, line: Int, tabs: Int)

    /// `file:line` (or `file`) where the problem is, nil when it is not about a file.
    public var location: String? {
        switch self {
        case .unreadableFile(let file, _), .noSentences(let file):
            return file
        case .invalidUTF8(let file, let line, _, _), .crlfLineEnding(let file, let line),
             .binaryData(let file, let line, _), .tokenTooLong(let file, let line, _),
             .wrongColumnCount(let file, let line, _, _, _), .emptyField(let file, let line, _),
             .invalidTokenID(let file, let line, _, _), .invalidHead(let file, let line, _, _),
             .notATree(let file, let line, _), .malformedTag(let file, let line, _, _, _),
             .tagSequence(let file, let line, _, _, _, _), .documentSeparator(let file, let line),
             .documentSeparatorInsideSentence(let file, let line), .blankLineRun(let file, let line),
             .missingFinalBlankLine(let file, let line), .sentenceWithoutTokens(let file, let line),
             .sentenceLabelVaries(let file, let line, _, _, _), .repeatedCommentLabel(let file, let line, _),
             .textLabelLine(let file, let line, _):
            return "\(file):\(line)"
        case .invalidFormat, .unknownItem:
            return nil
        }
    }

    /// What the reader expected at `location`.
    public var expected: String {
        switch self {
        case .unreadableFile: return "a readable file"
        case .invalidUTF8: return "UTF-8 text"
        case .binaryData: return "text"
        case .tokenTooLong(_, _, let limit): return "tokens of at most \(limit) bytes"
        case .crlfLineEnding: return "lines ending in \\n"
        case .wrongColumnCount(_, _, let columns, _, _):
            return "\(columns.count) columns (\(columns.joined(separator: " ")))"
        case .emptyField(_, _, let column):
            return column == "text" ? "a non-empty token" : "a non-empty \(column) field"
        case .invalidTokenID(_, _, let expected, _): return expected
        case .invalidHead(_, _, _, let words): return "HEAD 0…\(words) (a word of the sentence other than itself, or 0 for the root)"
        case .notATree: return "a dependency tree: every word reaches the root, exactly one word has HEAD 0"
        case .malformedTag(_, _, _, let scheme, _): return scheme.tagFormDescription
        case .tagSequence(_, _, _, _, let expected, _): return expected
        case .documentSeparator: return "a token line"
        case .documentSeparatorInsideSentence: return "a blank line before -DOCSTART-"
        case .blankLineRun: return "a token line (sentences are separated by exactly one blank line)"
        case .missingFinalBlankLine: return "a blank line after the last sentence"
        case .sentenceWithoutTokens: return "token lines after the comment lines"
        case .noSentences: return "at least one sentence"
        case .invalidFormat: return "a readable format"
        case .unknownItem(_, let size): return "an item of the vocabulary (\(size) entries)"
        case .sentenceLabelVaries(_, _, let labelType, let first, _):
            return "\(labelType) \"\(first)\" on every token (a sentence label, constant over the sentence)"
        case .repeatedCommentLabel(_, _, let key): return "one `# \(key) = …` comment per sentence"
        case .textLabelLine: return "text<TAB>label (the whitespace-separated words, one tab, the sentence's label)"
        }
    }

    /// What the reader found instead.
    public var found: String {
        switch self {
        case .unreadableFile(_, let reason): return reason
        case .invalidUTF8(_, _, let offset, let byte):
            return "byte 0x\(String(byte, radix: 16, uppercase: true)) at byte offset \(offset)"
        case .crlfLineEnding: return "\\r\\n (a Windows line end)"
        case .binaryData(_, _, let offset): return "a NUL byte at byte offset \(offset) (binary data)"
        case .tokenTooLong(_, _, let limit): return "a token longer than \(limit) bytes"
        case .wrongColumnCount(_, _, _, let found, let separator): return "\(found) (separated by \(separator))"
        case .emptyField: return "an empty field"
        case .invalidTokenID(_, _, _, let found): return found
        case .invalidHead(_, _, let found, _): return found
        case .notATree(_, _, let problem): return problem
        case .malformedTag(_, _, let labelType, _, let tag): return "\"\(tag)\" in column \(labelType)"
        case .tagSequence(_, _, let labelType, _, _, let found): return "\(found) in column \(labelType)"
        case .documentSeparator: return "a -DOCSTART- document separator"
        case .documentSeparatorInsideSentence: return "-DOCSTART- inside a sentence"
        case .blankLineRun: return "a blank line"
        case .missingFinalBlankLine: return "the end of the file"
        case .sentenceWithoutTokens: return "a blank line"
        case .noSentences: return "none"
        case .invalidFormat(let reason): return reason
        case .unknownItem(let item, _): return "\"\(item)\""
        case .sentenceLabelVaries(_, _, _, _, let found): return "\"\(found)\""
        case .repeatedCommentLabel(_, _, let key): return "a second `# \(key) = …` comment"
        case .textLabelLine(_, _, let tabs): return "\(tabs) tabs"
        }
    }

    /// The setting that accepts the input instead, by its config key and value (`repair_tags`, `true`),
    /// with the edit that fixes the file; nil when no setting accepts it.
    public var acceptingSetting: (key: String, value: String, edit: String)? {
        switch self {
        case .crlfLineEnding: return ("crlf", "accept", "convert the file with `dos2unix FILE`")
        case .tagSequence: return ("repair_tags", "true", "fix the tag (or read it as conlleval does: the start of a span)")
        case .documentSeparator: return ("docstart", "skip", "remove the -DOCSTART- lines")
        case .blankLineRun: return ("blank_line_runs", "accept", "delete the extra blank line")
        case .missingFinalBlankLine: return ("missing_final_blank_line", "accept", "append an empty line (`echo >> FILE`)")
        default: return nil
        }
    }

    /// How to fix it: the `ReaderOptions` setting that accepts the input, or the edit to make.
    public var hint: String {
        switch self {
        case .unreadableFile:
            return "name a regular file this user may read (paths in a config resolve relative to the config file)"
        case .invalidUTF8:
            return "re-encode the file as UTF-8, e.g. `iconv -f LATIN1 -t UTF-8 IN > OUT`"
        case .binaryData:
            return "give a text file (UTF-8, tokens separated by spaces, tabs or line ends), not binary data"
        case .tokenTooLong:
            return "separate the words with spaces, tabs or line ends; a longer run of bytes is not a word"
        case .crlfLineEnding:
            return "convert the file with `dos2unix FILE`, or set crlf: accept (ReaderOptions.crlf = .accept)"
        case .wrongColumnCount:
            return "every token line needs one field per column of the format's column map; check the "
                + "separator (tab or whitespace) and the column names, and that sentences are separated by blank lines"
        case .emptyField:
            return "remove the doubled separator, or write `_` for a missing value"
        case .invalidTokenID:
            return "token IDs count 1, 2, 3, … within each sentence; a missing blank line between sentences also causes this"
        case .invalidHead:
            return "HEAD counts the sentence's words 1, 2, 3, … (multi-word token lines and empty nodes are not words); "
                + "write _ in every HEAD of a sentence that has no tree"
        case .notATree:
            return "fix the sentence's HEAD column, or write _ in every HEAD of a sentence that has no tree (a dependency task does not train on it)"
        case .malformedTag(_, _, let labelType, _, _):
            return "fix the label, or declare the right tag scheme (iob1, iob2, bioes) for column \(labelType) in "
                + "the format, or none if its labels are not spans; repair_tags cannot fix a malformed tag"
        case .tagSequence:
            return "fix the tag, or set repair_tags: true (ReaderOptions.repairTags = true) to rewrite ill-formed "
                + "spans the way conlleval reads them"
        case .documentSeparator:
            return "set docstart: skip (ReaderOptions.docstart = .skip) to drop document separators"
        case .documentSeparatorInsideSentence:
            return "insert a blank line before the -DOCSTART- line"
        case .blankLineRun:
            return "delete the extra blank line, or set blank_line_runs: accept (ReaderOptions.blankLineRuns = .accept)"
        case .missingFinalBlankLine:
            return "append an empty line (`echo >> FILE`), or set missing_final_blank_line: accept "
                + "(ReaderOptions.missingFinalBlankLine = .accept)"
        case .sentenceWithoutTokens:
            return "remove the orphan comment lines or add the sentence's token lines"
        case .noSentences:
            return "check that the path names the right file and that the format matches it"
        case .invalidFormat:
            return "name exactly one column text, give every other column a distinct name, and use - or _ for ignored columns"
        case .unknownItem:
            return "build the vocabulary with an unknown entry (specials [\"<unk>\"]) or from data that contains the item"
        case .sentenceLabelVaries(_, _, let labelType, _, _):
            return "give every token of the sentence the same \(labelType) value, or train \(labelType) as a tagging task (kind: tagging)"
        case .repeatedCommentLabel(_, _, let key):
            return "keep one `# \(key) = …` line per sentence"
        case .textLabelLine:
            return "write each sentence on one line as its words, a tab and its label (no tab inside the text or the label)"
        }
    }

    /// `file:line: expected …, found …. Hint: …`.
    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)expected \(expected), found \(found). Hint: \(hint)."
    }
}
