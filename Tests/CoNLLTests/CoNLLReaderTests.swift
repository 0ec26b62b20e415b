import CoNLL
import Foundation
import XCTest

final class CoNLLReaderTests: XCTestCase {
    func testCoNLL03Columns() throws {
        let result = try Fixtures.read("conll03.txt", format: .conll03)
        let s = result.sentences
        XCTAssertEqual(s.count, 4)
        XCTAssertEqual(s.map(\.count), [9, 5, 2, 3])
        XCTAssertEqual(result.report.sentences, 4)
        XCTAssertEqual(result.report.tokens, 19)
        XCTAssertEqual(s[0].tokens, ["Anna", "Berg", "visited", "the", "Acme", "Corp.", "in", "Oslo", "."])
        XCTAssertEqual(s[0].labels["pos"], ["NNP", "NNP", "VBD", "DT", "NNP", "NNP", "IN", "NNP", "."])
        XCTAssertEqual(s[0].labels["chunk"], ["B-NP", "I-NP", "B-VP", "B-NP", "I-NP", "I-NP", "B-PP", "B-NP", "O"])
        XCTAssertEqual(s[0].labels["ner"], ["B-PER", "I-PER", "O", "O", "B-ORG", "I-ORG", "O", "B-LOC", "O"])
        XCTAssertEqual(s[0].labelTypes, ["chunk", "ner", "pos"])
        XCTAssertEqual(s[0].source, SourceLocation(file: "conll03.txt", line: 1))
        XCTAssertEqual(s[1].source.line, 11)
        XCTAssertNil(s[0].id)
        // No comments in CoNLL-2003: a `#` line is a token.
        XCTAssertEqual(s[3].tokens, ["#", "1", "seed"])
        XCTAssertEqual(s[3].source.line, 20)
    }

    func testDocstartSkipped() throws {
        let plain = try Fixtures.read("conll03.txt", format: .conll03)
        let options = ReaderOptions(docstart: .skip)
        let skipped = try Fixtures.read("conll03-docstart.txt", format: .conll03, options: options)
        XCTAssertEqual(skipped.sentences.map(\.tokens), plain.sentences.map(\.tokens))
        XCTAssertEqual(skipped.sentences.map { $0.labels }, plain.sentences.map { $0.labels })
        XCTAssertEqual(skipped.report.skippedDocumentSeparators, 2)
        XCTAssertEqual(skipped.report.extraBlankLines, 0)
        XCTAssertEqual(skipped.sentences[1].source.line, 15)
    }

    func testJoinedEWTHashTokenAndSentIDs() throws {
        let s = try Fixtures.read("ewt-ner-pos.tsv", format: .ewtNERPOS).sentences
        XCTAssertEqual(s.map(\.id), ["demo-0001", "demo-0002", "demo-0003"])
        XCTAssertEqual(s[0].labels["upos"], ["ADV", "ADP", "PROPN", "PROPN", "PUNCT"])
        XCTAssertEqual(s[0].labels["ner"], ["O", "O", "B-LOC", "I-LOC", "O"])
        // `#<TAB>SYM<TAB>O` is a token line, not a comment.
        XCTAssertEqual(s[1].tokens, ["#", "audiobooks"])
        XCTAssertEqual(s[1].labels["upos"], ["SYM", "NOUN"])
        // With tab separation a token may contain spaces.
        XCTAssertEqual(s[2].tokens, ["Mary", "called", "New York"])
        XCTAssertEqual(s[0].source.line, 1)
        XCTAssertEqual(s[1].source.line, 8)
    }

    func testUniversalNER() throws {
        let s = try Fixtures.read("uner.iob2", format: .universalNER).sentences
        XCTAssertEqual(s.count, 3)
        XCTAssertEqual(s.map(\.id), ["demo-0001", "demo-0002", "demo-0003"])
        XCTAssertEqual(s[0].tokens, ["Ask", "Anna", "about", "Paris"])
        XCTAssertEqual(s[0].labels, ["ner": ["O", "B-PER", "O", "B-LOC"]])
        XCTAssertEqual(s[1].tokens, ["#", "tags"])
        XCTAssertEqual(s[2].labels["ner"], ["B-ORG", "I-ORG", "I-ORG"])
        XCTAssertEqual(s[0].source.line, 1)
    }

