import CoNLL
import XCTest

/// `TextScan` refuses binary data and overlong tokens at the chunk that holds them, with the line.
final class TextScanTests: XCTestCase {
    private func scan(_ chunks: [String], limit: Int = 8) throws {
        var scan = TextScan(fileName: "in.txt", maxTokenBytes: limit)
        var offset = 0
        for chunk in chunks {
            let bytes = Array(chunk.utf8)
            try bytes.withUnsafeBytes { try scan.check($0, offset: offset) }
            offset += bytes.count
        }
    }

    func testTextPasses() throws {
        try scan(["EU rejects\n", "German\tcall\r\n", "12345678 x\n"])
    }

    func testANulByteIsBinaryDataAtItsLineAndOffset() {
        XCTAssertThrowsError(try scan(["a b\nc", "d\u{0}e\n"])) {
            XCTAssertEqual($0 as? CoNLLError, .binaryData(file: "in.txt", line: 2, byteOffset: 6))
        }
    }

    func testATokenLongerThanTheLimitIsRefusedAcrossChunksAtTheLineItStarts() {
        XCTAssertThrowsError(try scan(["ok\nabcde", "fghi\n"])) {
            XCTAssertEqual($0 as? CoNLLError, .tokenTooLong(file: "in.txt", line: 2, limit: 8))
            XCTAssertEqual("\($0)", "in.txt:2: expected tokens of at most 8 bytes, found a token longer than 8 bytes. Hint: "
                           + "separate the words with spaces, tabs or line ends; a longer run of bytes is not a word.")
        }
    }
}
