import CoNLL
import Foundation
import Yams

/// One corpus of a run config (`corpora.<name>` in YAML): its file format, column map, paths and how
/// strictly its files are read. Every key but `train` (and `columns` for the columns format) has a
/// default; paths stay as written (`ResolvedConfig.corpusFiles` holds them resolved).
public struct CorpusConfig: Codable, Equatable {
    /// How a corpus file is laid out.
    public enum Format: String, Codable, CaseIterable {
        /// One token per line, columns named by `columns`, blank line between sentences.
        case columns
        /// CoNLL-U (10 tab-separated fields; labels `upos`, `xpos`, `feats`, `lemma`, `deprel`).
        case conllu
        /// Universal NER `.iob2` (index, token, tag, …; label `ner`).
        case iob2
        /// One sentence per line: whitespace-separated words, a tab, the sentence's label (label `label`).
        case textLabel = "text_label"
    }

    /// The column names that mark the token column and an ignored column.
    static let textColumn = "text", ignoredColumn = "-"
    /// The labels a task may read from a CoNLL-U corpus and from an `.iob2` corpus.
    static let conlluLabels = ["upos", "xpos", "feats", "lemma", "deprel"], iob2Labels = ["ner"]

    // The keys, in YAML order; what each means is in `meanings` below.
    public var format: Format
    public var columns: [String]?
    public var separator: ColumnFormat.Separator?
    public var train: String
    public var dev: String?
    public var test: String?
    public var docstart: ReaderOptions.DocStartPolicy
    public var crlf: ReaderOptions.Leniency
    public var blankLineRuns: ReaderOptions.Leniency
    public var missingFinalBlankLine: ReaderOptions.Leniency
    public var repairTags: Bool
    public var maxFileMB: Int?
    public var commentLabels: [String]?
    public var sentIDPrefixLabel: String?

    /// The bound `maxFileMB` sets, in bytes.
    public var maxFileBytes: Int { (maxFileMB ?? CorpusConfig.defaultMaxFileMB) << 20 }
    /// `max_file_mb` when unset: 256 MiB.
    public static let defaultMaxFileMB = 256

    /// A corpus; `separator` defaults to `whitespace` for the columns format.
    public init(format: Format = .columns, columns: [String]? = nil, separator: ColumnFormat.Separator? = nil,
                train: String, dev: String? = nil, test: String? = nil, docstart: ReaderOptions.DocStartPolicy = .error,
                crlf: ReaderOptions.Leniency = .error, blankLineRuns: ReaderOptions.Leniency = .error,
                missingFinalBlankLine: ReaderOptions.Leniency = .accept, repairTags: Bool = true,
                maxFileMB: Int? = CorpusConfig.defaultMaxFileMB, commentLabels: [String]? = nil, sentIDPrefixLabel: String? = nil) {
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
        self.maxFileMB = maxFileMB
        self.commentLabels = commentLabels
        self.sentIDPrefixLabel = sentIDPrefixLabel
    }

    /// The label names a task may use with this corpus: the named non-`text`, non-`-` columns for the
    /// `columns` format, `conlluLabels`, `iob2Labels` or `label` for the others, then the sentence
    /// labels of comments (`commentLabels`, `sentIDPrefixLabel`).
    public var labelNames: [String] {
        columnLabelNames + sentenceLabelNames
    }

    /// The labels read from comments: one per sentence.
    public var sentenceLabelNames: [String] {
        (commentLabels ?? []) + (sentIDPrefixLabel.map { [$0] } ?? [])
    }

    /// The labels of the file's columns (without the comment labels).
    public var columnLabelNames: [String] {
        switch format {
        case .columns: return (columns ?? []).filter { $0 != CorpusConfig.textColumn && $0 != CorpusConfig.ignoredColumn }
        case .conllu: return CorpusConfig.conlluLabels
        case .iob2: return CorpusConfig.iob2Labels
        case .textLabel: return [CoNLLFormat.textLabelType]
        }
    }

    /// Whether the format has `#` comment lines (columns: only tab-separated ones).
    public var hasComments: Bool {
        switch format {
        case .conllu, .iob2: return true
        case .columns: return separator == .tab
        case .textLabel: return false
        }
    }

    /// How strictly the corpus files are read.
    public var readerOptions: ReaderOptions {
        ReaderOptions(docstart: docstart, crlf: crlf, blankLineRuns: blankLineRuns,
                      missingFinalBlankLine: missingFinalBlankLine, repairTags: repairTags)
    }

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case format, columns, separator, train, dev, test, docstart, crlf, blankLineRuns = "blank_line_runs"
        case missingFinalBlankLine = "missing_final_blank_line", repairTags = "repair_tags", maxFileMB = "max_file_mb"
        case commentLabels = "comment_labels", sentIDPrefixLabel = "sent_id_prefix_label"
    }
}

