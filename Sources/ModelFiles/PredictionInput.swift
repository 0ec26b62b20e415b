import CoNLL
import Foundation
import TextIO

/// predict's input read as a stream of **blocks**: runs of whole sentences (whole lines for
/// `pretokenized`, text up to a blank line for `conll` and `text`), each at most about
/// `blockBytes` long, so memory is bounded by a block, not by the input. `SentenceParser` turns a
/// block into sentences; under mpirun only rank 0 reads, and every rank parses the blocks it sends.
///
/// - The format (`auto`) is decided, and `conll` input that is really text refused, on the first
///   block, which holds at least the first `detectionBytes` (1 MiB) of the input, or all of it.
/// - A block ends after a unit boundary (above). When a run of `blockBytes` holds none (a
///   paragraph or a CoNLL sentence longer than that, a line longer than that for `pretokenized`), it
///   ends at the last line end, else at the last white space (a token is at most 1,024 bytes), so a
///   sentence across that cut is read as two: as for long sentences (`Evaluator.maxTokensPerPass`),
///   the input's size never decides the memory.
/// - Cut points are ASCII bytes (never inside a UTF-8 sequence, never between the CR and LF of a
///   CRLF), so each block is valid UTF-8 on its own, and a blank line ends a sentence in `text` as in
///   `conll`, so the blocks give exactly the sentences of the whole input read at once.
/// - While reading, `TextScan` refuses NUL bytes and tokens over 1,024 bytes, naming the line.
public final class PredictionInput {
    /// How the input is named in messages (`<stdin>` or the path).
    public let fileName: String
    /// The format the blocks are in: the one asked for, or what `auto` detected on the first block.
    public private(set) var format: PredictionIO.InputFormat
    /// A block's usual size.
    public let blockBytes: Int
    /// The least of the input the first block holds (or all of it).
    public let detectionBytes: Int
    private let descriptor: Int32
    private let ownsDescriptor: Bool
    private var scan: TextScan
    private var pending: [UInt8] = []
    private var readBytes = 0
    private var atEnd = false
    private var isFirst = true
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)

    /// Opens `path` (`-` for standard input). Throws as `PredictionIO.readInput` does.
    public init(path: String, format: PredictionIO.InputFormat, blockBytes: Int = 1 << 20, detectionBytes: Int = 1 << 20) throws {
        precondition(blockBytes >= 4096 && detectionBytes >= 1, "block of \(blockBytes) bytes, detection of \(detectionBytes)")
        fileName = path == "-" ? "<stdin>" : path
        self.format = format
        self.blockBytes = blockBytes
        self.detectionBytes = detectionBytes
        scan = TextScan(fileName: fileName)
        if path == "-" {
            if StandardStreams.wasClosed(STDIN_FILENO) { throw OutputError.closed(name: "standard input") }
            descriptor = STDIN_FILENO
            ownsDescriptor = false
        } else {
            descriptor = try PredictionIO.openInput(path)
            ownsDescriptor = true
        }
    }

    deinit {
        if ownsDescriptor { close(descriptor) }
    }

    /// The next block's bytes, or nil at the end of the input. The first block also fixes `format`
    /// (for `auto`) and refuses text or CoNLL-U given as `conll` (`ModelError.inputFormat`).
    public func nextBlock() throws -> [UInt8]? {
        let want = isFirst ? max(detectionBytes, blockBytes) : blockBytes
        while !atEnd && pending.count < want { try fill() }
        if pending.isEmpty { return nil }
        if isFirst {
            isFirst = false
            let window = atEnd ? pending.count : lastLineEnd(in: pending.count) ?? pending.count
            let text = try InputFile.text(Data(pending[0..<window]), fileName: fileName)
            if format == .auto { format = PredictionIO.detectFormat(of: text) }
            if format == .conll { try PredictionIO.refuseMisreadCoNLL(text, fileName: fileName) }
        }
        let cut = atEnd ? pending.count : cutPoint()
        let block = Array(pending[0..<cut])
        pending.removeFirst(cut)
        return block
    }

    /// Reads up to 64 KiB (about what a block lacks) more into `pending`, checking it with `TextScan`.
    private func fill() throws {
        // never much past a block: a block is cut from what was read
        let size = min(chunk.count, max(4096, blockBytes - pending.count))
        let n = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, size) }
        if n < 0 {
            let code = errno
            if code == EINTR { return }
            let error: OutputError = code == EBADF ? .closed(name: fileName) : .readFailed(name: fileName, errno: code, read: readBytes)
            if ownsDescriptor { throw CoNLLError.unreadableFile(file: fileName, reason: error.description) }
            throw error
        }
        if n == 0 { atEnd = true; return }
        try chunk.withUnsafeBytes { try scan.check(UnsafeRawBufferPointer(rebasing: $0[0..<n]), offset: readBytes) }
        readBytes += n
        pending.append(contentsOf: chunk[0..<n])
    }

    /// Where the block ends in `pending` (not at the input's end): after the last unit boundary,
    /// else the last line end, else the last white space, else everything (`TextScan` bounds a
    /// token, so a full block always holds white space).
    private func cutPoint() -> Int {
        // the last byte is held back: a CR there may be the first half of a CRLF
        let limit = pending.count - 1
        switch format {
        case .pretokenized:
            if let end = lastLineEnd(in: limit) { return end }
        case .conll, .conllu, .text, .auto:
            if let end = lastBlankLine(in: limit) { return end }
            if let end = lastLineEnd(in: limit) { return end }
        }
        var i = limit
        while i > 0 {
            i -= 1
            if pending[i] == 0x20 || pending[i] == 0x09 { return i + 1 }
        }
        return pending.count
    }

    /// The index after the last line end that starts before `limit` (a CRLF taken whole), or nil.
    private func lastLineEnd(in limit: Int) -> Int? {
        var i = min(limit, pending.count)
        while i > 0 {
            i -= 1
            if pending[i] == 0x0A || pending[i] == 0x0D { return lineEnd(at: i) }
        }
        return nil
    }

    /// The index after the line end whose first byte is at `i` (CR, LF, or the CR of a CRLF).
    private func lineEnd(at i: Int) -> Int {
        pending[i] == 0x0D && i + 1 < pending.count && pending[i + 1] == 0x0A ? i + 2 : i + 1
    }

    /// The index after the last blank line (two line ends with only spaces and tabs between them)
    /// whose last line end starts before `limit`, or nil.
    private func lastBlankLine(in limit: Int) -> Int? {
        var i = min(limit, pending.count)
        var breaks = 0
        var end = 0
        while i > 0 {
            i -= 1
            let b = pending[i]
            if b == 0x0A || b == 0x0D {
                let after = lineEnd(at: i)
                // the CR of this CRLF is part of the same line end
                if b == 0x0A && i > 0 && pending[i - 1] == 0x0D { i -= 1 }
                if breaks == 0 { end = after }
                breaks += 1
                if breaks == 2 { return end }
            } else if b != 0x20 && b != 0x09 {
                breaks = 0
            }
        }
        return nil
    }
}
