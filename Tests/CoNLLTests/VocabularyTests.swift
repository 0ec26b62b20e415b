import CoNLL
import Foundation
import XCTest

final class VocabularyTests: XCTestCase {
    private let data = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "the"]]

    func testFirstSeenOrderWithUnknownAtZero() {
        let v = Vocabulary(counting: data)
        XCTAssertEqual(v.entries, ["<unk>", "the", "cat", "sat", "dog", "a"])
        XCTAssertEqual(v.unknownID, 0)
        XCTAssertEqual(v.id(of: "cat"), 2)
        XCTAssertEqual(v.id(of: "zebra"), 0)
        XCTAssertEqual(v[3], "sat")
        XCTAssertEqual(v.count, 6)
    }

    func testFrequencyOrderTiesByFirstSeenAndMinCount() {
        let v = Vocabulary(counting: data, minCount: 2, order: .frequency, specials: ["<pad>", "<unk>"])
        // the ×3, then cat ×2 and sat ×2 in first-seen order; dog and a (×1) dropped.
        XCTAssertEqual(v.entries, ["<pad>", "<unk>", "the", "cat", "sat"])
        XCTAssertEqual(v.unknownID, 1)
        XCTAssertEqual(v.id(of: "dog"), 1)
        let capped = Vocabulary(counting: data, order: .frequency, maxSize: 3)
        XCTAssertEqual(capped.entries, ["<unk>", "the", "cat"])
        // one process cannot show determinism (its hash seed is fixed): DistributedTests'
        // VocabularyAcrossProcessesTests builds the vocabularies in two processes
    }

    func testLabelDictionaryCountsUnseenLabels() throws {
        let source = SourceLocation(file: "t", line: 1)
        let train = [Sentence(tokens: ["a", "b"], labels: ["ner": ["B-PER", "O"]], source: source),
                     Sentence(tokens: ["c"], labels: ["pos": ["NN"]], source: source)]
        let labels = Vocabulary.labels("ner", in: train)
        XCTAssertEqual(labels.entries, ["<unk>", "B-PER", "O"])
        var unknowns: [String: Int] = [:]
        let ids = try labels.encode(["O", "B-LOC", "B-PER", "B-LOC", "I-LOC"], unknowns: &unknowns)
        XCTAssertEqual(ids, [2, 0, 1, 0, 0])
        XCTAssertEqual(unknowns, ["B-LOC": 2, "I-LOC": 1])
        XCTAssertEqual(labels.decode([1, 2]), ["B-PER", "O"])
    }

    func testNoUnknownEntryThrows() {
        let v = Vocabulary(counting: [["O", "B-PER"]], specials: [], unknown: nil)
        XCTAssertEqual(v.entries, ["O", "B-PER"])
        XCTAssertNil(v.id(of: "B-LOC"))
        var unknowns: [String: Int] = [:]
        XCTAssertThrowsError(try v.encode(["B-LOC"], unknowns: &unknowns)) {
            XCTAssertEqual($0 as? CoNLLError, .unknownItem(item: "B-LOC", vocabularySize: 2))
        }
    }

    func testWordsAndCharacters() {
        let source = SourceLocation(file: "t", line: 1)
        let sentences = [Sentence(tokens: ["ab", "ba", "é"], source: source)]
        XCTAssertEqual(Vocabulary.words(in: sentences, order: .firstSeen).entries, ["<unk>", "ab", "ba", "é"])
        XCTAssertEqual(Vocabulary.characters(in: sentences).entries, ["<unk>", "a", "b", "é"])
    }

    func testCodableRoundTripAndCorruptInput() throws {
        var v = Vocabulary(counting: data, specials: ["<pad>", "<unk>"])
        v.add("new")
        let json = try JSONEncoder().encode(v)
        let decoded = try JSONDecoder().decode(Vocabulary.self, from: json)
        XCTAssertEqual(decoded, v)
        XCTAssertEqual(decoded.id(of: "new"), v.count - 1)
        let duplicate = #"{"specials": ["<unk>"], "unknown": "<unk>", "items": ["a", "a"]}"#
        XCTAssertThrowsError(try JSONDecoder().decode(Vocabulary.self, from: Data(duplicate.utf8)))
        let badUnknown = #"{"specials": ["<pad>"], "unknown": "<unk>", "items": ["a"]}"#
        XCTAssertThrowsError(try JSONDecoder().decode(Vocabulary.self, from: Data(badUnknown.utf8)))
    }
}
