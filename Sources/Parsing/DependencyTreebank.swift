import Foundation
import RegularFiles

/// A CoNLL-U file read for dependency parsing and lemmatisation: its sentences' syntactic words with
/// FORM, LEMMA, HEAD and DEPREL, checked as the CoNLL 2018 shared task's evaluation script
/// (`conll18_ud_eval.py`, `load_conllu`) checks them.
///
/// Rules (the script's, made a little stricter where it would crash or misread):
/// - Comment lines (`#`) may only come before a sentence's first word line; `# sent_id = X` names it.
/// - Every other line of a sentence has 10 tab-separated columns; a trailing `\r` is dropped.
/// - An empty node (an ID with `.`, e.g. `8.1`) is skipped. A multi-word token line (ID `a-b`) is
///   skipped; its words follow as ordinary lines (here a must be the next word ID and b ≥ a).
/// - Word IDs count 1, 2, 3, …; HEAD is a number 0…W; FORM with its Unicode space separators (Zs)
///   removed is not empty.
/// - A blank line ends a sentence, whose HEADs must form a tree with exactly one word attached to
///   the root; a blank line outside a sentence, and a file not ending in a blank line, are errors.
/// Bounds: the file at most `maxFileBytes`, a line at most `maxLineBytes`, a sentence at most
/// `maxWords` words. Every error names the file and line.
public struct DependencyTreebank: Sendable {
    /// The largest file read (1 GiB).
    public static let maxFileBytes = 1 << 30
    /// The longest line read (64 KiB).
    public static let maxLineBytes = 1 << 16
    /// The most words in a sentence: the most `TreeDecoder` decodes.
    public static let maxWords = TreeDecoder.maxRows - 1

    /// The file's name (last path component), as errors name it.
    public var file: String
    /// The sentences, in file order.
    public var sentences: [DependencyTree]
    /// Multi-word token lines (`a-b`) skipped.
    public var skippedMultiwordTokens = 0
    /// Empty-node lines (`a.b`) skipped.
    public var skippedEmptyNodes = 0

    /// Reads the CoNLL-U file at `path`. Throws `ParsingError` (naming the file and line) when the
    /// file cannot be read, is too large or breaks a rule above.
    public init(contentsOf path: String) throws {
        let name = URL(fileURLWithPath: path).lastPathComponent
        var reader = Reader(file: name)
        do {
            let size = try RegularFile.size(path)
            guard size <= Self.maxFileBytes else {
                throw ParsingError.unreadableFile(file: name, reason: "\(size) bytes, more than the \(Self.maxFileBytes) read")
            }
            try RegularFile.forEachLine(of: path, maxLineBytes: Self.maxLineBytes) { number, bytes in
                try reader.consume(bytes, number: number)
            }
        } catch let problem as FileProblem {
            throw ParsingError.unreadableFile(file: name, reason: problem.reason)
        }
        try reader.finish()
        self.init(reader)
    }

    /// Reads CoNLL-U `text`; `fileName` names it in errors.
    public init(text: String, fileName: String) throws {
        var reader = Reader(file: fileName)
        var number = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            // a final newline ends the last line; nothing follows it
            if line.isEmpty && line.endIndex == text.endIndex { break }
            let bytes = Array(line.utf8)
            guard bytes.count <= Self.maxLineBytes else {
                throw ParsingError.unreadableFile(file: fileName, reason: "line \(number) is longer than \(Self.maxLineBytes) bytes")
            }
            try bytes.withUnsafeBytes { try reader.consume($0, number: number) }
        }
        try reader.finish()
        self.init(reader)
    }

    private init(_ reader: Reader) {
        file = reader.file
        sentences = reader.sentences
        skippedMultiwordTokens = reader.skippedMultiwordTokens
        skippedEmptyNodes = reader.skippedEmptyNodes
    }

    /// Number of words over all sentences.
    public var wordCount: Int { sentences.reduce(0) { $0 + $1.words.count } }
}

/// The line-by-line state machine behind `DependencyTreebank`.
private struct Reader {
    let file: String
    var sentences: [DependencyTree] = []
    var skippedMultiwordTokens = 0
    var skippedEmptyNodes = 0
    // the sentence being read; firstLine == 0 when none is in progress
    private var firstLine = 0
    // the first comment line of the sentence to come, 0 when none
    private var commentStart = 0
    private var id: String?
    private var words: [DependencyWord] = []
    private var wordLines: [Int] = []
    private var lastLine = 0

