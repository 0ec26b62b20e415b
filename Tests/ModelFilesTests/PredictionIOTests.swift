import CoNLL
import Foundation
import ModelFiles
import XCTest

/// predict's input reader: LF, CRLF and CR end lines alike; sentences come out the same.
final class PredictionIOTests: XCTestCase {
    func testLinesEndAtLFCRLFAndCR() {
        XCTAssertEqual(PredictionIO.lines(of: "a\nb\r\nc\rd"), ["a", "b", "c", "d"])
        XCTAssertEqual(PredictionIO.lines(of: "a\r\n"), ["a", ""])
        XCTAssertEqual(PredictionIO.lines(of: "\r\r\n\n"), ["", "", "", ""])
        XCTAssertEqual(PredictionIO.lines(of: ""), [""])
        // a combining mark after a line end starts the next line's first Character
        XCTAssertEqual(PredictionIO.lines(of: "e\r\n\u{301}x"), ["e", "\u{301}x"])
    }

    /// The parser's byte lines are `lines(of:)`'s, line ends and combining marks included.
    func testByteLinesAreTheLinesOfTheText() {
        for text in ["a\nb\r\nc\rd", "a\r\n", "\r\r\n\n", "", "e\r\n\u{301}x", "Müller\tNNP\n\u{1F600} x\r", "no end"] {
            let bytes = Array(text.utf8)
            let byByte = PredictionIO.lineRanges(of: bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
            XCTAssertEqual(byByte, PredictionIO.lines(of: text).map(String.init), text.debugDescription)
        }
    }

    /// A line starting with "#" and holding a space but no tab is a comment; "#" with a combining
    /// mark is one Character that is not "#", so that line is a token (read byte by byte, as the
    /// parser does, and by Characters, as the rule says).
    func testCommentLinesOfCoNLLInput() throws {
        let text = ["# sent_id = 1", "#\u{301} x", "#", "#\tSYM", "EU\tNNP", "", "#text", ""].joined(separator: "\n")
        let sentences = try PredictionIO.sentences(in: text, format: .conll, fileName: "in.conll")
        XCTAssertEqual(sentences.map(\.tokens), [["#\u{301}", "#", "#", "EU"], ["#text"]])
        XCTAssertEqual(sentences.map(\.source.line), [2, 7])
    }

    func testTextSentencesAreTheSameForEveryLineEnding() throws {
        for end in ["\n", "\r\n", "\r"] {
            let text = "EU rejects German call" + end + "John lives in Paris" + end
            let sentences = try PredictionIO.sentences(in: text, format: .pretokenized, fileName: "in.txt")
            XCTAssertEqual(sentences.map(\.tokens), [["EU", "rejects", "German", "call"], ["John", "lives", "in", "Paris"]],
                           "line end \(end.debugDescription)")
            XCTAssertEqual(sentences.map(\.source.line), [1, 2])
        }
    }

    func testCoNLLSentencesAreTheSameForEveryLineEnding() throws {
        for end in ["\n", "\r\n", "\r"] {
            let text = ["# sent_id = 1", "EU\tNNP", "rejects\tVBZ", "", "John", ""].joined(separator: end)
            let sentences = try PredictionIO.sentences(in: text, format: .conll, fileName: "in.conll")
            XCTAssertEqual(sentences.map(\.tokens), [["EU", "rejects"], ["John"]], "line end \(end.debugDescription)")
            XCTAssertEqual(sentences.map(\.source.line), [2, 5])
        }
    }

    /// Found by fuzz-predict-input: a combining mark (U+07FD) after a space joins it into one
    /// Character, so a Character split left the space inside the token "Anna \u{7FD}".
    func testACombiningMarkAfterASpaceDoesNotGlueTokens() throws {
        let bytes: [UInt8] = [0x41, 0x6E, 0x6E, 0x61, 0x20, 0xDF, 0xBD, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0x2D]
        let text = try InputFile.text(Data(bytes), fileName: "crash.conll")
        // one line of two words is text, which conll refuses
        XCTAssertThrowsError(try PredictionIO.sentences(in: text, format: .conll, fileName: "crash.conll"))
        for format in [PredictionIO.InputFormat.pretokenized, .text, .auto] {
            let sentences = try PredictionIO.sentences(in: text, format: format, fileName: "crash.conll")
            for token in sentences.flatMap(\.tokens) {
                XCTAssertFalse(token.unicodeScalars.contains { $0 == " " || $0 == "\t" }, "\(format): \(token.debugDescription)")
            }
            XCTAssertEqual(sentences.first?.tokens.first, "Anna", "\(format)")
        }
        let text2 = try PredictionIO.sentences(in: "a \u{301}b c", format: .pretokenized, fileName: "in.txt")
        XCTAssertEqual(text2.map(\.tokens), [["a", "\u{301}b", "c"]])
    }

    func testAnUnreadableInputSaysWhy() {
        XCTAssertThrowsError(try PredictionIO.readInput(path: "/dev/zero")) { error in
            XCTAssertEqual(error as? CoNLLError,
                           .unreadableFile(file: "/dev/zero", reason: "a character device (like /dev/null or /dev/zero), not a data file"))
        }
    }

    func testEncodedCharactersKeepBothEndsOfALongToken() {
        XCTAssertEqual(String(TokenFeatures.encodedCharacters("Paris")), "Paris")
        let exact = String(repeating: "a", count: TokenFeatures.maxCharacters)
        XCTAssertEqual(TokenFeatures.encodedCharacters(exact).count, TokenFeatures.maxCharacters)
        let half = TokenFeatures.maxCharacters / 2
        let long = String(repeating: "b", count: half) + String(repeating: "x", count: 1_000_000) + String(repeating: "e", count: half)
        XCTAssertEqual(String(TokenFeatures.encodedCharacters(long)),
                       String(repeating: "b", count: half) + String(repeating: "e", count: half))
    }
}

/// The raw-text, pretokenized and auto input formats, and text refused as CoNLL.
final class PredictionInputFormatTests: XCTestCase {
    func testRawTextIsTokenisedIntoWords() throws {
        let text = "He didn't come on Tuesday.\r\nShe did. Then\n\nBye!"
        let sentences = try PredictionIO.sentences(in: text, format: .text, fileName: "in.txt")
        XCTAssertEqual(sentences.map(\.tokens), [["He", "did", "n't", "come", "on", "Tuesday", "."], ["She", "did", "."], ["Then"], ["Bye", "!"]])
        XCTAssertEqual(sentences.map(\.source.line), [1, 2, 2, 4])
    }

