import Foundation
import RegularFiles
#if canImport(Glibc)
import Glibc
private let systemRead = Glibc.read
private let systemClose = Glibc.close
#else
import Darwin
private let systemRead = Darwin.read
private let systemClose = Darwin.close
#endif

extension WordVectorReader {
    /// word2vec binary: `count dim\n`, then per entry the word's bytes up to a space, `dim`
    /// little-endian float32, and an optional `\n` (word2vec.c writes one, gensim's reader skips
    /// it). The header is checked before the first entry is read; entries are read one at a time.
    func readBinary(_ request: VectorRequest, size: Int) throws -> PretrainedVectors {
        let stream: ByteStream
        do { stream = try ByteStream(path: path) } catch let problem as FileProblem {
            throw WordVectorError.unreadableFile(file: displayName, reason: problem.reason)
        }
        defer { stream.close() }
        let headerBytes = try stream.bytes(upTo: 0x0A, limit: 64, file: displayName)
        let header = headerBytes.flatMap { bytes in bytes.withUnsafeBytes { VectorLine($0).header } }
        guard let header else {
            throw WordVectorError.malformed(place: "\(displayName):1", expected: "a `count dim` header line", found: headerBytes.map { "'\(String(decoding: $0.prefix(40), as: UTF8.self))'" } ?? "no line end in the first 64 bytes",
                                            hint: "word2vec binary files start with `count dim`; for GloVe or fastText .vec text set encoder.word_vectors.format: text.")
        }
        try checkHeader(count: header.count, dimension: header.dimension, available: size - stream.offset,
                        request: request, minimumBytes: { 4 * $0 + 2 })
        let dimension = header.dimension
        var table = VectorTable(request: request, dimension: dimension, fileBytes: size)
        var values = [Float](repeating: 0, count: dimension)
        var raw = [UInt8](repeating: 0, count: 4 * dimension)
        for entry in stride(from: 1, through: header.count, by: 1) {
            let start = stream.offset
            let place = "\(displayName): entry \(entry) (byte \(start))"
            stream.skip(0x0A)
            guard let word = try stream.bytes(upTo: 0x20, limit: WordVectorReader.maxWordBytes, file: displayName) else {
                throw truncated(entry: entry, of: header.count, at: stream.offset, what: try stream.atEnd(file: displayName) ? "the file ends before its word" : "no space within \(WordVectorReader.maxWordBytes) bytes after the word's start")
            }
            guard !word.isEmpty else {
                throw WordVectorError.malformed(place: place, expected: "a word before the space", found: "an empty word",
                                                hint: "the file is damaged, or a text file; for text set encoder.word_vectors.format: text.")
            }
            if let bad = word.withUnsafeBytes({ VectorLine.firstInvalidUTF8($0) }) {
                throw WordVectorError.invalidUTF8(place: place, byteOffset: start + bad)
            }
            guard try stream.read(into: &raw, file: displayName) else {
                throw truncated(entry: entry, of: header.count, at: stream.offset, what: "the file ends inside its \(4 * dimension) bytes of values")
            }
            if entry == 1, raw.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x20 || $0 == 0x2E || $0 == 0x2D || $0 == 0x0A }) {
                throw WordVectorError.malformed(place: place, expected: "\(dimension) binary float32 values", found: "decimal text",
                                                hint: "this is a text vectors file; set encoder.word_vectors.format: text.")
            }
            let targets = table.targets(for: String(decoding: word, as: UTF8.self))
            guard !targets.isEmpty else { continue }
            for d in 0..<dimension {
                // values[d] = little-endian float32 at raw[4d ..< 4d+4]
                let bits = UInt32(raw[4 * d]) | UInt32(raw[4 * d + 1]) << 8 | UInt32(raw[4 * d + 2]) << 16 | UInt32(raw[4 * d + 3]) << 24
                values[d] = Float(bitPattern: bits)
                guard values[d].isFinite else {
                    throw WordVectorError.malformed(place: place, expected: "finite values", found: "\(values[d]) as value \(d + 1)",
                                                    hint: "the file is damaged; download it again.")
                }
            }
            values.withUnsafeBufferPointer { table.fill(targets, with: $0) }
        }
        stream.skip(0x0A)
        if try !stream.atEnd(file: displayName) {
            throw WordVectorError.countMismatch(file: displayName, declared: header.count, found: header.count + 1,
                                                hint: "bytes follow the last declared entry at byte \(stream.offset); correct the header's count.")
        }
        return table.finish(wordsInFile: header.count, bytes: size)
    }

    private func truncated(entry: Int, of count: Int, at offset: Int, what: String) -> WordVectorError {
        .countMismatch(file: displayName, declared: count, found: entry - 1,
                       hint: "entry \(entry) is cut at byte \(offset) (\(what)): the file is truncated; download it again.")
    }
}

/// A file read forward through a 1 MiB buffer, its position counted in bytes.
final class ByteStream {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var exhausted = false
    /// Bytes consumed from the start of the file.
    private(set) var offset = 0

    init(path: String) throws {
        descriptor = try RegularFile.openForReading(path).descriptor
    }

    func close() { _ = systemClose(descriptor) }

    /// True when every byte has been consumed (reading ahead to find out).
    func atEnd(file: String) throws -> Bool {
        if position == buffer.count { _ = try refill(file: file) }
        return position == buffer.count
    }

    /// Refills the buffer with the next chunk; false at the end of the file.
    private func refill(file: String) throws -> Bool {
        guard !exhausted else { return false }
        buffer.removeFirst(position)
        position = 0
        let chunk = 1 << 20, old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: chunk))
        var n: Int
        repeat { n = buffer.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress! + old, chunk) } } while n < 0 && errno == EINTR
        guard n >= 0 else { throw WordVectorError.unreadableFile(file: file, reason: "reading at byte \(offset) failed: " + RegularFile.errnoText()) }
        buffer.removeLast(chunk - n)
        if n == 0 { exhausted = true }
        return n > 0
    }

    /// Consumes one `byte` when it comes next (a line end between entries).
    func skip(_ byte: UInt8) {
        if position == buffer.count { _ = try? refill(file: "") }
        if position < buffer.count, buffer[position] == byte { position += 1; offset += 1 }
    }

    /// The bytes before the next `delimiter` (which is consumed), nil when the file ends or `limit`
    /// bytes pass first.
    func bytes(upTo delimiter: UInt8, limit: Int, file: String) throws -> [UInt8]? {
        var result: [UInt8] = []
        while true {
            if position == buffer.count, try !refill(file: file) { return nil }
            if let i = buffer[position...].firstIndex(of: delimiter) {
                result.append(contentsOf: buffer[position..<i])
                offset += i + 1 - position
                position = i + 1
                return result.count <= limit ? result : nil
            }
            result.append(contentsOf: buffer[position...])
            offset += buffer.count - position
            position = buffer.count
            if result.count > limit { return nil }
        }
    }

    /// Fills `out` with the next `out.count` bytes; false when the file ends first.
    func read(into out: inout [UInt8], file: String) throws -> Bool {
        var filled = 0
        while filled < out.count {
            if position == buffer.count, try !refill(file: file) { return false }
            let n = min(out.count - filled, buffer.count - position)
            out.replaceSubrange(filled..<(filled + n), with: buffer[position..<(position + n)])
            filled += n
            position += n
            offset += n
        }
        return true
    }
}
