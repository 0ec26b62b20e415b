import Foundation
import RegularFiles

/// Reads the vectors a `VectorRequest` asks for from a GloVe / fastText text file or a word2vec
/// binary file, streamed (memory is the kept rows plus one line or entry, never the file), as
/// Flair's `WordEmbeddings` would look them up.
///
/// Every count and width is checked before anything is allocated for it: a header's dimension
/// against the limit and the table's width, its count against the bytes the file has; each line's
/// width against the header's (or the first line's), each value's syntax, each word's UTF-8.
/// Problems throw `WordVectorError` naming `file:line` (text) or the entry and byte (binary).
public struct WordVectorReader {
    /// The widest vector accepted (published vectors have 25 to 1,024 values).
    public static let maxDimension = 65_536
    /// The longest word accepted, in bytes.
    public static let maxWordBytes = 4_096

    public let path: String
    public let format: VectorFileFormat
    /// How messages name the file.
    public let displayName: String

    public init(path: String, format: VectorFileFormat, displayName: String? = nil) {
        self.path = path
        self.format = format
        self.displayName = displayName ?? path
    }

    /// The vectors of `request`'s keys (see `VectorRequest` for the lookup).
    public func read(_ request: VectorRequest) throws -> PretrainedVectors {
        precondition(request.dimension > 0 && request.maxWords >= 0, "VectorRequest: width \(request.dimension), maxWords \(request.maxWords)")
        let size: Int
        do { size = try RegularFile.size(path) } catch let problem as FileProblem {
            throw WordVectorError.unreadableFile(file: displayName, reason: problem.reason)
        }
        switch format {
        case .text: return try readText(request, size: size)
        case .word2vecBinary: return try readBinary(request, size: size)
        }
    }

    /// Checks a header's numbers: the width within bounds and equal to the table's, and `count`
    /// entries of at least `minimumBytes(dimension)` bytes each within the `available` bytes.
    func checkHeader(count: Int, dimension: Int, available: Int, request: VectorRequest, minimumBytes: (Int) -> Int) throws {
        guard dimension >= 1 && dimension <= WordVectorReader.maxDimension else {
            throw WordVectorError.impossibleHeader(file: displayName, count: count, dimension: dimension,
                                                   reason: "a vector has 1 to \(WordVectorReader.maxDimension) values")
        }
        let (needed, overflow) = count.multipliedReportingOverflow(by: minimumBytes(dimension))
        guard !overflow && needed <= available else {
            throw WordVectorError.impossibleHeader(file: displayName, count: count, dimension: dimension,
                                                   reason: "that needs at least \(overflow ? "more than \(Int.max)" : "\(needed)") bytes, the file has \(available) after the header (the header is wrong, or the file is truncated)")
        }
        guard dimension == request.dimension else {
            throw WordVectorError.dimensionMismatch(place: "\(displayName):1", found: dimension, configured: request.dimension,
                                                    setting: request.dimensionSetting)
        }
    }