extension CorpusConfig: ConfigSection {
    /// What each key means: the text `mtl-dist config reference` and docs/CONFIG.md print beside
    /// its type and default (the one place it is written).
    static let meanings: [CodingKeys: String] = [
        .format:
            "The file format: `columns`, `conllu`, `iob2` or `text_label` (one sentence per line: its words, a tab, its label; label name `label`, for classification tasks).",
        .columns:
            "Column names in file order, e.g. `[text, pos, chunk, ner]` (columns format only, and required there): exactly one `text`, the others label columns, `-` ignores a column.",
        .separator:
            "`whitespace` (the default) or `tab` (columns format only).",
        .train:
            "Training file path (relative to `data_dir`, else to the config file's folder); required.",
        .dev:
            "Development file path, if any.",
        .test:
            "Test file path, if any: read and checked before training, and the best model is scored on it at the end (predictions in OUTPUT/predictions/).",
        .docstart:
            "`-DOCSTART-` lines: `error` or `skip`.",
        .crlf:
            "CRLF line ends: `error` or `accept`.",
        .blankLineRuns:
            "Runs of several blank lines: `error` or `accept`.",
        .missingFinalBlankLine:
            "A last sentence not followed by a blank line: `accept` (the default, as most hand-edited files end) or `error`.",
        .repairTags:
            "Whether ill-formed spans (`I-X` after `O`) are read as conlleval and seqeval read them, as the start of a span (`true`, the default; the log counts them and names the first), or refused.",
        .maxFileMB:
            "The largest data file of this corpus, in MiB (1 to 1048576): a larger file is refused before any of it is read, with the `--set` that raises the bound.",
        .commentLabels:
            "Keys of `# key = value` comments read as sentence labels of that name (classification tasks), e.g. `[genre]` (conllu, iob2 and tab-separated columns); a sentence without the comment does not carry the label.",
        .sentIDPrefixLabel:
            "A sentence label of this name read from each `# sent_id = …` comment: the id's part before its first `-` (UD English EWT's genre: `weblog-juancole.com_…-0001` is `weblog`); a sentence without such an id does not carry it. Null: none.",
    ]
    static let defaults = CorpusConfig(train: "")
    static let required: [CodingKeys: String] = [.train: "the training file's path (relative to data_dir or the config file)"]

    /// `separator` follows the written format as in `init`: whitespace for columns, none otherwise.
    static func dependentDefaults(written: [String: Node], soleCorpus: String?) -> [String: Node] {
        let format = written[CodingKeys.format.stringValue]?.string.flatMap(Format.init(rawValue:)) ?? defaults.format
        let separator = CorpusConfig(format: format, train: "").separator
        return [CodingKeys.separator.stringValue: separator.map { Node($0.rawValue) } ?? .yamlNull]
    }

    func validate(_ rules: ConfigRules<CodingKeys>) throws {
        for (key, isSet) in [(CodingKeys.columns, columns != nil), (.separator, separator != nil)] where format != .columns {
            try rules.check(!isSet, key, found: "\(key.stringValue) for format \(format.rawValue)",
                            allowed: "\(key.stringValue) only with format: columns",
                            hint: "remove \(rules.keyPath(key)); the \(format.rawValue) format fixes its columns.")
        }
        if format == .columns, columns == nil {
            throw ConfigError.missingKey(file: rules.file, keyPath: rules.keyPath(.columns),
                                         expected: "a list of column names with exactly one `text`, e.g. [text, pos, chunk, ner]")
        }
        let names = columns ?? [], listed = "[" + names.joined(separator: ", ") + "]"
        let allowed = "exactly one `text` column; every other name is a label column, `-` ignores a column"
        let texts = names.filter { $0 == CorpusConfig.textColumn }.count
        try rules.check(texts == 1 || columns == nil, .columns, found: "\(listed) with \(texts) `text` columns", allowed: allowed,
                        hint: "name the token column `text` once, e.g. columns: [text, pos, chunk, ner].")
        let empty = names.firstIndex { $0.trimmingCharacters(in: .whitespaces).isEmpty }
        try rules.check(empty == nil, .columns, found: "\(listed) with an empty name at position \(empty ?? 0)", allowed: allowed,
                        hint: "name every column, or write `-` for a column to ignore.")
        var seen = Set<String>()
        for name in names where name != CorpusConfig.ignoredColumn && !seen.insert(name).inserted {
            try rules.check(false, .columns, found: "\(listed) with `\(name)` twice", allowed: "unique column names",
                            hint: "rename one of the `\(name)` columns, or ignore it with `-`.")
        }
        try validateCommentLabels(rules)
        try rules.integer(.maxFileMB, maxFileMB, atLeast: 1, atMost: 1 << 20, why: "reading a file holds several times its size in memory",
                          hint: "set \(rules.keyPath(.maxFileMB)) to the largest file's size in MiB (default \(CorpusConfig.defaultMaxFileMB)).")
        for (key, path) in [(CodingKeys.train, Optional(train)), (.dev, dev), (.test, test)] {
            try rules.path(key, path, allowed: "a file path, or null", hint: "write the file's path, or remove \(rules.keyPath(key)).")
        }
    }

    /// Comment labels: a format with comments, distinct names that are not column labels, no `=` or spaces.
    private func validateCommentLabels(_ rules: ConfigRules<CodingKeys>) throws {
        for (key, isSet) in [(CodingKeys.commentLabels, !(commentLabels ?? []).isEmpty), (.sentIDPrefixLabel, sentIDPrefixLabel != nil)] {
            try rules.check(hasComments || !isSet, key, found: "\(key.stringValue) for format \(format.rawValue)"
                                + (format == .columns ? " with separator \((separator ?? .whitespace).rawValue)" : ""),
                            allowed: "conllu, iob2 or tab-separated columns (formats with `#` comment lines)",
                            hint: "remove \(rules.keyPath(key)), or use a format with comments.")
        }
        var seen = Set<String>()
        for key in sentenceLabelNames {
            let plain = !key.isEmpty && !key.contains { $0 == "=" || $0 == " " || $0 == "\t" || $0 == "#" }
            try rules.check(plain, .commentLabels, found: "\"\(key)\"", allowed: "label names without `=`, `#` or white space",
                            hint: "write the key as the comment writes it: `# genre = x` has the key genre.")
            try rules.check(!columnLabelNames.contains(key) && seen.insert(key).inserted, .commentLabels,
                            found: "`\(key)` twice (or also a column label)", allowed: "names distinct from each other and from the column labels",
                            hint: "rename the comment label or the column.")
        }
    }
}