    init(file: String) { self.file = file }

    private func malformed(_ line: Int, _ expected: String, _ found: String) -> ParsingError {
        .malformedLine(file: file, line: line, expected: expected, found: found)
    }

    mutating func consume(_ raw: UnsafeRawBufferPointer, number: Int) throws {
        lastLine = number
        var bytes = raw[...]
        while bytes.last == 0x0D { bytes = bytes.dropLast() }
        guard let line = String(validating: bytes, as: UTF8.self) else {
            throw malformed(number, "UTF-8 text", "bytes that are not UTF-8")
        }
        if firstLine == 0 {
            if line.hasPrefix("#") {
                comment(line, number: number)
                return
            }
            firstLine = number
        }
        if line.isEmpty {
            try endSentence(number: number)
        } else {
            try wordLine(line, number: number)
        }
    }

    mutating func finish() throws {
        if firstLine != 0 {
            throw malformed(lastLine, "a blank line after the last sentence", "the end of the file")
        }
        guard !sentences.isEmpty else { throw ParsingError.noSentences(file: file) }
    }

    /// `# sent_id = X` names the sentence; other comments are skipped.
    private mutating func comment(_ line: String, number: Int) {
        if commentStart == 0 { commentStart = number }
        let text = line.dropFirst().drop { $0 == " " }
        guard id == nil, text.hasPrefix("sent_id") else { return }
        var value = text.dropFirst("sent_id".count).drop { $0 == " " }
        guard value.first == "=" else { return }
        value = value.dropFirst().drop { $0 == " " }
        if !value.isEmpty { id = String(value) }
    }
    private mutating func wordLine(_ line: String, number: Int) throws {
        let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
        guard columns.count == 10 else {
            let what = line.hasPrefix("#") ? "a comment line inside a sentence" : "\(columns.count) column(s)"
            throw malformed(number, "10 tab-separated columns", what)
        }
        let idField = columns[0]
        if idField.contains(".") {
            skippedEmptyNodes += 1
            return
        }
        let form = String(String.UnicodeScalarView(columns[1].unicodeScalars.filter { $0.properties.generalCategory != .spaceSeparator }))
        guard !form.isEmpty else { throw malformed(number, "a FORM that is not empty (nor only spaces)", "\"\(columns[1])\"") }
        let next = words.count + 1
        if idField.contains("-") {
            let ends = idField.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 2, let start = parseNumber(ends[0]), let end = parseNumber(ends[1]), start == next, end >= start else {
                throw malformed(number, "a multi-word token range \(next)-M (M ≥ \(next))", "ID \"\(idField)\"")
            }
            skippedMultiwordTokens += 1
            return
        }
        guard parseNumber(idField) == next else { throw malformed(number, "word ID \(next)", "ID \"\(idField)\"") }
        guard words.count < DependencyTreebank.maxWords else {
            throw malformed(number, "at most \(DependencyTreebank.maxWords) words in a sentence", "word \(next)")
        }
        guard let head = parseNumber(columns[6]) else {
            throw malformed(number, "HEAD a number 0…N (0 for the root)", "HEAD \"\(columns[6])\"")
        }
        words.append(DependencyWord(form: form, lemma: String(columns[2]), head: head, relation: String(columns[7])))
        wordLines.append(number)
    }

    private mutating func endSentence(number: Int) throws {
        guard !words.isEmpty else {
            throw malformed(number, "a word line (sentences are separated by exactly one blank line)", "a blank line")
        }
        let heads = words.map(\.head)
        if let w = heads.firstIndex(where: { $0 > heads.count }) {
            throw ParsingError.invalidTree(file: file, line: wordLines[w],
                                           reason: "HEAD \(heads[w]) of word \(w + 1) points outside the sentence's \(heads.count) words")
        }
        if let problem = DependencyTree.treeProblem(heads) {
            throw ParsingError.invalidTree(file: file, line: firstLine, reason: problem)
        }
        let start = commentStart == 0 ? firstLine : commentStart
        sentences.append(DependencyTree(words: words, file: file, line: start, id: id))
        firstLine = 0
        commentStart = 0
        id = nil
        words.removeAll(keepingCapacity: true)
        wordLines.removeAll(keepingCapacity: true)
    }

    /// The value of a non-empty run of at most 9 ASCII digits, else nil.
    private func parseNumber(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 9, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }
}