    private func readText(_ request: VectorRequest, size: Int) throws -> PretrainedVectors {
        var table: VectorTable? = nil
        var declared: Int? = nil
        var vectorsRead = 0, offset = 0
        var values: [Float] = [], scratch: [CChar] = []
        let maxLine = WordVectorReader.maxWordBytes + 64 * WordVectorReader.maxDimension
        do {
            try RegularFile.forEachLine(of: path, maxLineBytes: maxLine) { number, raw in
                let lineStart = offset
                offset += raw.count + 1
                let line = VectorLine(raw)
                let place = "\(displayName):\(number)"
                if number == 1, let header = line.header {
                    try checkHeader(count: header.count, dimension: header.dimension, available: size - offset,
                                    request: request, minimumBytes: { 2 * $0 + 1 })
                    declared = header.count
                    table = VectorTable(request: request, dimension: header.dimension, fileBytes: size)
                    return
                }
                guard !line.isBlank else {
                    throw WordVectorError.malformed(place: place, expected: "a word and its values", found: "a blank line",
                                                    hint: "remove blank lines from the file.")
                }
                if let declared, vectorsRead == declared {
                    throw WordVectorError.countMismatch(file: displayName, declared: declared, found: vectorsRead + 1,
                                                        hint: "line \(number) is one more than the header (line 1) declares; correct the count or remove the extra lines.")
                }
                guard !line.hasNUL else {
                    throw WordVectorError.malformed(place: place, expected: "a line of text", found: "a NUL byte (binary data)",
                                                    hint: "this is not a text vectors file. " + binaryHint)
                }
                let wordBytes = line.word
                guard wordBytes.count <= WordVectorReader.maxWordBytes else {
                    throw WordVectorError.malformed(place: place, expected: "a word of at most \(WordVectorReader.maxWordBytes) bytes",
                                                    found: "\(wordBytes.count) bytes before the first space", hint: binaryHint)
                }
                if let bad = VectorLine.firstInvalidUTF8(wordBytes) { throw WordVectorError.invalidUTF8(place: place, byteOffset: lineStart + bad) }
                let (count, bad) = line.checkValues()
                let width = table?.dimension ?? count
                if table == nil {
                    guard count >= 1 else {
                        throw WordVectorError.malformed(place: place, expected: "a word and its values separated by spaces",
                                                        found: "one field", hint: "each line is `word v1 v2 … vD`.")
                    }
                    guard count == request.dimension else {
                        throw WordVectorError.dimensionMismatch(place: place, found: count, configured: request.dimension,
                                                                setting: request.dimensionSetting)
                    }
                    table = VectorTable(request: request, dimension: count, fileBytes: size)
                }
                guard count == width else {
                    throw WordVectorError.malformed(place: place, expected: "\(width + 1) fields (a word and \(width) numbers, as \(declared == nil ? "the first line has" : "the header says"))",
                                                    found: "\(count + 1)", hint: "every line holds a word and the same number of values; a word with a space inside, or a cut line, breaks this.")
                }
                if let bad {
                    throw WordVectorError.malformed(place: place, expected: "a number in field \(bad.field)", found: "'\(bad.text)'",
                                                    hint: "each value is a decimal number such as -0.0412 or 1.5e-3." + (format == .text ? " " + binaryHint : ""))
                }
                vectorsRead += 1
                let word = String(decoding: wordBytes, as: UTF8.self)
                let targets = table!.targets(for: word)
                guard !targets.isEmpty else { return }
                if values.count != width { values = [Float](repeating: 0, count: width) }
                var badField = 0
                let ok = values.withUnsafeMutableBufferPointer { line.values(count: width, into: $0, scratch: &scratch, badField: &badField) }
                guard ok else {
                    throw WordVectorError.malformed(place: place, expected: "a finite float32 in field \(badField)", found: "a value out of range",
                                                    hint: "values must lie within ±3.4e38.")
                }
                values.withUnsafeBufferPointer { table!.fill(targets, with: $0) }
            }
        } catch let problem as FileProblem {
            throw WordVectorError.unreadableFile(file: displayName, reason: problem.reason)
        }
        if let declared, vectorsRead != declared {
            throw WordVectorError.countMismatch(file: displayName, declared: declared, found: vectorsRead,
                                                hint: "the file is truncated, or the header's count is wrong; download it again or correct line 1.")
        }
        guard var table else {
            throw WordVectorError.malformed(place: "\(displayName):1", expected: "lines of `word v1 … vD`", found: "no vector",
                                            hint: "set encoder.word_vectors.path to a file of word vectors.")
        }
        return table.finish(wordsInFile: vectorsRead, bytes: size)
    }

    private var binaryHint: String {
        format == .text ? "If this is a word2vec binary file, set encoder.word_vectors.format: word2vec_binary." : ""
    }
}
