import CoNLL
import Foundation
import TextSegmentation

/// One sentence of predict's input with where its tokens lie in text, for span offsets.
public struct InputSentence: Equatable, Sendable {
    /// The tokens (words, for `text` input: `don't` gives `do` `n't`).
    public var tokens: [String]
    /// The text the offsets index: for `text` input the sentence's own stretch of the input; for
    /// `conll` and `pretokenized` input the tokens joined by single spaces.
    public var text: String
    /// Each token's `start..<end` in `text`, in Unicode scalars.
    public var offsets: [Range<Int>]
    /// Where `text` starts in the input, in Unicode scalars: offsets of `text` input are given in
    /// the whole input (as `tokenize` gives them); 0 for `conll` and `pretokenized`, whose offsets are
    /// in the sentence's joined tokens.
    public var base: Int
    /// The line of the sentence's first token.
    public var source: SourceLocation

    /// The sentence for the encoder.
    public var sentence: Sentence { Sentence(tokens: tokens, source: source) }

    /// A sentence of tokens whose text is the tokens joined by single spaces.
    public init(joining tokens: [String], source: SourceLocation) {
        var offsets: [Range<Int>] = []
        offsets.reserveCapacity(tokens.count)
        var at = 0
        for token in tokens {
            let n = token.unicodeScalars.count
            offsets.append(at..<(at + n))
            at += n + 1
        }
        self.init(tokens: tokens, text: tokens.joined(separator: " "), offsets: offsets, base: 0, source: source)
    }

    /// A sentence with every field given.
    public init(tokens: [String], text: String, offsets: [Range<Int>], base: Int, source: SourceLocation) {
        precondition(tokens.count == offsets.count, "\(tokens.count) tokens, \(offsets.count) offsets")
        self.tokens = tokens
        self.text = text
        self.offsets = offsets
        self.base = base
        self.source = source
    }
}

/// Turns the blocks of `PredictionInput` (in input order) into sentences. A block ends on a line
/// end or a blank line, so a sentence never crosses blocks (but see `PredictionInput` for the cut
/// of an overlong one); the parser only carries the line, byte and scalar position of the next block.
public struct SentenceParser {
    /// The blocks' format (not `auto`: the one `PredictionInput` decided).
    public let format: PredictionIO.InputFormat
    /// How the input is named in messages.
    public let fileName: String
    private var line = 1
    private var byteOffset = 0
    private var scalarOffset = 0

    /// A parser of blocks in `format`.
    public init(format: PredictionIO.InputFormat, fileName: String) {
        precondition(format != .auto, "the format is decided before parsing")
        self.format = format
        self.fileName = fileName
    }

    /// The sentences of the next block. Throws `CoNLLError.invalidUTF8` with the input's line and
    /// byte offset.
    public mutating func sentences(in block: [UInt8]) throws -> [InputSentence] {
        let text: String
        if let valid = String(validating: block, as: UTF8.self) {
            text = valid
        } else {
            do { _ = try InputFile.text(Data(block), fileName: fileName) } catch let CoNLLError.invalidUTF8(_, l, offset, byte) {
                throw CoNLLError.invalidUTF8(file: fileName, line: line + l - 1, byteOffset: byteOffset + offset, byte: byte)
            }
            text = String(decoding: block, as: UTF8.self)
        }
        let lines = PredictionIO.lineRanges(of: block)
        var result: [InputSentence] = []
        switch format {
        case .text, .auto:
            result = PredictionIO.rawTextSentences(in: text, fileName: fileName, firstLine: line, scalarBase: scalarOffset)
        case .pretokenized:
            for (i, row) in lines.enumerated() {
                let words = PredictionIO.fields(of: row, in: block)
                if !words.isEmpty { result.append(InputSentence(joining: words, source: SourceLocation(file: fileName, line: line + i))) }
            }
        case .conll:
            var tokens: [String] = []
            var start = line
            for (i, row) in lines.enumerated() {
                guard let first = PredictionIO.firstField(of: row, in: block) else {
                    if !tokens.isEmpty { result.append(InputSentence(joining: tokens, source: SourceLocation(file: fileName, line: start))) }
                    tokens = []
                    continue
                }
                // "# sent_id = 1" is a comment; "#" alone or "#<TAB>..." is the token "#" (and so is
                // "#" with a combining mark, one Character that is not "#")
                if block[row.lowerBound] == UInt8(ascii: "#") {
                    let text = String(decoding: block[row], as: UTF8.self)
                    if text.hasPrefix("#") && !text.unicodeScalars.contains("\t") && text.unicodeScalars.contains(" ") { continue }
                }
                if tokens.isEmpty { start = line + i }
                tokens.append(String(decoding: block[first], as: UTF8.self))
            }
            if !tokens.isEmpty { result.append(InputSentence(joining: tokens, source: SourceLocation(file: fileName, line: start))) }
        case .conllu:
            result = try coNLLUSentences(lines: lines, in: block)
        }
        line += lines.count - 1
        byteOffset += block.count
        for byte in block where byte & 0xC0 != 0x80 { scalarOffset += 1 }
        return result
    }
}

