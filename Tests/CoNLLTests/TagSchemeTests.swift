import CoNLL
import XCTest

final class TagSchemeTests: XCTestCase {
    private func tags(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    func testWellFormedTags() {
        XCTAssertTrue(TagScheme.iob2.isWellFormed("O"))
        XCTAssertTrue(TagScheme.iob2.isWellFormed("B-PER"))
        XCTAssertTrue(TagScheme.iob2.isWellFormed("I-B-X"))
        XCTAssertFalse(TagScheme.iob2.isWellFormed("S-PER"))
        XCTAssertFalse(TagScheme.iob2.isWellFormed("B-"))
        XCTAssertFalse(TagScheme.iob2.isWellFormed("PER"))
        XCTAssertFalse(TagScheme.iob2.isWellFormed("o"))
        XCTAssertTrue(TagScheme.bioes.isWellFormed("S-PER"))
        XCTAssertTrue(TagScheme.bioes.isWellFormed("E-PER"))
    }

    func testValidationIOB2() {
        XCTAssertNil(TagScheme.iob2.validate(tags("B-PER I-PER O B-LOC B-LOC I-LOC")))
        let afterO = TagScheme.iob2.validate(tags("O I-PER"))
        XCTAssertEqual(afterO?.index, 1)
        XCTAssertEqual(afterO?.kind, .sequence)
        XCTAssertEqual(afterO?.found, "I-PER after O")
        XCTAssertEqual(TagScheme.iob2.validate(tags("I-PER"))?.index, 0)
        XCTAssertEqual(TagScheme.iob2.validate(tags("B-PER I-PER I-LOC"))?.index, 2)
        let malformed = TagScheme.iob2.validate(tags("B-PER E-PER"))
        XCTAssertEqual(malformed?.index, 1)
        XCTAssertEqual(malformed?.kind, .malformed)
    }

    func testValidationIOB1() {
        XCTAssertNil(TagScheme.iob1.validate(tags("I-PER I-PER B-PER O I-LOC")))
        XCTAssertEqual(TagScheme.iob1.validate(tags("O B-PER"))?.index, 1)
        XCTAssertEqual(TagScheme.iob1.validate(tags("I-LOC B-PER"))?.index, 1)
    }

    func testValidationBIOES() {
        XCTAssertNil(TagScheme.bioes.validate(tags("B-PER I-PER E-PER O S-LOC B-ORG E-ORG")))
        XCTAssertEqual(TagScheme.bioes.validate(tags("B-PER O"))?.index, 1)
        XCTAssertEqual(TagScheme.bioes.validate(tags("O I-PER E-PER"))?.index, 1)
        XCTAssertEqual(TagScheme.bioes.validate(tags("B-PER E-LOC"))?.index, 1)
        XCTAssertEqual(TagScheme.bioes.validate(tags("S-PER E-PER"))?.index, 1)
        // An unclosed span is reported at the last token.
        let open = TagScheme.bioes.validate(tags("O B-PER I-PER"))
        XCTAssertEqual(open?.index, 2)
        XCTAssertEqual(open?.found, "I-PER at the end of the sentence")
    }

    func testConversions() {
        // IOB1 → IOB2: a span's first token becomes B-.
        XCTAssertEqual(TagScheme.convert(tags("I-PER I-PER B-PER O I-LOC I-ORG"), from: .iob1, to: .iob2),
                       tags("B-PER I-PER B-PER O B-LOC B-ORG"))
        // IOB2 → BIOES → IOB2 round trip.
        let iob2 = tags("B-PER I-PER I-PER O B-LOC B-LOC I-LOC O B-ORG")
        let bioes = TagScheme.convert(iob2, from: .iob2, to: .bioes)
        XCTAssertEqual(bioes, tags("B-PER I-PER E-PER O S-LOC B-LOC E-LOC O S-ORG"))
        XCTAssertEqual(TagScheme.convert(bioes, from: .bioes, to: .iob2), iob2)
        // IOB2 → IOB1 uses B- only between adjacent spans of one type.
        XCTAssertEqual(TagScheme.convert(iob2, from: .iob2, to: .iob1),
                       tags("I-PER I-PER I-PER O I-LOC B-LOC I-LOC O I-ORG"))
        XCTAssertEqual(TagScheme.convert([], from: .iob2, to: .bioes), [])
    }

    func testRepair() {
        XCTAssertEqual(TagScheme.iob2.repair(tags("O I-PER I-PER B-LOC I-ORG")).tags, tags("O B-PER I-PER B-LOC B-ORG"))
        XCTAssertEqual(TagScheme.iob2.repair(tags("O I-PER I-PER B-LOC I-ORG")).repairs, 2)
        let valid = tags("B-PER I-PER O")
        XCTAssertEqual(TagScheme.iob2.repair(valid).tags, valid)
        XCTAssertEqual(TagScheme.iob2.repair(valid).repairs, 0)
        XCTAssertEqual(TagScheme.bioes.repair(tags("B-PER O I-LOC")).tags, tags("S-PER O S-LOC"))
        XCTAssertEqual(TagScheme.iob1.repair(tags("O B-PER")).tags, tags("O I-PER"))
    }

    func testSpansFollowConllevalOnIllFormedSequences() {
        // I-X after O starts a chunk.
        XCTAssertEqual(spans(tags("O I-PER I-PER O"), scheme: .iob2), [Span(type: "PER", start: 1, end: 3)])
        // I-X after B-Y starts a new chunk of type X.
        XCTAssertEqual(spans(tags("B-LOC I-PER"), scheme: .iob2),
                       [Span(type: "LOC", start: 0, end: 1), Span(type: "PER", start: 1, end: 2)])
        // B-X after B-X or I-X starts a new chunk.
        XCTAssertEqual(spans(tags("B-PER B-PER I-PER B-PER"), scheme: .iob2),
                       [Span(type: "PER", start: 0, end: 1), Span(type: "PER", start: 1, end: 3),
                        Span(type: "PER", start: 3, end: 4)])
        // IOB1 read correctly with the same rules.
        XCTAssertEqual(spans(tags("I-PER I-PER B-PER"), scheme: .iob1),
                       [Span(type: "PER", start: 0, end: 2), Span(type: "PER", start: 2, end: 3)])
        // Conlleval's E rules: E-X then I-X ends and starts; O then E-X starts.
        XCTAssertEqual(spans(tags("B-PER E-PER I-PER O E-LOC"), scheme: .iob2),
                       [Span(type: "PER", start: 0, end: 2), Span(type: "PER", start: 2, end: 3),
                        Span(type: "LOC", start: 4, end: 5)])
        // Original conlleval has no S rule: S-X S-X is one chunk; with BIOES they are two.
        XCTAssertEqual(spans(tags("S-PER S-PER"), scheme: .iob2), [Span(type: "PER", start: 0, end: 2)])
        XCTAssertEqual(spans(tags("S-PER S-PER"), scheme: .bioes),
                       [Span(type: "PER", start: 0, end: 1), Span(type: "PER", start: 1, end: 2)])
        // BIOES: E-X then B-X are two chunks; an unclosed B-X still yields its span.
        XCTAssertEqual(spans(tags("B-PER E-PER B-PER I-PER"), scheme: .bioes),
                       [Span(type: "PER", start: 0, end: 2), Span(type: "PER", start: 2, end: 4)])
        XCTAssertEqual(spans([], scheme: .iob2), [])
        XCTAssertEqual(spans(tags("O O"), scheme: .bioes), [])
    }
}
