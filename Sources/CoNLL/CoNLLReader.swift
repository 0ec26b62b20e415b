import Foundation

/// Reads CoNLL-style corpus files (column files, CoNLL-U, Universal NER) into `Sentence`s.
///
/// Sentences are runs of token lines separated by exactly one blank line; the last sentence is
/// followed by a blank line too. Malformed input throws a `CoNLLError` with file and line, never
/// crashes and never drops a sentence; what counts as malformed is set by `ReaderOptions` (strict
/// by default). Input must be UTF-8 (a leading byte-order mark is dropped). Cost: O(bytes).
///
///     let result = try CoNLLReader(format: .conll03).read(contentsOf: url)
///     result.sentences[0].labels["ner"]   // ["B-ORG", "O", "B-MISC", …]
public struct CoNLLReader: Sendable {
    /// The file format.
    public var format: CoNLLFormat
    /// Strictness settings.
    public var options: ReaderOptions
    /// Keys of `# key = value` comments read as sentence labels: label type `key` with `value` on
    /// every token of the sentence that follows (a classification task's source). A key written
    /// twice for one sentence is an error; a sentence without the comment does not carry the label.
    public var commentLabels: Set<String>
    /// Label columns that hold one label per sentence (classification tasks'): a value that changes
    /// within a sentence is an error naming the line.
    public var sentenceLabelColumns: Set<String>
    /// A label type read from each sentence's `# sent_id = …`: the part of the id before its first
    /// `-` (UD English EWT's genre: `weblog-juancole.com_…-0001` → `weblog`). A sentence without an id,
    /// or whose id has no `-`, does not carry it. Nil: none.
    public var sentIDPrefixLabel: String?

    /// A reader for `format` with `options` (strict by default).
    public init(format: CoNLLFormat, options: ReaderOptions = .strict, commentLabels: Set<String> = [],
                sentenceLabelColumns: Set<String> = [], sentIDPrefixLabel: String? = nil) {
        self.format = format
        self.options = options
        self.commentLabels = commentLabels
        self.sentenceLabelColumns = sentenceLabelColumns
        self.sentIDPrefixLabel = sentIDPrefixLabel
    }

    /// Reads the file at `url`; messages name it by its last path component. The file is read in
    /// chunks of `chunkSize` bytes and parsed as it comes: the first malformed line (or byte that is
    /// not UTF-8) stops the read there, without reading the rest.
    public func read(contentsOf url: URL, chunkSize: Int = 4 << 20) throws -> ReadResult {
        let fileName = url.lastPathComponent
        if case .columns(let columns) = format { try columns.validate() }
        var splitter = LineSplitter(parser: parser(fileName: fileName), fileName: fileName)
        var bytes = 0
        try InputFile.forEachChunk(path: url.path, size: chunkSize) { chunk in
            bytes += chunk.count
            try splitter.consume(chunk)
        }
        return try result(of: &splitter, bytes: bytes, fileName: fileName)
    }

    /// Reads `data`, which must be UTF-8; `fileName` is used in messages.
    public func read(data: Data, fileName: String) throws -> ReadResult {
        try data.withUnsafeBytes { try parse($0.bindMemory(to: UInt8.self), fileName: fileName) }
    }

    /// Reads `text`; `fileName` is used in messages.
    public func read(text: String, fileName: String) throws -> ReadResult {
        var text = text
        return try text.withUTF8 { try parse($0, fileName: fileName) }
    }

    /// Splits `bytes` into lines and hands them to a `LineParser`.
    private func parse(_ bytes: UnsafeBufferPointer<UInt8>, fileName: String) throws -> ReadResult {
        if case .columns(let columns) = format { try columns.validate() }
        var splitter = LineSplitter(parser: parser(fileName: fileName), fileName: fileName)
        try splitter.consume(bytes)
        return try result(of: &splitter, bytes: bytes.count, fileName: fileName)
    }

    /// The line parser of one file.
    private func parser(fileName: String) -> LineParser {
        LineParser(format: format, options: options, fileName: fileName, commentLabels: commentLabels,
                   sentenceLabelColumns: sentenceLabelColumns, sentIDPrefixLabel: sentIDPrefixLabel)
    }

    /// The sentences and report once `splitter` has had all `bytes` of the file.
    private func result(of splitter: inout LineSplitter, bytes: Int, fileName: String) throws -> ReadResult {
        guard bytes > 0 else { throw CoNLLError.noSentences(file: fileName) }
        try splitter.finish()
        guard !splitter.parser.sentences.isEmpty else { throw CoNLLError.noSentences(file: fileName) }
        return ReadResult(sentences: splitter.parser.sentences, report: splitter.parser.report)
    }
}

/// Offset and value of the first byte that does not belong to a valid UTF-8 sequence (RFC 3629:
/// no overlong forms, no surrogates, nothing above U+10FFFF); (count, 0) if all are valid.
func firstInvalidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> (offset: Int, byte: UInt8) {
    var i = 0
    let n = bytes.count
    while i < n {
        let b = bytes[i]
        // (length, allowed range of the second byte) by lead byte.
        let length: Int
        var low: UInt8 = 0x80, high: UInt8 = 0xBF
        switch b {
        case 0x00...0x7F: i += 1; continue
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return (i, b)
        }
        for k in 1..<length {
            guard i + k < n else { return (i, b) }
            let c = bytes[i + k]
            let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
            guard c >= lo && c <= hi else { return (i, b) }
        }
        i += length
    }
    return (n, 0)
}