    func testAColumnOfUnderscoresIsUnannotatedNotALabel() throws {
        let text = [
            "# sent_id = a", "1\tHi\thi\t_\t_\t_\t0\troot\t_\t_", "2\tyou\tyou\t_\t_\t_\t1\tvocative\t_\t_", "",
            "# sent_id = b", "1\tGo\tgo\tVERB\tVB\t_\t0\troot\t_\t_", "2\tnow\tnow\tADV\tRB\tDegree=Pos\t1\tadvmod\t_\t_", "",
        ].joined(separator: "\n") + "\n"
        let result = try CoNLLReader(format: .conllu).read(text: text, fileName: "partial.conllu")
        let s = result.sentences
        // sentence a: UPOS, XPOS and FEATS all _, so it carries none of them; its lemma, head and deprel stay
        XCTAssertEqual(Set(s[0].labels.keys), ["lemma", "head", "deprel"])
        XCTAssertNil(s[0].labels["upos"])
        // sentence b: a _ among real values stays a value (FEATS "no features")
        XCTAssertEqual(s[1].labels["upos"], ["VERB", "ADV"])
        XCTAssertEqual(s[1].labels["feats"], ["_", "Degree=Pos"])
        XCTAssertEqual(result.report.unannotatedSentences, ["upos": 1, "xpos": 1, "feats": 1])
    }

    func testAnUnannotatedTagColumnIsNotCheckedAgainstItsScheme() throws {
        let format = ColumnFormat(columns: ["text", "ner"], separator: .whitespace, tagSchemes: ["ner": .iob2])
        let result = try CoNLLReader(format: .columns(format)).read(text: "EU _\nrejects _\n\nParis B-LOC\n\n", fileName: "t.txt")
        XCTAssertEqual(result.sentences.map { $0.labels["ner"] }, [nil, ["B-LOC"]])
        XCTAssertEqual(result.report.unannotatedSentences, ["ner": 1])
        // a _ among tags is a malformed tag, as before
        XCTAssertThrowsError(try CoNLLReader(format: .columns(format)).read(text: "EU _\nrejects O\n\n", fileName: "t.txt"))
    }

    func testCoNLLU() throws {
        let result = try Fixtures.read("sample.conllu", format: .conllu)
        let s = result.sentences
        XCTAssertEqual(s.count, 3)
        // The range line `2-3 don't` is skipped; the syntactic words remain.
        XCTAssertEqual(s[0].tokens, ["I", "do", "n't", "know", "."])
        XCTAssertEqual(s[0].labels["upos"], ["PRON", "AUX", "PART", "VERB", "PUNCT"])
        XCTAssertEqual(s[0].labels["xpos"], ["PRP", "VBP", "RB", "VB", "."])
        XCTAssertEqual(s[0].labels["lemma"], ["I", "do", "not", "know", "."])
        XCTAssertEqual(s[0].labels["deprel"], ["nsubj", "aux", "advmod", "root", "punct"])
        XCTAssertEqual(s[0].labels["head"], ["4", "4", "4", "0", "4"])
        XCTAssertEqual(s[0].labels["feats"]?[2], "Polarity=Neg")
        XCTAssertEqual(Set(s[0].labels.keys), ["upos", "xpos", "feats", "lemma", "head", "deprel"])
        // A `#` token on a word line is a token.
        XCTAssertEqual(s[1].tokens, ["#", "1"])
        // The empty node 5.1 is skipped.
        XCTAssertEqual(s[2].tokens, ["Sue", "likes", "tea", "and", "Bob", "coffee"])
        XCTAssertEqual(s[2].labels["head"], ["2", "0", "2", "5", "2", "2"])
        XCTAssertEqual(s.map(\.id), ["demo-0001", "demo-0002", "demo-0003"])
        XCTAssertEqual(result.report.skippedMultiwordTokens, 1)
        XCTAssertEqual(result.report.skippedEmptyNodes, 1)
        XCTAssertEqual(result.report.tokens, 13)
    }

    func testSentIDCommentVariants() throws {
        let format = CoNLLFormat.columns(ColumnFormat(columns: ["text", "ner"], separator: .tab, comments: .hash))
        let text = "# sent_id=a1\nx\tO\n\n# sent_idx = b\ny\tO\n\n#sent_id c3  \n# sent_id = ignored\nz\tO\n\n"
        let s = try CoNLLReader(format: format).read(text: text, fileName: "t").sentences
        XCTAssertEqual(s.map(\.id), ["a1", nil, "c3"])
        XCTAssertEqual(s.map(\.source.line), [1, 4, 7])
    }

    func testReadTextMatchesReadFile() throws {
        let url = try Fixtures.url("ewt-ner-pos.tsv")
        let text = try String(contentsOf: url, encoding: .utf8)
        let fromText = try CoNLLReader(format: .ewtNERPOS).read(text: text, fileName: "ewt-ner-pos.tsv")
        let fromFile = try CoNLLReader(format: .ewtNERPOS).read(contentsOf: url)
        XCTAssertEqual(fromText.sentences, fromFile.sentences)
    }

