import CoNLL
import Foundation
import TextIO

/// Reading raw input and writing predictions for `mtl-dist predict`.
public enum PredictionIO {
    /// How predict's input is laid out.
    public enum InputFormat: String, CaseIterable, Sendable {
        /// One token per line in the first column (further columns ignored), a blank line after each
        /// sentence, `# ...` comment lines skipped. Input that is really text (see
        /// `conllInputLooksLikeText`) is refused with the fix.
        case conll
        /// CoNLL-U (Universal Dependencies): the FORM (second column) of each word line of 10
        /// tab-separated columns, a blank line after each sentence, `#` comment lines, multi-word token
        /// ranges (`3-4`) and empty nodes (`5.1`) skipped, as the CoNLL 2018 evaluation script reads
        /// words. `conll` input that is CoNLL-U is refused with this fix, never read as its ID column.
        case conllu
        /// Raw, untokenised English text, split into sentences and UD EWT-style words by
        /// `TextSegmentation.TextTokenizer` (`Tuesday.` → `Tuesday` `.`, `don't` → `do` `n't`).
        case text
        /// One sentence per line, tokens already separated by white space.
        case pretokenized
        /// `conllu` when the first sentence's lines are CoNLL-U word lines, else `conll` when a line
        /// holds a tab or every token line holds one field, else `text`.
        case auto
    }

    /// How predictions are written.
    public enum OutputFormat: String, CaseIterable, Sendable {
        /// A `# columns = token task1 ...` line, then `token<TAB>tag of task 1<TAB>...`, a blank line
        /// after each sentence (readable back by `CoNLLReader` with columns `[text, task 1, ...]`, tab
        /// separation and `#` lines without a tab as comments, and by predict's own `conll` input).
        case conll
        /// One JSON object per sentence: tokens, and per task its tags, each token's probability of
        /// its tag and (span tasks) the spans with scores (`SentencePrediction.jsonLine`).
        case jsonl
    }

    /// The text of predict's (and encode's) input: standard input for `-`, else the file (or named
    /// pipe) at `path`. Throws `CoNLLError.unreadableFile` with the reason (a folder, a device,
    /// missing, unreadable), `OutputError.closed` for a closed standard input, `invalidUTF8` with
    /// the line and byte offset, and, while reading, `binaryData` at the first NUL byte or
    /// `tokenTooLong` (see `TextScan`), so a gigabyte of binary data is refused after its first chunk.
    public static func readInput(path: String) throws -> String {
        let name = path == "-" ? "<stdin>" : path
        var scan = TextScan(fileName: name)
        let bytes: [UInt8]
        if path == "-" {
            bytes = try DescriptorReader.readAll(descriptor: STDIN_FILENO, name: "standard input") {
                try scan.check($0, offset: $1)
            }
        } else {
            let fd = try openInput(path)
            defer { close(fd) }
            do {
                bytes = try DescriptorReader.readAll(descriptor: fd, name: path) { try scan.check($0, offset: $1) }
            } catch let error as OutputError {
                throw CoNLLError.unreadableFile(file: path, reason: error.description)
            }
        }
        return try InputFile.text(Data(bytes), fileName: name)
    }

    /// A descriptor open for reading the input file `path` (a regular file or a pipe; anything else,
    /// or a file that cannot be opened, is `CoNLLError.unreadableFile` saying what it is).
    static func openInput(_ path: String) throws -> Int32 {
        if let problem = InputFile.problem(at: path), !InputFile.isPipe(path) {
            throw CoNLLError.unreadableFile(file: path, reason: problem)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CoNLLError.unreadableFile(file: path, reason: "cannot open it: " + String(cString: strerror(errno)))
        }
        return fd
    }

    /// Splits `text` into sentences of tokens. `fileName` names the input in messages. Lines end
    /// with `\n`, `\r\n` or a lone `\r` (what users paste from any system); see `lines(of:)`.
    public static func sentences(in text: String, format: InputFormat, fileName: String) throws -> [Sentence] {
        try inputSentences(in: text, format: format, fileName: fileName).map(\.sentence)
    }

    /// The sentences of `text` with their offsets (see `InputSentence`), read as one block of
    /// `PredictionInput`: `auto` detects the format, `conll` input that is really text is refused.
    public static func inputSentences(in text: String, format: InputFormat, fileName: String) throws -> [InputSentence] {
        let resolved = format == .auto ? detectFormat(of: text) : format
        if resolved == .conll { try refuseMisreadCoNLL(text, fileName: fileName) }
        var parser = SentenceParser(format: resolved, fileName: fileName)
        return try parser.sentences(in: Array(text.utf8))
    }

    /// The space- or tab-separated fields of `line`. Split on Unicode scalars, not Characters: a
    /// combining mark after a space (`" \u{07FD}"`) makes one Character with it, which is not `" "`,
    /// so a Character split would keep the space inside a token.
    static func fields(of line: Substring) -> [String] {
        line.unicodeScalars.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { String(String.UnicodeScalarView($0)) }
    }

    /// `lines(of:)` over UTF-8 bytes: the byte ranges of `bytes`' lines without their line ends.
    /// What predict's parser reads a block with: a Substring per line costs a Character-boundary
    /// check each, which took most of the parsing time.
    public static func lineRanges(of bytes: [UInt8]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0, i = 0
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            guard byte == 0x0A || byte == 0x0D else { continue }
            result.append(start..<(i - 1))
            if byte == 0x0D && i < bytes.count && bytes[i] == 0x0A { i += 1 }
            start = i
        }
        result.append(start..<bytes.count)
        return result
    }

    /// `fields(of:)` over the bytes `line` of `bytes`: space and tab are single bytes that never
    /// occur inside a multi-byte UTF-8 sequence, so splitting bytes splits scalars.
    static func fields(of line: Range<Int>, in bytes: [UInt8]) -> [String] {
        var result: [String] = []
        var rest = line
        while let field = firstField(of: rest, in: bytes) {
            result.append(String(decoding: bytes[field], as: UTF8.self))
            rest = field.upperBound..<line.upperBound
        }
        return result
    }

    /// The bytes of the first space- or tab-separated field of `line`, nil when it has none.
    static func firstField(of line: Range<Int>, in bytes: [UInt8]) -> Range<Int>? {
        func separator(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        var start = line.lowerBound
        while start < line.upperBound && separator(bytes[start]) { start += 1 }
        guard start < line.upperBound else { return nil }
        var end = start + 1
        while end < line.upperBound && !separator(bytes[end]) { end += 1 }
        return start..<end
    }

    /// The lines of `text` without their line ends, the part after the last line end included (so
    /// `"a\n"` is `["a", ""]`). `\n`, `\r\n` and a lone `\r` each end one line. Splitting on the
    /// Character `"\n"` would not do: Swift reads `"\r\n"` as one Character, which never equals
    /// `"\n"`, so CRLF text would come back as one line. Cost: O(bytes).
    public static func lines(of text: String) -> [Substring] {
        var result: [Substring] = []
        let utf8 = text.utf8
        var start = utf8.startIndex
        var i = start
        while i != utf8.endIndex {
            let byte = utf8[i]
            guard byte == 0x0A || byte == 0x0D else { i = utf8.index(after: i); continue }
            // CR and LF always end a Character, so both bounds fall on Character boundaries
            result.append(text[start..<i])
            i = utf8.index(after: i)
            if byte == 0x0D && i != utf8.endIndex && utf8[i] == 0x0A { i = utf8.index(after: i) }
            start = i
        }
        result.append(text[start...])
        return result
    }
}
