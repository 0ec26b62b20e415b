import TextSegmentation
import XCTest

/// The treebank reader and the CoNLL 2018 counting of tokens and sentences.
final class TokenizationEvaluationTests: XCTestCase {
    let conllu = """
    # newdoc id = d1
    # text = I don't know.
    1\tI\tI\tPRON\tPRP\t_\t3\tnsubj\t_\t_
    2-3\tdon't\t_\t_\t_\t_\t_\t_\t_\t_
    2\tdo\tdo\tAUX\tVBP\t_\t4\taux\t_\t_
    3\tn't\tnot\tPART\tRB\t_\t4\tadvmod\t_\t_
    4\tknow\tknow\tVERB\tVB\t_\t0\troot\t_\tSpaceAfter=No
    5\t.\t.\tPUNCT\t.\t_\t4\tpunct\t_\t_

    # text = Mr. Smith left
    1\tMr.\tMr.\tPROPN\tNNP\t_\t2\tcompound\t_\t_
    2\tSmith\tSmith\tPROPN\tNNP\t_\t3\tnsubj\t_\t_
    2.1\tx\tx\tX\tX\t_\t_\t_\t_\t_
    3\tleft\tleave\tVERB\tVBD\t_\t0\troot\t_\t_

    # newpar id = p2
    # text = Bye!
    1\tBye\tbye\tINTJ\tUH\t_\t0\troot\t_\tSpaceAfter=No
    2\t!\t!\tPUNCT\t.\t_\t1\tpunct\t_\t_

    """

    func testTextIsRebuiltAndMultiWordTokensAreOneToken() throws {
        let treebank = try RawTextTreebank(conllu: conllu, fileName: "t.conllu")
        XCTAssertEqual(treebank.text, "I don't know. Mr. Smith left\n\nBye!")
        XCTAssertEqual(treebank.sentences, [["I", "don't", "know", "."], ["Mr.", "Smith", "left"], ["Bye", "!"]])
        let evaluation = TokenizationEvaluation(treebank: treebank)
        XCTAssertEqual(evaluation.tokens, SegmentationScore(gold: 9, system: 9, correct: 9))
        // "Mr. Smith left" runs on into nothing: the tokenizer finds all three sentences
        XCTAssertEqual(evaluation.sentences.f1, 1)
    }

    func testCountingAsTheSharedTaskScript() {
        // gold: [0,2) [2,5) [5,6); system: [0,2) [2,3) [3,6)
        let score = SegmentationScore(gold: [0..<2, 2..<5, 5..<6], system: [0..<2, 2..<3, 3..<6])
        XCTAssertEqual(score.correct, 1)
        XCTAssertEqual(score.precision, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(score.recall, 1.0 / 3, accuracy: 1e-12)
        let partial = SegmentationScore(gold: [0..<2, 2..<5], system: [0..<2, 2..<4, 4..<5])
        XCTAssertEqual(partial.f1, 2.0 * 1 / 5, accuracy: 1e-12)
        XCTAssertEqual(SegmentationScore(gold: [], system: []).f1, 0)
    }

    func testMalformedTreebanksAreRefusedWithTheLine() {
        XCTAssertThrowsError(try RawTextTreebank(conllu: "1\tI\tI\n\n", fileName: "a.conllu")) { error in
            XCTAssertEqual(error as? TextSegmentationError,
                           .malformedLine(file: "a.conllu", line: 1, reason: "expected 10 tab-separated columns, found 3"))
        }
        XCTAssertThrowsError(try RawTextTreebank(conllu: "1\tI\tI\tX\tX\t_\t0\troot\t_\t_\n\n", fileName: "b.conllu")) { error in
            XCTAssertEqual(error as? TextSegmentationError, .missingText(file: "b.conllu", line: 1))
        }
        XCTAssertThrowsError(try RawTextTreebank(conllu: "# text = You\n1\tI\tI\tX\tX\t_\t0\troot\t_\t_\n\n", fileName: "c.conllu")) { error in
            XCTAssertEqual(error as? TextSegmentationError, .textMismatch(file: "c.conllu", line: 1, text: "You", tokens: "I"))
        }
        XCTAssertThrowsError(try RawTextTreebank(conllu: "\n\n", fileName: "d.conllu")) { error in
            XCTAssertEqual(error as? TextSegmentationError, .noSentences(file: "d.conllu"))
        }
    }
}
