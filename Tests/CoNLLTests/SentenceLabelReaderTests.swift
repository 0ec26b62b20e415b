import CoNLL
import Foundation
import XCTest

/// The three sources of a classification task's sentence label, read well and refused with
/// `file:line` when malformed: a column constant over the sentence, `# key = value` comments and
/// `sent_id` prefixes, and `text<TAB>label` files.
final class SentenceLabelReaderTests: XCTestCase {
    let topicColumns = CoNLLFormat.columns(ColumnFormat(columns: ["text", "topic", "ner"], separator: .tab))

    func read(_ text: String, _ reader: CoNLLReader, file: String = "in.txt") throws -> [Sentence] {
        try reader.read(text: text, fileName: file).sentences
    }

    func error(_ text: String, _ reader: CoNLLReader, file: String = "in.txt") -> CoNLLError? {
        do {
            _ = try reader.read(text: text, fileName: file)
            return nil
        } catch {
            return error as? CoNLLError
        }
    }

    func testAConstantColumnIsOneLabelPerSentence() throws {
        let reader = CoNLLReader(format: topicColumns, sentenceLabelColumns: ["topic"])
        let s = try read("Rain\tweather\tO\nfalls\tweather\tO\n\nGoal\tsport\tO\n\n", reader)
        XCTAssertEqual(s.map { $0.labels["topic"]! }, [["weather", "weather"], ["sport"]])
    }

    func testAColumnThatChangesWithinASentenceIsRefusedAtItsLine() {
        let reader = CoNLLReader(format: topicColumns, sentenceLabelColumns: ["topic"])
        let e = error("Goal\tsport\tO\n\nRain\tweather\tO\nfalls\tweather\tO\nhard\tsport\tO\n\n", reader, file: "topics.tsv")
        XCTAssertEqual(e, .sentenceLabelVaries(file: "topics.tsv", line: 5, labelType: "topic", first: "weather", found: "sport"))
        let message = e.map(String.init(describing:)) ?? ""
        XCTAssertTrue(message.hasPrefix("topics.tsv:5: expected topic \"weather\" on every token") && message.contains("Hint: "), message)
        // the same column read as a token label varies freely
        XCTAssertNoThrow(try read("Rain\tweather\tO\nhard\tsport\tO\n\n", CoNLLReader(format: topicColumns)))
    }

    static let conllu = """
        # sent_id = weblog-a-0001
        # genre = blog
        1\tRain\train\tNOUN\t_\t_\t0\troot\t_\t_

        # sent_id = email-b-0002
        1\tHi\thi\tINTJ\t_\t_\t0\troot\t_\t_

        # sent_id = plain
        # genre = mail
        1\tOk\tok\tINTJ\t_\t_\t0\troot\t_\t_


        """

    func testCommentLabelsAndSentIDPrefixes() throws {
        let reader = CoNLLReader(format: .conllu, commentLabels: ["genre"], sentIDPrefixLabel: "source")
        let s = try read(Self.conllu, reader)
        XCTAssertEqual(s.map { $0.labels["genre"] }, [["blog"], nil, ["mail"]])
        // the id's part before its first `-`; an id without `-` carries no such label
        XCTAssertEqual(s.map { $0.labels["source"] }, [["weblog"], ["email"], nil])
        XCTAssertEqual(s.map(\.id), ["weblog-a-0001", "email-b-0002", "plain"])
        // without the settings, comments are no labels
        XCTAssertEqual(try read(Self.conllu, CoNLLReader(format: .conllu)).map { $0.labels["genre"] }, [nil, nil, nil])
    }

    func testACommentLabelWrittenTwiceIsRefusedAtTheSecond() {
        let reader = CoNLLReader(format: .conllu, commentLabels: ["genre"])
        let e = error("# genre = a\n# genre = b\n1\tRain\train\tNOUN\t_\t_\t0\troot\t_\t_\n\n", reader, file: "g.conllu")
        XCTAssertEqual(e, .repeatedCommentLabel(file: "g.conllu", line: 2, key: "genre"))
    }

    func testTextLabelLines() throws {
        let s = try read("I  want a  flight\tbook_flight\nwhat time is it\ttime\n", CoNLLReader(format: .textLabel), file: "intents.tsv")
        XCTAssertEqual(s.map(\.tokens), [["I", "want", "a", "flight"], ["what", "time", "is", "it"]])
        XCTAssertEqual(s.map { $0.labels[CoNLLFormat.textLabelType]! }, [Array(repeating: "book_flight", count: 4), Array(repeating: "time", count: 4)])
        XCTAssertEqual(s.map(\.source.description), ["intents.tsv:1", "intents.tsv:2"])
    }

    /// The fuzz seed of `text_label` (launch/fuzz.sh): refused strictly at its blank line, read leniently.
    func testTheTextLabelFixture() throws {
        XCTAssertEqual(try Fixtures.error("intents.tsv", format: .textLabel), .blankLineRun(file: "intents.tsv", line: 3))
        var lenient = ReaderOptions.strict
        lenient.blankLineRuns = .accept
        let read = try Fixtures.read("intents.tsv", format: .textLabel, options: lenient)
        XCTAssertEqual(read.sentences.map(\.tokens), [["I", "want", "a", "flight", "to", "Boston"], ["what", "time", "is", "it"], ["no,", "thanks!"]])
        XCTAssertEqual(read.sentences.map { Set($0.labels[CoNLLFormat.textLabelType]!) }, [["book_flight"], ["time"], ["deny"]])
    }

    func testMalformedTextLabelLinesNameTheirLine() {
        let reader = CoNLLReader(format: .textLabel)
        XCTAssertEqual(error("a b\tx\nno label here\n", reader), .textLabelLine(file: "in.txt", line: 2, tabs: 0))
        XCTAssertEqual(error("a b\tx\ty\n", reader), .textLabelLine(file: "in.txt", line: 1, tabs: 2))
        XCTAssertEqual(error("a\tx\n \tx\n", reader), .emptyField(file: "in.txt", line: 2, column: "text"))
        XCTAssertEqual(error("a\tx\nb\t \n", reader), .emptyField(file: "in.txt", line: 2, column: "label"))
        XCTAssertEqual(error("a\tx\n\nb\ty\n", reader), .blankLineRun(file: "in.txt", line: 2))
        XCTAssertEqual(error("a\tx\r\n", reader), .crlfLineEnding(file: "in.txt", line: 1))
        XCTAssertEqual(error("", reader), .noSentences(file: "in.txt"))
        // a blank line is skipped when blank_line_runs: accept
        var lenient = reader
        lenient.options.blankLineRuns = .accept
        XCTAssertEqual(try read("a\tx\n\nb\ty\n", lenient).count, 2)
        let message = error("a b\tx\ty\n", reader).map(String.init(describing:)) ?? ""
        XCTAssertTrue(message.hasPrefix("in.txt:1: expected text<TAB>label") && message.contains("found 2 tabs"), message)
    }
}
