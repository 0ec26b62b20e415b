import CoNLL
import Foundation

/// A CoNLL-U treebank read as raw text plus its gold segmentation, to score a tokenizer as the
/// CoNLL 2018 shared task did (the raw text in, tokens and sentences out).
///
/// The text is rebuilt from the `# text = ` comments: the sentences of one paragraph joined by
/// one space, paragraphs (a `# newpar` or `# newdoc` comment starts one) separated by a blank
/// line (`"\n\n"`), as a user's text file of paragraphs would be. A treebank without paragraph
/// marks is one paragraph per document. The gold tokens are the surface tokens: a multi-word
/// token's range line (`1-2 don't`) is one token and its word lines are skipped; empty nodes
/// (`8.1`) are skipped.
public struct RawTextTreebank: Sendable {
    /// The rebuilt raw text.
    public let text: String
    /// Every gold sentence: its surface token forms, in order.
    public let sentences: [[String]]

    /// The largest file read (the UD EWT train section is 14 MB).
    public static let maximumBytes = 1 << 30

    /// Reads the CoNLL-U file at `path`; throws `TextSegmentationError` (file and line) or
    /// `CoNLLError` (unreadable file, bad UTF-8).
    public init(path: String) throws {
        let data = try InputFile.read(path: path)
        guard data.count <= Self.maximumBytes else {
            throw TextSegmentationError.fileTooLarge(file: path, bytes: data.count, limit: Self.maximumBytes)
        }
        try self.init(conllu: try InputFile.text(data, fileName: path), fileName: path)
    }

    /// Reads CoNLL-U `conllu`; `fileName` names it in errors.
    public init(conllu: String, fileName: String) throws {
        var text = ""
        var sentences: [[String]] = []
        var tokens: [String] = []
        var sentenceText: String?
        var newParagraph = false
        var sentenceLine = 0
        var skipThrough = 0
        var lineNumber = 0
        func finish() throws {
            guard !tokens.isEmpty else { return }
            guard let raw = sentenceText else { throw TextSegmentationError.missingText(file: fileName, line: sentenceLine) }
            let spelled = tokens.joined()
            if nonWhitespace(raw) != nonWhitespace(spelled) {
                throw TextSegmentationError.textMismatch(file: fileName, line: sentenceLine, text: raw, tokens: spelled)
            }
            if !text.isEmpty { text += newParagraph ? "\n\n" : " " }
            text += raw
            sentences.append(tokens)
            tokens = []
            sentenceText = nil
            newParagraph = false
            skipThrough = 0
        }
        for rawLine in conllu.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            if line.allSatisfy(\.isWhitespace) {
                try finish()
                continue
            }
            if line.hasPrefix("#") {
                if line.hasPrefix("# newdoc") || line.hasPrefix("# newpar") { newParagraph = true }
                if line.hasPrefix("# text = ") { sentenceText = String(line.dropFirst(9)) }
                if sentenceLine == 0 || tokens.isEmpty { sentenceLine = lineNumber }
                continue
            }
            if tokens.isEmpty && sentenceText == nil { sentenceLine = lineNumber }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count == 10 else {
                throw TextSegmentationError.malformedLine(file: fileName, line: lineNumber,
                                                          reason: "expected 10 tab-separated columns, found \(columns.count)")
            }
            let id = columns[0]
            if id.contains(".") { continue }
            if let dash = id.firstIndex(of: "-") {
                guard let first = Int(id[..<dash]), let last = Int(id[id.index(after: dash)...]), first <= last else {
                    throw TextSegmentationError.malformedLine(file: fileName, line: lineNumber, reason: "bad token range \"\(id)\"")
                }
                tokens.append(String(columns[1]))
                skipThrough = last
                continue
            }
            guard let index = Int(id) else {
                throw TextSegmentationError.malformedLine(file: fileName, line: lineNumber, reason: "bad token ID \"\(id)\"")
            }
            if index <= skipThrough { continue }
            tokens.append(String(columns[1]))
        }
        try finish()
        guard !sentences.isEmpty else { throw TextSegmentationError.noSentences(file: fileName) }
        self.text = text
        self.sentences = sentences
    }
}

/// `s` without its white space.
func nonWhitespace(_ s: String) -> String {
    String(String.UnicodeScalarView(s.unicodeScalars.filter { !$0.properties.isWhitespace }))
}
