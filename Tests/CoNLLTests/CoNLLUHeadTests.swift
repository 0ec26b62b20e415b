import CoNLL
import XCTest

/// CoNLL-U's HEAD column, read as label type `head`: kept as written where it is a word of the
/// sentence or the root, refused with file:line otherwise.
final class CoNLLUHeadTests: XCTestCase {
    /// A CoNLL-U sentence of the given (ID, HEAD) lines; every other field filled in.
    private func conllu(_ lines: [(String, String)]) -> String {
        lines.map { id, head in "\(id)\tw\(id)\tw\t\(id.contains("-") ? "_" : "X")\t_\t_\t\(head)\tdep\t_\t_" }
            .joined(separator: "\n") + "\n\n"
    }

    private func error(_ text: String) -> CoNLLError? {
        do {
            _ = try CoNLLReader(format: .conllu).read(text: text, fileName: "h.conllu")
            XCTFail("read without error")
            return nil
        } catch {
            return error as? CoNLLError
        }
    }

    func testHeadsAreWordIDsOfTheSentenceAfterRangesAndEmptyNodes() throws {
        let text = conllu([("1", "2"), ("2-3", "_"), ("2", "0"), ("3", "2"), ("3.1", "_"), ("4", "3")])
        let s = try CoNLLReader(format: .conllu).read(text: text, fileName: "h.conllu").sentences
        XCTAssertEqual(s[0].tokens, ["w1", "w2", "w3", "w4"])
        XCTAssertEqual(s[0].labels["head"], ["2", "0", "2", "3"])
    }

    func testASentenceWithoutHeadsCarriesNone() throws {
        let text = conllu([("1", "_"), ("2", "_")]) + conllu([("1", "0"), ("2", "1")])
        let result = try CoNLLReader(format: .conllu).read(text: text, fileName: "h.conllu")
        XCTAssertNil(result.sentences[0].labels["head"])
        XCTAssertEqual(result.sentences[1].labels["head"], ["0", "1"])
        XCTAssertEqual(result.report.unannotatedSentences["head"], 1)
    }

    func testHeadsOutsideTheSentenceAreRefusedWithTheirLine() {
        // line 3: HEAD 4 in a sentence of 3 words
        let beyond = error(conllu([("1", "0"), ("2", "1"), ("3", "4")]))
        XCTAssertEqual(beyond, .invalidHead(file: "h.conllu", line: 3, found: "HEAD \"4\" of word 3", words: 3))
        XCTAssertTrue(String(describing: beyond!).hasPrefix("h.conllu:3: expected HEAD 0…3"), String(describing: beyond!))
        XCTAssertTrue(String(describing: beyond!).contains("Hint: "))
        // the range line does not count as a word: line 3 is word 2
        XCTAssertEqual(error(conllu([("1", "0"), ("2-3", "_"), ("2", "4"), ("3", "1")])),
                       .invalidHead(file: "h.conllu", line: 3, found: "HEAD \"4\" of word 2", words: 3))
        XCTAssertEqual(error(conllu([("1", "0"), ("2", "2")])),
                       .invalidHead(file: "h.conllu", line: 2, found: "HEAD 2 of word 2, the word itself", words: 2))
        for bad in ["_", "-1", "x", "1.1", "0000000001"] {
            XCTAssertEqual(error(conllu([("1", "0"), ("2", bad)])),
                           .invalidHead(file: "h.conllu", line: 2, found: "HEAD \"\(bad)\" of word 2", words: 2), bad)
        }
    }

    /// As the CoNLL 2018 evaluation script reads a range `N-M`: the words N to M that follow it.
    func testARangeMustStartAtTheNextWord() {
        XCTAssertEqual(error(conllu([("1", "0"), ("3-4", "_"), ("2", "1")])),
                       .invalidTokenID(file: "h.conllu", line: 2, expected: "a multi-word token range 2-M (M ≥ 2)", found: "\"3-4\""))
        XCTAssertEqual(error(conllu([("1", "0"), ("2-1", "_"), ("2", "1")])),
                       .invalidTokenID(file: "h.conllu", line: 2, expected: "a multi-word token range 2-M (M ≥ 2)", found: "\"2-1\""))
    }

    /// Column files keep a column named `head` as a free label.
    func testOnlyCoNLLUChecksHeads() throws {
        let format = ColumnFormat(columns: ["text", "head"], separator: .whitespace)
        let s = try CoNLLReader(format: .columns(format)).read(text: "a x\nb 7\n\n", fileName: "c.txt").sentences
        XCTAssertEqual(s[0].labels["head"], ["x", "7"])
    }
}
