import TextSegmentation
import XCTest

/// Each tokenisation rule, the offsets, and hostile input.
final class TextTokenizerTests: XCTestCase {
    let tokenizer = TextTokenizer()

    /// The sentences of `text` as forms.
    func forms(_ text: String) -> [[String]] {
        tokenizer.sentences(in: text).map { $0.tokens.map(\.form) }
    }

    /// Every token's and word's offsets spell its form, words tile their token, tokens are in order.
    func assertOffsets(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let scalars = Array(text.unicodeScalars)
        var last = 0
        for token in tokenizer.tokens(in: text) {
            XCTAssertGreaterThanOrEqual(token.start, last, file: file, line: line)
            XCTAssertLessThanOrEqual(token.end, scalars.count, file: file, line: line)
            XCTAssertEqual(String(String.UnicodeScalarView(scalars[token.start..<token.end])), token.form, file: file, line: line)
            XCTAssertEqual(token.words.first?.start, token.start, file: file, line: line)
            XCTAssertEqual(token.words.last?.end, token.end, file: file, line: line)
            for (a, b) in zip(token.words, token.words.dropFirst()) { XCTAssertEqual(a.end, b.start, file: file, line: line) }
            for word in token.words {
                XCTAssertEqual(String(String.UnicodeScalarView(scalars[word.start..<word.end])), word.form, file: file, line: line)
            }
            last = token.end
        }
    }

    func testPunctuationIsSplitOff() {
        XCTAssertEqual(forms("He left on Tuesday."), [["He", "left", "on", "Tuesday", "."]])
        XCTAssertEqual(forms("Wait, (really)?"), [["Wait", ",", "(", "really", ")", "?"]])
        XCTAssertEqual(forms("What?!! No..."), [["What", "?!!"], ["No", "..."]])
    }

    func testCliticsAreWordsOfOneToken() {
        let tokens = tokenizer.tokens(in: "I don't know, I'm sure John's can't.")
        XCTAssertEqual(tokens.map(\.form), ["I", "don't", "know", ",", "I'm", "sure", "John's", "can't", "."])
        XCTAssertEqual(tokens[1].words.map(\.form), ["do", "n't"])
        XCTAssertEqual(tokens[4].words.map(\.form), ["I", "'m"])
        XCTAssertEqual(tokens[6].words.map(\.form), ["John", "'s"])
        XCTAssertEqual(tokens[7].words.map(\.form), ["ca", "n't"])
        XCTAssertEqual(tokenizer.tokens(in: "They’re here")[0].words.map(\.form), ["They", "’re"])
        XCTAssertEqual(tokenizer.tokens(in: "cannot")[0].words.map(\.form), ["can", "not"])
        XCTAssertEqual(tokenizer.tokens(in: "gonna")[0].words.map(\.form), ["gon", "na"])
    }

    func testAbbreviationsKeepTheirPeriodAndDoNotEndTheSentence() {
        XCTAssertEqual(forms("Mr. Smith met Dr. Jones in the U.S. on Jan. 5, e.g. at Acme Inc. yesterday."),
                       [["Mr.", "Smith", "met", "Dr.", "Jones", "in", "the", "U.S.", "on", "Jan.", "5", ",", "e.g.", "at",
                         "Acme", "Inc.", "yesterday", "."]])
        XCTAssertEqual(forms("George W. Bush spoke."), [["George", "W.", "Bush", "spoke", "."]])
    }

    func testNumbersStayWhole() {
        XCTAssertEqual(forms("It cost $1,000,000.50 or 3.5 % at 10:30 on 11/28/2000, call 713-853-3989."),
                       [["It", "cost", "$", "1,000,000.50", "or", "3.5", "%", "at", "10:30", "on", "11/28/2000", ",",
                         "call", "713-853-3989", "."]])
        XCTAssertEqual(forms("at 5pm for 20% off the 3rd"), [["at", "5", "pm", "for", "20", "%", "off", "the", "3rd"]])
        XCTAssertEqual(forms("1,2"), [["1", ",", "2"]])
    }

    func testURLsAndEmailAddressesStayWhole() {
        XCTAssertEqual(forms("See http://www.un.org/ha/chernobyl/. Mail <carol.st.clair@enron.com>, or www.juancole.com!"),
                       [["See", "http://www.un.org/ha/chernobyl/", "."],
                        ["Mail", "<", "carol.st.clair@enron.com", ">", ",", "or", "www.juancole.com", "!"]])
    }

