/// Where a sentence starts in its file, for messages: `train.txt:1042`.
public struct SourceLocation: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The file name as given to the reader (a path's last component, or the `fileName:` argument).
    public var file: String
    /// 1-based number of the sentence's first line (its first comment line, or its first token line).
    public var line: Int

    /// A location `file:line`.
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    /// `file:line`.
    public var description: String { "\(file):\(line)" }
}

/// One tokenised sentence with any number of label sequences.
///
/// `tokens` has length T; every entry of `labels` has length T too (`labels["ner"]![t]` labels
/// `tokens[t]`). Label types are the column names of the format (`"pos"`, `"chunk"`, `"ner"`) or,
/// for CoNLL-U, `"upos"`, `"xpos"`, `"feats"`, `"lemma"`, `"deprel"`.
public struct Sentence: Hashable, Codable, Sendable {
    /// The T tokens (word forms), in order.
    public var tokens: [String]
    /// Label sequences by label type, each of length T.
    public var labels: [String: [String]]
    /// Where the sentence starts in its file.
    public var source: SourceLocation
    /// The `# sent_id = …` comment's value, if the file has one for this sentence.
    public var id: String?
    /// The multi-task ids (`multitask_id`s) this sentence trains; set by the multi-task layer.
    public var taskIDs: Set<String>

    /// A sentence; `labels` values must have `tokens.count` entries each (checked by precondition:
    /// the readers build sentences only after checking column counts).
    public init(tokens: [String], labels: [String: [String]] = [:], source: SourceLocation,
                id: String? = nil, taskIDs: Set<String> = []) {
        for (type, sequence) in labels {
            precondition(sequence.count == tokens.count,
                         "Sentence at \(source): label type \(type) has \(sequence.count) labels for \(tokens.count) tokens")
        }
        self.tokens = tokens
        self.labels = labels
        self.source = source
        self.id = id
        self.taskIDs = taskIDs
    }

    /// Number of tokens T.
    public var count: Int { tokens.count }

    /// The label types this sentence carries, sorted.
    public var labelTypes: [String] { labels.keys.sorted() }

    /// The labels of one type (length T), or nil when the sentence does not carry that type.
    public func labels(_ type: String) -> [String]? { labels[type] }
}
