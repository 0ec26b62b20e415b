/// A corpus file format: one token per line, sentences separated by one blank line.
public enum CoNLLFormat: Equatable, Sendable {
    /// Column files described by a column map (CoNLL-2003, Universal NER `.iob2`, TSV).
    case columns(ColumnFormat)
    /// CoNLL-U (10 tab-separated columns). Labels: `upos`, `xpos`, `feats`, `lemma`, `head`, `deprel`.
    /// Multi-word token ranges (`N-M`, N the next word's ID) and empty nodes (`8.1`) are skipped, so
    /// tokens are syntactic words, as the CoNLL 2018 evaluation script counts them; `#` lines are
    /// comments (word lines start with an ID, so a `#` token is a token). `head` holds HEAD as
    /// written, each a word ID of the sentence other than the word's own, or `0` for the root
    /// (`CoNLLError.invalidHead` otherwise); a sentence whose HEADs are all `_` carries no `head`.
    case conllu
    /// One sentence per line: its whitespace-separated words, a tab and the sentence's label, read as
    /// the label type `textLabelType` on every token (a classification task's source). Blank lines
    /// are refused (or skipped with `blankLineRuns: .accept`); `#` starts no comment.
    case textLabel

    /// The label type of a `textLabel` file's label.
    public static let textLabelType = "label"

    /// CoNLL-2003 (`token POS chunk NER`, whitespace-separated; chunk and NER in IOB2).
    public static let conll03 = CoNLLFormat.columns(.conll03)
    /// Universal NER `.iob2` (index, token, NER in IOB2, `-`, annotator; tab-separated; `#` comments).
    public static let universalNER = CoNLLFormat.columns(.universalNER)
    /// The joined EWT file (`token<TAB>UPOS<TAB>NER`, `# sent_id` comment lines without tabs).
    public static let ewtNERPOS = CoNLLFormat.columns(.ewtNERPOS)

    /// CoNLL-U column names in file order; the labels kept are `upos`, `xpos`, `feats`, `lemma`, `head`, `deprel`.
    public static let conlluColumns = ["id", "form", "lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc"]
}

/// The column map of a column file: what each field of a token line is.
///
/// Column names: exactly one `text` (the token); `id` for a token index column that must count
/// 1, 2, 3, … within each sentence; `-` or `_` for ignored columns; every other name is a label type
/// (`pos`, `chunk`, `ner`, `upos`), distinct. Config keys: `columns`, `separator`, `comments`, `tag_schemes`.
public struct ColumnFormat: Equatable, Codable, Sendable {
    /// How fields are separated.
    public enum Separator: String, Codable, Sendable, CaseIterable {
        /// Runs of spaces and tabs; leading and trailing whitespace ignored (CoNLL-2003).
        case whitespace
        /// Exactly one tab between fields; fields may contain spaces; an empty field is an error.
        case tab

        /// For messages.
        var name: String { self == .tab ? "tabs" : "whitespace" }
    }

    /// Which lines are comments (and may carry `# sent_id = …`).
    public enum CommentStyle: String, Codable, Sendable {
        /// No comments: every non-blank line is a token line.
        case none
        /// A line starting with `#` is a comment (use when token lines start with an index).
        case hash
        /// A line starting with `#` that contains no separator is a comment; `#<TAB>SYM<TAB>O` is a
        /// token line whose token is `#`.
        case hashWithoutSeparator = "hash_without_separator"
    }

    /// Column names in file order.
    public var columns: [String]
    /// Field separator.
    public var separator: Separator
    /// Comment lines.
    public var comments: CommentStyle
    /// Tag scheme per label type whose labels are spans (`["ner": .iob2]`); those labels are validated
    /// (and repaired when `ReaderOptions.repairTags`). Label types not listed are free labels.
    public var tagSchemes: [String: TagScheme]

    /// A column map.
    public init(columns: [String], separator: Separator = .whitespace, comments: CommentStyle = .none,
                tagSchemes: [String: TagScheme] = [:]) {
        self.columns = columns
        self.separator = separator
        self.comments = comments
        self.tagSchemes = tagSchemes
    }

    /// CoNLL-2003: `text pos chunk ner`, whitespace, no comments; chunk and NER in IOB2.
    public static let conll03 = ColumnFormat(columns: ["text", "pos", "chunk", "ner"], separator: .whitespace,
                                             comments: .none, tagSchemes: ["chunk": .iob2, "ner": .iob2])
    /// Universal NER `.iob2`: `id text ner - -` (index, token, NER, `-`, annotator), tabs, `#` comments.
    public static let universalNER = ColumnFormat(columns: ["id", "text", "ner", "-", "-"], separator: .tab,
                                                  comments: .hash, tagSchemes: ["ner": .iob2])
    /// Joined EWT NER+POS: `text upos ner`, tabs, comments are `#` lines without a tab.
    public static let ewtNERPOS = ColumnFormat(columns: ["text", "upos", "ner"], separator: .tab,
                                               comments: .hashWithoutSeparator, tagSchemes: ["ner": .iob2])

    /// Whether a column name marks an ignored column.
    static func isIgnored(_ name: String) -> Bool { name == "-" || name == "_" }

    /// The label types (columns other than `text`, `id` and ignored ones), in column order.
    public var labelTypes: [String] {
        columns.filter { $0 != "text" && $0 != "id" && !Self.isIgnored($0) }
    }

    /// Throws `CoNLLError.invalidFormat` unless there is exactly one `text` column, at most one `id`,
    /// distinct label names, and every tag scheme names a label column.
    public func validate() throws {
        let texts = columns.filter { $0 == "text" }.count
        guard texts == 1 else {
            throw CoNLLError.invalidFormat(reason: "columns [\(columns.joined(separator: ", "))] have \(texts) text columns, need exactly 1")
        }
        guard columns.filter({ $0 == "id" }).count <= 1 else {
            throw CoNLLError.invalidFormat(reason: "columns [\(columns.joined(separator: ", "))] have more than one id column")
        }
        let labels = labelTypes
        if let empty = columns.firstIndex(where: \.isEmpty) {
            throw CoNLLError.invalidFormat(reason: "column \(empty + 1) has an empty name")
        }
        if Set(labels).count != labels.count {
            throw CoNLLError.invalidFormat(reason: "columns [\(columns.joined(separator: ", "))] repeat a label name")
        }
        for type in tagSchemes.keys.sorted() where !labels.contains(type) {
            throw CoNLLError.invalidFormat(reason: "tag scheme given for \(type), which is not a label column of [\(columns.joined(separator: ", "))]")
        }
    }

    enum CodingKeys: String, CodingKey {
        case columns, separator, comments
        case tagSchemes = "tag_schemes"
    }

    /// Decodes the snake_case keys; `separator` defaults to whitespace, `comments` to none,
    /// `tag_schemes` to none.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(columns: try c.decode([String].self, forKey: .columns),
                  separator: try c.decodeIfPresent(Separator.self, forKey: .separator) ?? .whitespace,
                  comments: try c.decodeIfPresent(CommentStyle.self, forKey: .comments) ?? CommentStyle.none,
                  tagSchemes: try c.decodeIfPresent([String: TagScheme].self, forKey: .tagSchemes) ?? [:])
    }
}
