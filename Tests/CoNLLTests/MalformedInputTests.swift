import CoNLL
import Foundation
import XCTest

/// Every malformed fixture produces its own typed error, with `file:line:` and a hint.
final class MalformedInputTests: XCTestCase {
    /// Asserts the message starts with `location` and mentions every string in `mentions`.
    private func assertMessage(_ error: CoNLLError?, startsWith location: String, mentions: [String],
                               file: StaticString = #filePath, line: UInt = #line) {
        let message = error.map(String.init(describing:)) ?? ""
        XCTAssertTrue(message.hasPrefix(location), "message \"\(message)\" does not start with \(location)",
                      file: file, line: line)
        XCTAssertTrue(message.contains("Hint: "), "no hint in \"\(message)\"", file: file, line: line)
        for text in mentions {
            XCTAssertTrue(message.contains(text), "message \"\(message)\" does not mention \(text)", file: file, line: line)
        }
    }

    func testWrongColumnCount() throws {
        let error = try Fixtures.error("malformed/missing-column.txt", format: .conll03)
        XCTAssertEqual(error, .wrongColumnCount(file: "missing-column.txt", line: 5,
                                                expected: ["text", "pos", "chunk", "ner"], found: 3,
                                                separator: "whitespace"))
        assertMessage(error, startsWith: "missing-column.txt:5: expected 4 columns (text pos chunk ner), found 3",
                      mentions: [])
    }

    func testWhitespaceOnlyLine() {
        XCTAssertThrowsError(try CoNLLReader(format: .conll03).read(text: "a DT B-NP O\n  \n\n", fileName: "ws.txt")) {
            XCTAssertEqual($0 as? CoNLLError, .wrongColumnCount(file: "ws.txt", line: 2, expected: ["text", "pos", "chunk", "ner"],
                                                                found: 0, separator: "whitespace"))
        }
    }

    func testCRLF() throws {
        let error = try Fixtures.error("malformed/crlf.txt", format: .conll03)
        XCTAssertEqual(error, .crlfLineEnding(file: "crlf.txt", line: 1))
        assertMessage(error, startsWith: "crlf.txt:1:", mentions: ["crlf: accept", "ReaderOptions.crlf"])
    }

    func testDocstart() throws {
        let error = try Fixtures.error("malformed/docstart.txt", format: .conll03)
        XCTAssertEqual(error, .documentSeparator(file: "docstart.txt", line: 1))
        assertMessage(error, startsWith: "docstart.txt:1:", mentions: ["-DOCSTART-", "docstart: skip"])
    }

    func testDocstartInsideSentence() throws {
        let error = try Fixtures.error("malformed/docstart-inside-sentence.txt", format: .conll03,
                                       options: ReaderOptions(docstart: .skip))
        XCTAssertEqual(error, .documentSeparatorInsideSentence(file: "docstart-inside-sentence.txt", line: 2))
        assertMessage(error, startsWith: "docstart-inside-sentence.txt:2:", mentions: ["blank line"])
    }

    func testBlankLineRun() throws {
        let error = try Fixtures.error("malformed/blank-line-run.txt", format: .conll03)
        XCTAssertEqual(error, .blankLineRun(file: "blank-line-run.txt", line: 3))
        assertMessage(error, startsWith: "blank-line-run.txt:3:", mentions: ["blank_line_runs: accept"])
        // A blank line before the first sentence is the same irregularity.
        XCTAssertThrowsError(try CoNLLReader(format: .conll03).read(text: "\na DT B-NP O\n\n", fileName: "lead.txt")) {
            XCTAssertEqual($0 as? CoNLLError, .blankLineRun(file: "lead.txt", line: 1))
        }
    }

    func testMissingFinalBlankLine() throws {
        let error = try Fixtures.error("malformed/no-final-blank-line.txt", format: .conll03)
        XCTAssertEqual(error, .missingFinalBlankLine(file: "no-final-blank-line.txt", line: 3))
        assertMessage(error, startsWith: "no-final-blank-line.txt:3:", mentions: ["missing_final_blank_line: accept"])
        // Without any final newline too.
        XCTAssertThrowsError(try CoNLLReader(format: .conll03).read(text: "a DT B-NP O", fileName: "t.txt")) {
            XCTAssertEqual($0 as? CoNLLError, .missingFinalBlankLine(file: "t.txt", line: 1))
        }
    }

    func testEmptyToken() throws {
        let error = try Fixtures.error("malformed/empty-token.tsv", format: .ewtNERPOS)
        XCTAssertEqual(error, .emptyField(file: "empty-token.tsv", line: 3, column: "text"))
        assertMessage(error, startsWith: "empty-token.tsv:3: expected a non-empty token", mentions: [])
    }