extension SentenceParser {
    /// The sentences of a block of CoNLL-U: each word line's FORM; comments, multi-word ranges and
    /// empty nodes skipped. A line that is not 10 tab-separated columns with an ID first is refused
    /// with its line.
    private func coNLLUSentences(lines: [Range<Int>], in block: [UInt8]) throws -> [InputSentence] {
        var result: [InputSentence] = []
        var tokens: [String] = []
        var start = line
        func flush() {
            if !tokens.isEmpty { result.append(InputSentence(joining: tokens, source: SourceLocation(file: fileName, line: start))) }
            tokens = []
        }
        for (i, row) in lines.enumerated() {
            let text = String(decoding: block[row], as: UTF8.self)
            if text.unicodeScalars.allSatisfy({ $0 == " " || $0 == "\t" }) { flush(); continue }
            if text.hasPrefix("#") { continue }
            let columns = text.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count == 10, PredictionIO.isCoNLLUID(columns[0]), !columns[1].isEmpty else {
                throw ModelError.inputFormat(
                    file: fileName, line: line + i,
                    reason: "a CoNLL-U word line has 10 tab-separated columns, an ID (1, 1-2 or 1.1) and a FORM first; "
                        + "this one has \(columns.count) column\(columns.count == 1 ? "" : "s") starting \"\(columns[0].prefix(20))\"",
                    hint: "fix the line, or use --input-format conll for a token per line")
            }
            // multi-word token ranges and empty nodes are not words
            if columns[0].contains("-") || columns[0].contains(".") { continue }
            if tokens.isEmpty { start = line + i }
            tokens.append(String(columns[1]))
        }
        flush()
        return result
    }
}

extension PredictionIO {
    /// The sentences of raw text, split by `TextTokenizer` into UD EWT-style words (a multi-word
    /// token such as `don't` gives the words `do` and `n't`, each with its own offsets); each
    /// sentence's source is the line its first token is on, counted from `firstLine`, and its
    /// `base` is its first scalar's offset plus `scalarBase`.
    static func rawTextSentences(in text: String, fileName: String, firstLine: Int = 1, scalarBase: Int = 0) -> [InputSentence] {
        var result: [InputSentence] = []
        var line = firstLine
        var offset = 0
        var scalars = text.unicodeScalars.makeIterator()
        var previous: Unicode.Scalar?
        var own = String.UnicodeScalarView()
        for sentence in TextTokenizer().sentences(in: text) {
            // line of the sentence's first scalar: line ends before it (CRLF counted once)
            while offset < sentence.start, let c = scalars.next() {
                if (c == "\n" && previous != "\r") || c == "\r" { line += 1 }
                previous = c
                offset += 1
            }
            let startLine = line
            // the sentence's own text, sentence.start..<sentence.end (line ends inside it counted)
            own.removeAll(keepingCapacity: true)
            while offset < sentence.end, let c = scalars.next() {
                if (c == "\n" && previous != "\r") || c == "\r" { line += 1 }
                own.append(c)
                previous = c
                offset += 1
            }
            let words = sentence.words
            result.append(InputSentence(tokens: words.map(\.form), text: String(own),
                                        offsets: words.map { ($0.start - sentence.start)..<($0.end - sentence.start) },
                                        base: scalarBase + sentence.start,
                                        source: SourceLocation(file: fileName, line: startLine)))
        }
        return result
    }
}
