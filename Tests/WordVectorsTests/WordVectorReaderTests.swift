import Foundation
import WordVectors
import XCTest

/// Small vectors files written by the tests: GloVe text, fastText text with its header, word2vec
/// binary; what each key is filled with, and how.
final class WordVectorReaderTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("wordvec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// Writes `text` to `name` in the test's folder.
    func file(_ name: String, _ text: String) throws -> String {
        try bytes(name, Array(text.utf8))
    }

    func bytes(_ name: String, _ data: [UInt8]) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(data).write(to: url)
        return url.path
    }

    /// A word2vec binary file as word2vec.c writes it: `count dim\n`, then `word ` + float32 LE + `\n`.
    func word2vec(_ name: String, _ entries: [(String, [Float])], declared: Int? = nil, newlines: Bool = true) throws -> String {
        var data = Array("\(declared ?? entries.count) \(entries.first?.1.count ?? 0)\n".utf8)
        for (word, vector) in entries {
            data += Array(word.utf8) + [0x20]
            for v in vector { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
            if newlines { data.append(0x0A) }
        }
        return try bytes(name, data)
    }

    func request(_ keys: [String], optional: [String] = [], maxWords: Int = 0, lowercase: Bool = false,
                 fallback: Bool = true, dimension: Int = 3) -> VectorRequest {
        VectorRequest(required: keys, optional: optional, maxWords: maxWords, lowercase: lowercase, normalizeDigits: false,
                      lowercaseFallback: fallback, dimension: dimension)
    }

    static let glove = """
    the 0.1 0.2 0.3
    paris -1 2.5e-1 .5
    Berlin 1 2 3
    #### 9 9 9
    1990 7 7 7
    """

    func testGloveTextWithoutHeader() throws {
        let path = try file("glove.txt", Self.glove + "\n")
        let v = try WordVectorReader(path: path, format: .text).read(request(["<unk>", "the", "paris", "Berlin", "rome"]))
        XCTAssertEqual(v.keys, ["<unk>", "the", "paris", "Berlin", "rome"])
        XCTAssertEqual(v.dimension, 3)
        XCTAssertEqual(Array(v.vector(1)), [0.1, 0.2, 0.3])
        XCTAssertEqual(Array(v.vector(2)), [-1, 0.25, 0.5])
        XCTAssertEqual(Array(v.vector(3)), [1, 2, 3])
        XCTAssertEqual(Array(v.vector(4)), [0, 0, 0], "a required key the file lacks keeps a zero row")
        XCTAssertEqual(v.matches, [nil, .exact, .exact, .exact, nil])
        XCTAssertEqual(v.wordsInFile, 5)
    }

    func testFastTextHeaderTrailingSpaceAndCRLF() throws {
        let path = try file("wiki.vec", "3 3\r\nthe 0.1 0.2 0.3 \r\nParis 4 5 6 \r\nparis 7 8 9 \r\n")
        let v = try WordVectorReader(path: path, format: .text).read(request(["Paris", "the"]))
        XCTAssertEqual(Array(v.vector(0)), [4, 5, 6], "the exact form beats the lowercase one")
        XCTAssertEqual(Array(v.vector(1)), [0.1, 0.2, 0.3])
        XCTAssertEqual(v.wordsInFile, 3)
    }

    func testWord2VecBinary() throws {
        let path = try word2vec("vectors.bin", [("the", [0.5, -0.5, 1]), ("Zürich", [1, 2, 3]), ("x", [4, 5, 6])])
        let v = try WordVectorReader(path: path, format: .word2vecBinary).read(request(["zürich", "x", "none"], lowercase: true))
        XCTAssertEqual(v.keys, ["zürich", "x", "none"])
        XCTAssertEqual(Array(v.vector(0)), [1, 2, 3])
        XCTAssertEqual(v.matches, [.folded, .exact, nil], "Zürich folds to zürich as the vocabulary folds words")
        // gensim writes no line end after a vector; that reads the same
        let bare = try word2vec("bare.bin", [("the", [0.5, -0.5, 1]), ("x", [4, 5, 6])], newlines: false)
        XCTAssertEqual(Array(try WordVectorReader(path: bare, format: .word2vecBinary).read(request(["x"])).vector(0)), [4, 5, 6])
    }

    /// Flair's lookup order on the key: itself, lowercase, digits as #, digits as 0.
    func testLowercaseAndDigitFallback() throws {
        let path = try file("glove.txt", Self.glove + "\nsome0 3 3 3\n")
        let v = try WordVectorReader(path: path, format: .text).read(request(["Paris", "2024", "Some9"]))
        XCTAssertEqual(Array(v.vector(0)), [-1, 0.25, 0.5])
        XCTAssertEqual(v.matches, [.lowercase, .digitsAsHash, .digitsAsZero])
        XCTAssertEqual(Array(v.vector(1)), [9, 9, 9])
        let exactOnly = try WordVectorReader(path: path, format: .text).read(request(["Paris", "2024"], fallback: false))
        XCTAssertEqual(exactOnly.matches, [nil, nil], "lowercase_fallback: false looks up the key alone")
    }

    func testOptionalKeysAndMostFrequentWords() throws {
        let path = try file("glove.txt", Self.glove)
        let v = try WordVectorReader(path: path, format: .text)
            .read(request(["the"], optional: ["rome", "berlin"], maxWords: 2, lowercase: true))
        // rome (absent) is dropped; berlin matched Berlin by folding; paris came from the first 2 lines
        XCTAssertEqual(v.keys, ["the", "berlin", "paris"])
        XCTAssertEqual(v.matches, [.exact, .folded, .exact])
        XCTAssertEqual(Array(v.vector(2)), [-1, 0.25, 0.5])
    }

    // MARK: - malformed files

    private func assertError(_ path: String, format: VectorFileFormat = .text, dimension: Int = 3, _ expected: WordVectorError,
                             mentions: [String] = [], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try WordVectorReader(path: path, format: format, displayName: "v").read(request(["the"], dimension: dimension)),
                             file: file, line: line) { error in
            XCTAssertEqual(error as? WordVectorError, expected, file: file, line: line)
            let message = "\(error)"
            XCTAssertTrue(message.contains("Hint: "), "no hint in \(message)", file: file, line: line)
            for m in mentions { XCTAssertTrue(message.contains(m), "\(message) does not mention \(m)", file: file, line: line) }
        }
    }

    func testWrongFieldCount() throws {
        let path = try file("short.txt", "the 1 2 3\ncat 1 2\n")
        assertError(path, .malformed(place: "v:2", expected: "4 fields (a word and 3 numbers, as the first line has)", found: "3",
                                     hint: "every line holds a word and the same number of values; a word with a space inside, or a cut line, breaks this."),
                    mentions: ["v:2: expected 4 fields"])
        let headed = try file("headed.txt", "2 3\nthe 1 2 3\ncat 1 2 3 4\n")
        assertError(headed, .malformed(place: "v:3", expected: "4 fields (a word and 3 numbers, as the header says)", found: "5",
                                       hint: "every line holds a word and the same number of values; a word with a space inside, or a cut line, breaks this."))
    }

    func testNotANumber() throws {
        let path = try file("nan.txt", "the 1 2 3\ncat 1 x2 3\n")
        assertError(path, .malformed(place: "v:2", expected: "a number in field 3", found: "'x2'",
                                     hint: "each value is a decimal number such as -0.0412 or 1.5e-3. If this is a word2vec binary file, set encoder.word_vectors.format: word2vec_binary."))
        assertError(try file("inf.txt", "the 1 nan 3\n"), .malformed(place: "v:1", expected: "a number in field 3", found: "'nan'",
                                                                    hint: "each value is a decimal number such as -0.0412 or 1.5e-3. If this is a word2vec binary file, set encoder.word_vectors.format: word2vec_binary."))
        assertError(try file("big.txt", "the 1 1e99 3\n"), .malformed(place: "v:1", expected: "a finite float32 in field 3", found: "a value out of range",
                                                                     hint: "values must lie within ±3.4e38."))
    }

    func testDimensionMismatch() throws {
        // the first line against the table's width, the header against it, the header against a line
        assertError(try file("wide.txt", "the 1 2 3 4\n"), .dimensionMismatch(place: "v:1", found: 4, configured: 3, setting: "encoder.word_dim"),
                    mentions: ["set encoder.word_dim: 4"])
        assertError(try file("header.vec", "1 5\nthe 1 2 3 4 5\n"), .dimensionMismatch(place: "v:1", found: 5, configured: 3, setting: "encoder.word_dim"))
        assertError(try word2vec("w.bin", [("the", [1, 2])]), format: .word2vecBinary,
                    .dimensionMismatch(place: "v:1", found: 2, configured: 3, setting: "encoder.word_dim"))
    }

    func testTruncatedBinary() throws {
        let whole = try word2vec("whole.bin", [("the", [1, 2, 3]), ("cat", [4, 5, 6])])
        let data = try Data(contentsOf: URL(fileURLWithPath: whole))
        let cut = try bytes("cut.bin", Array(data.prefix(data.count - 6)))
        XCTAssertThrowsError(try WordVectorReader(path: cut, format: .word2vecBinary, displayName: "v").read(request(["the"]))) { error in
            guard case .countMismatch(let file, let declared, let found, let hint)? = error as? WordVectorError else { return XCTFail("\(error)") }
            XCTAssertEqual([file, "\(declared)", "\(found)"], ["v", "2", "1"])
            XCTAssertTrue(hint.contains("entry 2 is cut") && hint.contains("truncated"), hint)
        }
    }

    func testHugeDeclaredCount() throws {
        // 10^12 words cannot fit in a file of a few bytes: refused before any row is allocated
        assertError(try file("huge.vec", "1000000000000 3\nthe 1 2 3\n"),
                    .impossibleHeader(file: "v", count: 1_000_000_000_000, dimension: 3,
                                      reason: "that needs at least 7000000000000 bytes, the file has 10 after the header (the header is wrong, or the file is truncated)"))
        assertError(try word2vec("huge.bin", [("the", [1, 2, 3])], declared: 999_999_999_999_999_999), format: .word2vecBinary,
                    .impossibleHeader(file: "v", count: 999_999_999_999_999_999, dimension: 3,
                                      reason: "that needs at least more than \(Int.max) bytes, the file has 17 after the header (the header is wrong, or the file is truncated)"))
        assertError(try file("wide.vec", "1 100000\nthe 1\n"),
                    .impossibleHeader(file: "v", count: 1, dimension: 100_000, reason: "a vector has 1 to 65536 values"))
    }

    func testCountMismatchAndBlankLine() throws {
        assertError(try file("fewer.vec", "3 3\nthe 1.000000 2.000000 3.000000\n"), .countMismatch(file: "v", declared: 3, found: 1,
                    hint: "the file is truncated, or the header's count is wrong; download it again or correct line 1."))
        assertError(try file("more.vec", "1 3\nthe 1 2 3\ncat 1 2 3\n"), .countMismatch(file: "v", declared: 1, found: 2,
                    hint: "line 3 is one more than the header (line 1) declares; correct the count or remove the extra lines."))
        assertError(try file("blank.txt", "the 1 2 3\n\ncat 1 2 3\n"), .malformed(place: "v:2", expected: "a word and its values",
                    found: "a blank line", hint: "remove blank lines from the file."))
    }

    func testInvalidUTF8() throws {
        assertError(try bytes("latin1.txt", Array("the 1 2 3\ncaf".utf8) + [0xE9] + Array(" 1 2 3\n".utf8)),
                    .invalidUTF8(place: "v:2", byteOffset: 13), mentions: ["iconv"])
        let bin = try word2vec("latin1.bin", [("caf\u{E9}", [1, 2, 3])])
        var data = Array(try Data(contentsOf: URL(fileURLWithPath: bin)))
        data.remove(at: 8)  // "é" was two bytes (C3 A9); keep A9 alone
        assertError(try bytes("latin1b.bin", data), format: .word2vecBinary, .invalidUTF8(place: "v: entry 1 (byte 4)", byteOffset: 7))
    }

    func testFormatConfusion() throws {
        // a text file read as binary, and a binary file read as text, say which format to set
        let text = try file("text.vec", "1 3\nthe 0.1 0.2 0.3000\n")
        XCTAssertThrowsError(try WordVectorReader(path: text, format: .word2vecBinary).read(request(["the"]))) {
            XCTAssertTrue("\($0)".contains("format: text"), "\($0)")
        }
        let bin = try word2vec("b.bin", [("the", [1, 2, 3]), ("cat", [4, 5, 6])])
        XCTAssertThrowsError(try WordVectorReader(path: bin, format: .text).read(request(["the"]))) {
            XCTAssertTrue("\($0)".contains("format: word2vec_binary"), "\($0)")
        }
        XCTAssertThrowsError(try WordVectorReader(path: folder.appendingPathComponent("missing.txt").path, format: .text).read(request(["the"]))) {
            guard case .unreadableFile? = $0 as? WordVectorError else { return XCTFail("\($0)") }
        }
    }
}