    func testCustomColumnMapWithIgnoredColumns() throws {
        let format = CoNLLFormat.columns(ColumnFormat(columns: ["text", "-", "_", "ner"],
                                                      tagSchemes: ["ner": .iob2]))
        let s = try CoNLLReader(format: format).read(text: "a x y O\nb x y B-PER\n\n", fileName: "t").sentences
        XCTAssertEqual(s, [Sentence(tokens: ["a", "b"], labels: ["ner": ["O", "B-PER"]],
                                    source: SourceLocation(file: "t", line: 1))])
    }

    func testByteOrderMarkDropped() throws {
        let data = Data([0xEF, 0xBB, 0xBF]) + Data("a DT B-NP O\n\n".utf8)
        let s = try CoNLLReader(format: .conll03).read(data: data, fileName: "bom.txt").sentences
        XCTAssertEqual(s.first?.tokens, ["a"])
    }

    func testLenientOptionsAcceptIrregularInput() throws {
        let crlf = try Fixtures.read("malformed/crlf.txt", format: .conll03, options: .lenient)
        XCTAssertEqual(crlf.sentences.map(\.tokens), [["Anna", "Berg"], ["Prices"]])
        XCTAssertEqual(crlf.sentences[0].labels["ner"], ["B-PER", "I-PER"])
        XCTAssertEqual(crlf.report.crlfLines, 5)

        let runs = try Fixtures.read("malformed/blank-line-run.txt", format: .conll03, options: .lenient)
        XCTAssertEqual(runs.sentences.count, 2)
        XCTAssertEqual(runs.report.extraBlankLines, 1)

        let noFinal = try Fixtures.read("malformed/no-final-blank-line.txt", format: .conll03, options: .lenient)
        XCTAssertEqual(noFinal.sentences.map(\.tokens), [["Anna"], ["Prices"]])
        XCTAssertTrue(noFinal.report.missingFinalBlankLine)

        let noNewline = try CoNLLReader(format: .conll03, options: .lenient).read(text: "a DT B-NP O", fileName: "t")
        XCTAssertEqual(noNewline.sentences.map(\.tokens), [["a"]])
    }

    func testRepairTags() throws {
        let result = try Fixtures.read("malformed/tag-sequence.txt", format: .conll03,
                                       options: ReaderOptions(repairTags: true))
        // `O I-LOC I-LOC` → `O B-LOC I-LOC`; `B-ORG I-MISC` → `B-ORG B-MISC`.
        XCTAssertEqual(result.sentences[0].labels["ner"], ["B-PER", "O", "B-LOC", "I-LOC"])
        XCTAssertEqual(result.sentences[1].labels["ner"], ["B-ORG", "B-MISC"])
        XCTAssertEqual(result.report.repairedTags, ["ner": 2])
        // Repair never rewrites a malformed tag.
        let error = try Fixtures.error("malformed/malformed-tag.txt", format: .conll03,
                                       options: ReaderOptions(repairTags: true))
        guard case .malformedTag = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testFormatValidation() throws {
        for columns in [["pos", "ner"], ["text", "text"], ["text", "ner", "ner"]] {
            let reader = CoNLLReader(format: .columns(ColumnFormat(columns: columns)))
            XCTAssertThrowsError(try reader.read(text: "a b\n\n", fileName: "t")) { error in
                guard case .invalidFormat = error as? CoNLLError else { return XCTFail("\(error)") }
            }
        }
        let badScheme = ColumnFormat(columns: ["text", "pos"], tagSchemes: ["ner": .iob2])
        XCTAssertThrowsError(try badScheme.validate())
    }

    func testOptionsAndFormatDecodeFromSnakeCase() throws {
        let json = #"{"docstart": "skip", "blank_line_runs": "accept", "repair_tags": true}"#
        let options = try JSONDecoder().decode(ReaderOptions.self, from: Data(json.utf8))
        XCTAssertEqual(options, ReaderOptions(docstart: .skip, blankLineRuns: .accept, repairTags: true))
        let format = try JSONDecoder().decode(ColumnFormat.self, from: Data(
            #"{"columns": ["text", "upos", "ner"], "separator": "tab", "comments": "hash_without_separator", "tag_schemes": {"ner": "iob2"}}"#.utf8))
        XCTAssertEqual(format, .ewtNERPOS)
    }
}
