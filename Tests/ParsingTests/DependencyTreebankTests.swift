import Foundation
import Parsing
import XCTest

/// `DependencyTreebank` reads CoNLL-U as the CoNLL 2018 evaluation script does, and every malformed
/// fixture produces its typed error naming the file and line.
final class DependencyTreebankTests: XCTestCase {
    func testReadsWordsSkippingMultiwordTokensAndEmptyNodes() throws {
        let gold = try DependencyTreebank(contentsOf: Fixtures.path("gold.conllu"))
        XCTAssertEqual(gold.file, "gold.conllu")
        XCTAssertEqual(gold.sentences.count, 6)
        XCTAssertEqual(gold.wordCount, 42)
        XCTAssertEqual(gold.skippedMultiwordTokens, 2)
        XCTAssertEqual(gold.skippedEmptyNodes, 1)
        let first = gold.sentences[0]
        XCTAssertEqual(first.id, "s1")
        XCTAssertEqual(first.line, 1)
        XCTAssertEqual(first.words.map(\.form), ["We", "do", "n't", "see", "the", "cat", "'s", "tail", "."])
        XCTAssertEqual(first.heads, [4, 4, 4, 0, 6, 8, 6, 4, 4])
        XCTAssertEqual(first.words[5].relation, "nmod:poss")
        XCTAssertEqual(first.words[5].universalRelation, "nmod")
        XCTAssertEqual(first.words[2].lemma, "not")
        XCTAssertEqual(gold.sentences[1].words.map(\.form).count, 9, "the empty node 6.1 is no word")
        // FORM "100 000" loses its space, as the script's character comparison does
        XCTAssertEqual(gold.sentences[5].words[2].form, "100000")
        XCTAssertEqual(gold.sentences[5].name, "s6 (gold.conllu:56)")
    }

    func testAcceptsCRLFAsTheScriptDoes() throws {
        let treebank = try DependencyTreebank(contentsOf: Fixtures.path("crlf.conllu"))
        XCTAssertEqual(treebank.sentences.map(\.heads), [[0]])
        XCTAssertEqual(treebank.sentences[0].words[0].relation, "root")
    }

    func testReadsTextLikeFiles() throws {
        let text = "# sent_id = a\n1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_\n\n"
        let treebank = try DependencyTreebank(text: text, fileName: "inline.conllu")
        XCTAssertEqual(treebank.sentences.first?.name, "a (inline.conllu:1)")
        XCTAssertThrowsError(try DependencyTreebank(text: "", fileName: "empty.conllu")) {
            XCTAssertEqual($0 as? ParsingError, .noSentences(file: "empty.conllu"))
        }
    }

    func testMalformedFilesNameTheirLine() throws {
        let cases: [(String, ParsingError)] = [
            ("cycle.conllu", .invalidTree(file: "cycle.conllu", line: 2, reason: "a cycle through words 2, 3")),
            ("two-roots.conllu", .invalidTree(file: "two-roots.conllu", line: 1, reason: "2 words with HEAD 0 (words 1, 2)")),
            ("head-outside.conllu", .invalidTree(file: "head-outside.conllu", line: 2,
                                                 reason: "HEAD 7 of word 2 points outside the sentence's 2 words")),
            ("missing-final-blank.conllu", .malformedLine(file: "missing-final-blank.conllu", line: 1,
                                                          expected: "a blank line after the last sentence", found: "the end of the file")),
            ("comment-inside.conllu", .malformedLine(file: "comment-inside.conllu", line: 2, expected: "10 tab-separated columns",
                                                     found: "a comment line inside a sentence")),
            ("bad-range.conllu", .malformedLine(file: "bad-range.conllu", line: 2, expected: "a multi-word token range 2-M (M ≥ 2)",
                                                found: "ID \"3-4\"")),
            ("blank-line-run.conllu", .malformedLine(file: "blank-line-run.conllu", line: 3,
                                                     expected: "a word line (sentences are separated by exactly one blank line)",
                                                     found: "a blank line")),
            ("nine-columns.conllu", .malformedLine(file: "nine-columns.conllu", line: 2, expected: "10 tab-separated columns",
                                                   found: "9 column(s)")),
            ("bad-id.conllu", .malformedLine(file: "bad-id.conllu", line: 2, expected: "word ID 2", found: "ID \"3\"")),
            ("bad-head.conllu", .malformedLine(file: "bad-head.conllu", line: 2, expected: "HEAD a number 0…N (0 for the root)",
                                               found: "HEAD \"-1\"")),
            ("empty-form.conllu", .malformedLine(file: "empty-form.conllu", line: 2,
                                                 expected: "a FORM that is not empty (nor only spaces)", found: "\"\u{a0}\"")),
        ]
        for (name, expected) in cases {
            let error = try Fixtures.readError("malformed/" + name)
            XCTAssertEqual(error, expected, name)
            let message = error.map(String.init(describing:)) ?? ""
            XCTAssertTrue(message.hasPrefix("\(name):"), message)
            XCTAssertTrue(message.contains("Hint: "), message)
        }
    }

    func testRefusesWhatIsNotAReadableFile() throws {
        XCTAssertThrowsError(try DependencyTreebank(contentsOf: "/nonexistent/dev.conllu")) {
            guard case .unreadableFile(file: "dev.conllu", _)? = $0 as? ParsingError else {
                return XCTFail("\($0)")
            }
        }
        XCTAssertThrowsError(try DependencyTreebank(contentsOf: NSTemporaryDirectory())) {
            guard case .unreadableFile? = $0 as? ParsingError else { return XCTFail("\($0)") }
        }
        let latin1 = FileManager.default.temporaryDirectory.appendingPathComponent("parsing-latin1-\(getpid()).conllu")
        defer { try? FileManager.default.removeItem(at: latin1) }
        try Data("1\tcaf\u{e9}\t_\tX\t_\t_\t0\troot\t_\t_\n\n".utf8).write(to: latin1)
        var bytes = try Data(contentsOf: latin1)
        bytes.remove(at: 6)
        bytes[5] = 0xE9
        try bytes.write(to: latin1)
        XCTAssertThrowsError(try DependencyTreebank(contentsOf: latin1.path)) {
            XCTAssertEqual($0 as? ParsingError, .malformedLine(file: latin1.lastPathComponent, line: 1, expected: "UTF-8 text",
                                                               found: "bytes that are not UTF-8"))
        }
    }

    func testRefusesOverlongLinesAndSentences() throws {
        let long = "1\t" + String(repeating: "a", count: DependencyTreebank.maxLineBytes) + "\ta\tX\t_\t_\t0\troot\t_\t_\n\n"
        XCTAssertThrowsError(try DependencyTreebank(text: long, fileName: "long.conllu")) {
            guard case .unreadableFile(file: "long.conllu", let reason)? = $0 as? ParsingError else { return XCTFail("\($0)") }
            XCTAssertTrue(reason.contains("line 1"), reason)
        }
        let words = DependencyTreebank.maxWords + 1
        var text = ""
        for w in 1...words { text += "\(w)\tx\tx\tX\t_\t_\t\(w == 1 ? 0 : 1)\tdep\t_\t_\n" }
        XCTAssertThrowsError(try DependencyTreebank(text: text + "\n", fileName: "many.conllu")) {
            XCTAssertEqual($0 as? ParsingError, .malformedLine(file: "many.conllu", line: words,
                                                               expected: "at most \(DependencyTreebank.maxWords) words in a sentence",
                                                               found: "word \(words)"))
        }
    }
}