    func testTagSequenceViolation() throws {
        let error = try Fixtures.error("malformed/tag-sequence.txt", format: .conll03)
        guard case .tagSequence(let file, let line, let type, let scheme, _, _)? = error else {
            return XCTFail("got \(String(describing: error))")
        }
        XCTAssertEqual([file, type], ["tag-sequence.txt", "ner"])
        XCTAssertEqual(line, 3)
        XCTAssertEqual(scheme, .iob2)
        assertMessage(error, startsWith: "tag-sequence.txt:3: expected B-LOC", mentions: ["I-LOC after O", "repair_tags"])
    }

    func testMalformedTag() throws {
        let error = try Fixtures.error("malformed/malformed-tag.txt", format: .conll03)
        XCTAssertEqual(error, .malformedTag(file: "malformed-tag.txt", line: 3, labelType: "ner", scheme: .iob2, tag: "LOC"))
        assertMessage(error, startsWith: "malformed-tag.txt:3: expected O or B-/I- followed by a type (IOB2), found \"LOC\"",
                      mentions: [])
    }

    func testNonUTF8() throws {
        let error = try Fixtures.error("malformed/latin1.txt", format: .conll03)
        // "Anna NNP B-NP B-PER\n\ncaf" is 24 bytes; 0xE9 follows.
        XCTAssertEqual(error, .invalidUTF8(file: "latin1.txt", line: 3, byteOffset: 24, byte: 0xE9))
        assertMessage(error, startsWith: "latin1.txt:3:", mentions: ["byte offset 24", "0xE9", "iconv"])
    }

    func testCoNLLUTokenIDOutOfSequence() throws {
        let error = try Fixtures.error("malformed/bad-id.conllu", format: .conllu)
        XCTAssertEqual(error, .invalidTokenID(file: "bad-id.conllu", line: 3, expected: "token ID 2", found: "\"3\""))
        assertMessage(error, startsWith: "bad-id.conllu:3:", mentions: [])
    }

    func testCoNLLUShortRow() throws {
        let error = try Fixtures.error("malformed/short-row.conllu", format: .conllu)
        guard case .wrongColumnCount(_, 3, let expected, 9, "tabs")? = error else {
            return XCTFail("got \(String(describing: error))")
        }
        XCTAssertEqual(expected.count, 10)
        assertMessage(error, startsWith: "short-row.conllu:3: expected 10 columns (id form lemma", mentions: [])
    }

    func testCommentWithoutTokens() throws {
        let error = try Fixtures.error("malformed/comment-without-tokens.tsv", format: .ewtNERPOS)
        XCTAssertEqual(error, .sentenceWithoutTokens(file: "comment-without-tokens.tsv", line: 5))
        assertMessage(error, startsWith: "comment-without-tokens.tsv:5:", mentions: [])
    }

    func testEmptyFile() throws {
        let error = try Fixtures.error("malformed/empty.txt", format: .conll03)
        XCTAssertEqual(error, .noSentences(file: "empty.txt"))
        assertMessage(error, startsWith: "empty.txt: expected at least one sentence", mentions: [])
    }

    func testUnreadableFile() {
        let url = URL(fileURLWithPath: "/nonexistent/dir/train.txt")
        XCTAssertThrowsError(try CoNLLReader(format: .conll03).read(contentsOf: url)) { error in
            guard case .unreadableFile(let file, _) = error as? CoNLLError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, "/nonexistent/dir/train.txt")
        }
    }

    func testUniversalNERIndexMustCount() {
        let text = "1\ta\tO\t-\t-\n3\tb\tO\t-\t-\n\n"
        XCTAssertThrowsError(try CoNLLReader(format: .universalNER).read(text: text, fileName: "u.iob2")) {
            XCTAssertEqual($0 as? CoNLLError, .invalidTokenID(file: "u.iob2", line: 2, expected: "token ID 2", found: "\"3\""))
        }
    }

    func testInvalidUTF8Locator() {
        let cases: [([UInt8], Int)] = [
            ([0x61, 0xC3, 0xA9, 0x62], 4),          // é: valid
            ([0x61, 0xC0, 0x80], 1),                // overlong NUL
            ([0xED, 0xA0, 0x80], 0),                // UTF-16 surrogate
            ([0x61, 0xE2, 0x82], 1),                // truncated €
            ([0xF0, 0x9F, 0x98, 0x80, 0xFF], 4),    // 😀 then 0xFF
            ([0xF4, 0x90, 0x80, 0x80], 0),          // above U+10FFFF
        ]
        for (bytes, offset) in cases {
            let data = Data(bytes) + Data(" DT B-NP O\n\n".utf8)
            do {
                _ = try CoNLLReader(format: .conll03).read(data: data, fileName: "u")
                XCTAssertEqual(offset, bytes.count, "\(bytes) read as valid")
            } catch let CoNLLError.invalidUTF8(_, _, found, byte) {
                XCTAssertEqual(found, offset, "\(bytes)")
                XCTAssertEqual(byte, bytes[offset])
            } catch {
                XCTFail("\(bytes): \(error)")
            }
        }
    }
}