    func testQuotesAreSplit() {
        XCTAssertEqual(forms("He said \"go\" and 'stay' and “now”."),
                       [["He", "said", "\"", "go", "\"", "and", "'", "stay", "'", "and", "“", "now", "”", "."]])
    }

    func testHyphensAsUDEWTKeepsThem() {
        XCTAssertEqual(forms("a well-known e-mail from Al-Zaman, non-stop -- mid-July"),
                       [["a", "well", "-", "known", "e-mail", "from", "Al", "-", "Zaman", ",", "non-stop", "--", "mid-July"]])
    }

    func testSentences() {
        XCTAssertEqual(forms("It rained. Then it stopped! Did it? \"Yes.\" He left."),
                       [["It", "rained", "."], ["Then", "it", "stopped", "!"], ["Did", "it", "?"], ["\"", "Yes", ".", "\""],
                        ["He", "left", "."]])
        XCTAssertEqual(forms("I waited... and waited... Then nothing"), [["I", "waited", "...", "and", "waited", "..."], ["Then", "nothing"]])
        // a blank line is a paragraph break, a single line break is not
        XCTAssertEqual(forms("Thanks\nGregg\n\nKay Mann"), [["Thanks", "Gregg"], ["Kay", "Mann"]])
        XCTAssertEqual(forms("Thanks\r\n\r\nKay"), [["Thanks"], ["Kay"]])
        XCTAssertEqual(forms("Kay Mann 10/26/2000 11:26 AM I'm home"), [["Kay", "Mann", "10/26/2000", "11:26", "AM"], ["I'm", "home"]])
    }

    func testOffsetsAreUnicodeScalarOffsets() {
        let text = "Café ☕️ costs €3. Naïve “quotes” don't."
        assertOffsets(text)
        let tokens = tokenizer.tokens(in: text)
        XCTAssertEqual(tokens[0].form, "Café")
        XCTAssertEqual(tokens[0].start, 0)
        XCTAssertEqual(tokens[0].end, 4)
        let dont = tokens.first { $0.form == "don't" }!
        XCTAssertEqual(dont.words.map { [$0.start, $0.end] }, [[dont.start, dont.start + 2], [dont.start + 2, dont.end]])
    }

    func testHostileInput() {
        XCTAssertEqual(forms(""), [])
        XCTAssertEqual(forms("   \n\t \r\n "), [])
        let huge = String(repeating: "a", count: 100_000)
        XCTAssertEqual(tokenizer.tokens(in: huge).map(\.end), [100_000])
        for text in [String(repeating: "a-", count: 50_000), String(repeating: ".", count: 100_000),
                     String(repeating: "1,", count: 50_000), String(repeating: "a/", count: 50_000),
                     String(repeating: "'", count: 100_000)] {
            let tokens = tokenizer.tokens(in: text)
            XCTAssertEqual(tokens.last?.end, text.unicodeScalars.count)
            assertOffsets(text)
        }
        // NULs separate tokens and never appear in one
        XCTAssertEqual(forms("a\u{0}b\u{0}\u{0}cat."), [["a", "b", "cat", "."]])
        assertOffsets("a\u{0}b\u{0}\u{0}cat.")
        // combining marks stay on their base, even with no base
        let combining = "e\u{301}te\u{301} \u{301}x \u{20DD}"
        XCTAssertEqual(forms(combining), [["e\u{301}te\u{301}", "\u{301}x", "\u{20DD}"]])
        assertOffsets(combining)
        assertOffsets("Line one.\r\nLine two.\r\n\r\nThree")
        XCTAssertEqual(forms("Line one.\r\nLine two."), [["Line", "one", "."], ["Line", "two", "."]])
    }

    func testJSONAndSpaceSeparatedOutput() {
        let sentence = tokenizer.sentences(in: "I don't \"x\".")[0]
        XCTAssertEqual(sentence.spaceSeparated, "I don't \" x \" .")
        XCTAssertEqual(sentence.jsonObject,
                       "{\"start\":0,\"end\":12,\"tokens\":[{\"form\":\"I\",\"start\":0,\"end\":1},"
                       + "{\"form\":\"don't\",\"start\":2,\"end\":7,\"words\":[{\"form\":\"do\",\"start\":2,\"end\":4},"
                       + "{\"form\":\"n't\",\"start\":4,\"end\":7}]},{\"form\":\"\\\"\",\"start\":8,\"end\":9},"
                       + "{\"form\":\"x\",\"start\":9,\"end\":10},{\"form\":\"\\\"\",\"start\":10,\"end\":11},"
                       + "{\"form\":\".\",\"start\":11,\"end\":12}]}")
    }
}
