import Foundation

/// Cuts a file's bytes, given in pieces of any size, into numbered lines for a `LineParser`: drops
/// a leading UTF-8 byte-order mark, checks that each line is UTF-8, counts or refuses CRLF ends
/// (`ReaderOptions.crlf`), and keeps the unfinished last line of a piece until the next one. So a
/// file is read in bounded chunks and the first malformed line stops the read there.
struct LineSplitter {
    var parser: LineParser
    let fileName: String
    /// Lines handed on so far (the number of the last one).
    private(set) var lineNumber = 0
    /// Bytes of the file before `pending`.
    private var offset = 0
    /// The start of a line whose end has not arrived yet.
    private var pending: [UInt8] = []

    init(parser: LineParser, fileName: String) {
        self.parser = parser
        self.fileName = fileName
    }

    /// Takes the next bytes of the file; every line they complete goes to the parser.
    mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        // the bytes up to the last newline hold whole lines
        var last = bytes.count - 1
        while last >= 0 && base[last] != 0x0A { last -= 1 }
        guard last >= 0 else {
            pending.append(contentsOf: bytes)
            return
        }
        let complete = last + 1
        if pending.isEmpty {
            try split(UnsafeBufferPointer(start: base, count: complete))
        } else {
            pending.append(contentsOf: UnsafeBufferPointer(start: base, count: complete))
            let lines = pending
            pending.removeAll(keepingCapacity: true)
            try lines.withUnsafeBufferPointer { try split($0) }
        }
        pending.append(contentsOf: UnsafeBufferPointer(start: base + complete, count: bytes.count - complete))
    }

    /// Ends the file: its last line (when it does not end in a newline) goes to the parser, which
    /// then closes the last sentence.
    mutating func finish() throws {
        if !pending.isEmpty {
            let last = pending
            pending = []
            try last.withUnsafeBufferPointer { try split($0) }
        }
        try parser.finish(lastLine: lineNumber)
    }

    /// Hands every line of `bytes` (whole lines, the last one possibly without its newline) to the parser.
    private mutating func split(_ bytes: UnsafeBufferPointer<UInt8>) throws {
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        var start = 0
        // a UTF-8 byte-order mark is not part of the first token
        if offset == 0 && count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { start = 3 }
        let (bad, byte) = firstInvalidUTF8(UnsafeBufferPointer(rebasing: bytes[start...]))
        if start + bad < count {
            let line = lineNumber + 1 + UnsafeBufferPointer(rebasing: bytes[start..<(start + bad)]).reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
            throw CoNLLError.invalidUTF8(file: fileName, line: line, byteOffset: offset + start + bad, byte: byte)
        }
        while start < count {
            lineNumber += 1
            let newline = memchr(base + start, 0x0A, count - start)
            let lineEnd = newline.map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - base } ?? count
            var end = lineEnd
            if end > start && base[end - 1] == 0x0D {
                if parser.options.crlf == .error { throw CoNLLError.crlfLineEnding(file: fileName, line: lineNumber) }
                parser.report.crlfLines += 1
                end -= 1
            }
            try parser.consume(line: UnsafeBufferPointer(start: base + start, count: end - start), number: lineNumber)
            start = lineEnd + 1
        }
        offset += count
    }
}
