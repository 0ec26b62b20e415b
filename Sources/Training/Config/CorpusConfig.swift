import Foundation

/// One corpus of a run config (`corpora.<name>` in YAML): its file format, column map and paths.
///
/// ```yaml
/// conll03:
///   format: columns                      # columns | conllu | iob2
///   columns: [text, pos, chunk, ner]     # columns format only; exactly one `text`; `-` ignores a column
///   separator: whitespace                # whitespace | tab (columns format only)
///   train: conll03/train.txt             # required
///   dev: conll03/dev.txt                 # optional
///   test: null                           # optional
///   docstart: error                      # error | skip
///   crlf: error                          # error | accept
///   blank_line_runs: error               # error | accept
///   missing_final_blank_line: error      # error | accept (a last sentence not followed by a blank line)
///   repair_tags: false
/// ```
/// Paths stay as written here; `ResolvedConfig.corpusFiles` holds them resolved to absolute URLs.
public struct CorpusConfig: Codable, Equatable {
    /// How a corpus file is laid out.
    public enum Format: String, Codable, CaseIterable {
        /// One token per line, columns named by `columns`, blank line between sentences.
        case columns
        /// CoNLL-U (10 tab-separated fields; labels `upos`, `xpos`, `feats`, `lemma`, `deprel`).
        case conllu
        /// Universal NER `.iob2` (index, token, tag, …; label `ner`).
        case iob2
    }

    /// What separates columns in the `columns` format.
    public enum Separator: String, Codable, CaseIterable {
        /// Any run of spaces or tabs.
        case whitespace
        /// Exactly one tab (tokens may contain spaces).
        case tab
    }

    /// What to do with `-DOCSTART-` lines.
    public enum DocstartPolicy: String, Codable, CaseIterable {
        /// Reject the file.
        case error
        /// Drop the line and its sentence.
        case skip
    }

    /// Whether a malformation (CRLF line ends, runs of blank lines) is rejected or accepted.
    public enum Tolerance: String, Codable, CaseIterable {
        /// Reject the file with the line number.
        case error
        /// Accept and normalise it.
        case accept
    }

    /// The column name that marks the token column.
    public static let textColumn = "text"
    /// The column name that ignores a column.
    public static let ignoredColumn = "-"
    /// The labels a task may read from a CoNLL-U corpus.
    public static let conlluLabels = ["upos", "xpos", "feats", "lemma", "deprel"]
    /// The labels a task may read from an `.iob2` corpus.
    public static let iob2Labels = ["ner"]

    /// The file format.
    public var format: Format
    /// Column names in file order (`columns` format only, else `nil`): exactly one `text`, `-` ignored.
    public var columns: [String]?
    /// Column separator (`columns` format only, else `nil`; defaults to `whitespace` there).
    public var separator: Separator?
    /// Training file path as written (relative to `data_dir`, else to the config file's folder).
    public var train: String
    /// Development file path as written, if any.
    public var dev: String?
    /// Test file path as written, if any.
    public var test: String?
    /// What to do with `-DOCSTART-` lines.
    public var docstart: DocstartPolicy
    /// Whether CRLF line ends are accepted.
    public var crlf: Tolerance
    /// Whether runs of several blank lines are accepted.
    public var blankLineRuns: Tolerance
    /// Whether a last sentence without its closing blank line is accepted.
    public var missingFinalBlankLine: Tolerance
    /// Whether invalid BIO sequences (`O I-X`) are repaired instead of rejected.
    public var repairTags: Bool

    /// A corpus with every optional key at its default.
    public init(format: Format = .columns, columns: [String]? = nil, separator: Separator? = nil, train: String,
                dev: String? = nil, test: String? = nil, docstart: DocstartPolicy = .error,
                crlf: Tolerance = .error, blankLineRuns: Tolerance = .error, missingFinalBlankLine: Tolerance = .error,
                repairTags: Bool = false) {
        self.format = format
        self.columns = columns
        self.separator = separator ?? (format == .columns ? .whitespace : nil)
        self.train = train
        self.dev = dev
        self.test = test
        self.docstart = docstart
        self.crlf = crlf
        self.blankLineRuns = blankLineRuns
        self.missingFinalBlankLine = missingFinalBlankLine
        self.repairTags = repairTags
    }