    func testPretokenizedKeepsTheWhitespaceBehaviour() throws {
        let sentences = try PredictionIO.sentences(in: "on Tuesday.\nx y\n", format: .pretokenized, fileName: "in.txt")
        XCTAssertEqual(sentences.map(\.tokens), [["on", "Tuesday."], ["x", "y"]])
    }

    func testTextGivenAsCoNLLIsRefusedWithTheFix() {
        let prose = "EU rejects German call to boycott British lamb.\nPeter Blackburn\nBRUSSELS 1996-08-22\n"
        XCTAssertThrowsError(try PredictionIO.sentences(in: prose, format: .conll, fileName: "news.txt")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("news.txt:1: --input-format conll expects a token per line"), message)
            XCTAssertTrue(message.contains("--input-format text"), message)
        }
        // one sentence per line, all of the same length: still text
        XCTAssertThrowsError(try PredictionIO.sentences(in: "a b c\n\nd e f\n", format: .conll, fileName: "t.txt"))
        // CoNLL-2003 with space-separated columns, and tab-separated columns, are CoNLL
        let columns = "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n"
        XCTAssertEqual(try PredictionIO.sentences(in: columns, format: .conll, fileName: "c.conll").map(\.tokens),
                       [["EU", "rejects"], ["Peter"]])
        XCTAssertNoThrow(try PredictionIO.sentences(in: "EU\tB-ORG\nsays\n\n", format: .conll, fileName: "c.conll"))
    }

    /// A CoNLL-U sentence with a comment, a multi-word token and an empty node.
    static let coNLLU = "# sent_id = a-1\n# text = I'm here\n1-2\tI'm\t_\t_\t_\t_\t_\t_\t_\t_\n"
        + "1\tI\tI\tPRON\tPRP\t_\t2\tnsubj\t_\t_\n2\t'm\tbe\tAUX\tVBP\t_\t0\troot\t_\t_\n"
        + "2.1\tx\tx\tX\tX\t_\t_\t_\t2:dep\t_\n3\there\there\tADV\tRB\t_\t2\tadvmod\t_\t_\n\n"
        + "1\tYes\tyes\tINTJ\tUH\t_\t0\troot\t_\t_\n\n"

    func testCoNLLUGivesTheWordsFormsAndIsNeverReadAsItsIDs() throws {
        let expected = [["I", "'m", "here"], ["Yes"]]
        XCTAssertEqual(try PredictionIO.sentences(in: Self.coNLLU, format: .conllu, fileName: "u").map(\.tokens), expected)
        XCTAssertEqual(try PredictionIO.sentences(in: Self.coNLLU, format: .auto, fileName: "u").map(\.tokens), expected)
        XCTAssertEqual(try PredictionIO.sentences(in: Self.coNLLU, format: .conllu, fileName: "u").map(\.source.line), [4, 9])
        // as conll it would be the IDs 1-2, 1, 2, 2.1, 3: refused at the first word line, with the fix
        XCTAssertThrowsError(try PredictionIO.sentences(in: Self.coNLLU, format: .conll, fileName: "dev.conllu")) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("dev.conllu:3: --input-format conll reads the first column"), message)
            XCTAssertTrue(message.contains("--input-format conllu"), message)
        }
        // a word line without its 10 columns is refused with its line
        XCTAssertThrowsError(try PredictionIO.sentences(in: "1\tI\tI\n", format: .conllu, fileName: "u")) { error in
            XCTAssertTrue("\(error)".hasPrefix("u:1: a CoNLL-U word line has 10 tab-separated columns"), "\(error)")
        }
        // a token-per-line file whose tokens are numbers, or with fewer columns, stays conll
        XCTAssertEqual(try PredictionIO.sentences(in: "1\tCD\n2\tCD\n\n", format: .conll, fileName: "c").map(\.tokens), [["1", "2"]])
        XCTAssertEqual(try PredictionIO.sentences(in: "1\tCD\n2\tCD\n\n", format: .auto, fileName: "c").map(\.tokens), [["1", "2"]])
    }

    func testAutoDetectsCoNLLAndText() throws {
        XCTAssertEqual(try PredictionIO.sentences(in: "EU\nrejects\n\nPeter\n", format: .auto, fileName: "a").map(\.tokens),
                       [["EU", "rejects"], ["Peter"]])
        XCTAssertEqual(try PredictionIO.sentences(in: "EU NNP\nrejects VBZ\n", format: .auto, fileName: "a").map(\.tokens),
                       [["EU", "rejects"]])
        XCTAssertEqual(try PredictionIO.sentences(in: "I'm in Paris. It rains.\n", format: .auto, fileName: "a").map(\.tokens),
                       [["I", "'m", "in", "Paris", "."], ["It", "rains", "."]])
    }
}