    /// The label names a task may use with this corpus: the named non-`text`, non-`-` columns for the
    /// `columns` format, `conlluLabels` or `iob2Labels` for the others.
    public var labelNames: [String] {
        switch format {
        case .columns:
            return (columns ?? []).filter { $0 != CorpusConfig.textColumn && $0 != CorpusConfig.ignoredColumn }
        case .conllu:
            return CorpusConfig.conlluLabels
        case .iob2:
            return CorpusConfig.iob2Labels
        }
    }

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case format, columns, separator, train, dev, test, docstart, crlf
        case blankLineRuns = "blank_line_runs"
        case missingFinalBlankLine = "missing_final_blank_line"
        case repairTags = "repair_tags"
    }

    /// Decodes `corpora.<name>`, rejecting unknown keys and impossible values (see `ConfigError`).
    public init(from decoder: Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        format = try section.choice(.format, default: .columns)
        if format == .columns {
            let names: [String] = try section.required(
                .columns, expected: "a list of column names with exactly one `text`, e.g. [text, pos, chunk, ner]")
            try CorpusConfig.checkColumns(names, section)
            columns = names
            separator = try section.choice(.separator, default: Separator.whitespace)
        } else {
            for key in [CodingKeys.columns, .separator] where section.container.contains(key) {
                throw section.invalid(key, found: "\(key.stringValue) for format \(format.rawValue)",
                                      allowed: "\(key.stringValue) only with format: columns",
                                      hint: "remove \(section.keyPath(key)); the \(format.rawValue) format fixes its columns.")
            }
            columns = nil
            separator = nil
        }
        train = try section.required(.train, expected: "the training file's path (relative to data_dir or the config file)")
        dev = try section.optional(.dev, default: nil)
        test = try section.optional(.test, default: nil)
        for (key, path) in [(CodingKeys.train, Optional(train)), (.dev, dev), (.test, test)] where path?.isEmpty == true {
            throw section.invalid(key, found: "an empty path", allowed: "a file path, or null",
                                  hint: "write the file's path, or remove \(section.keyPath(key)).")
        }
        docstart = try section.choice(.docstart, default: .error)
        crlf = try section.choice(.crlf, default: .error)
        blankLineRuns = try section.choice(.blankLineRuns, default: .error)
        missingFinalBlankLine = try section.choice(.missingFinalBlankLine, default: .error)
        repairTags = try section.value(.repairTags, default: false)
    }

    private static func checkColumns(_ names: [String], _ section: ConfigSection<CodingKeys>) throws {
        let allowed = "exactly one `text` column; every other name is a label column, `-` ignores a column"
        let listed = "[" + names.joined(separator: ", ") + "]"
        let textCount = names.filter { $0 == textColumn }.count
        try section.check(textCount == 1, .columns, found: "\(listed) with \(textCount) `text` columns", allowed: allowed,
                          hint: "name the token column `text` once, e.g. columns: [text, pos, chunk, ner].")
        if let empty = names.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
            throw section.invalid(.columns, found: "\(listed) with an empty name at position \(empty)", allowed: allowed,
                                  hint: "name every column, or write `-` for a column to ignore.")
        }
        var seen = Set<String>()
        for name in names where name != ignoredColumn && !seen.insert(name).inserted {
            throw section.invalid(.columns, found: "\(listed) with `\(name)` twice", allowed: "unique column names",
                                  hint: "rename one of the `\(name)` columns, or ignore it with `-`.")
        }
    }

    /// Encodes every key (`null` for absent paths; `columns`/`separator` only for the columns format).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(format, forKey: .format)
        try container.encodeIfPresent(columns, forKey: .columns)
        try container.encodeIfPresent(separator, forKey: .separator)
        try container.encode(train, forKey: .train)
        try container.encodeOrNull(dev, forKey: .dev)
        try container.encodeOrNull(test, forKey: .test)
        try container.encode(docstart, forKey: .docstart)
        try container.encode(crlf, forKey: .crlf)
        try container.encode(blankLineRuns, forKey: .blankLineRuns)
        try container.encode(missingFinalBlankLine, forKey: .missingFinalBlankLine)
        try container.encode(repairTags, forKey: .repairTags)
    }
}
