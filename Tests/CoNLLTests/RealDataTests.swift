import CoNLL
import Foundation
import XCTest

/// Reads the shared corpora (`../shared/data` beside the checkout, see its README.md) with the
/// strict default options and checks the counts the README gives. Skipped when the data is absent.
final class RealDataTests: XCTestCase {
    /// `<checkout>/../shared/data`, the checkout found from this file's path.
    private let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")

    private func read(_ path: String, _ format: CoNLLFormat) throws -> ReadResult {
        let url = root.appendingPathComponent(path)
        guard FileManager.default.fileExists(atPath: url.path) else { throw XCTSkip("\(url.path) is absent") }
        return try CoNLLReader(format: format).read(contentsOf: url)
    }

    private func entityCounts(_ sentences: [Sentence], _ type: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for s in sentences {
            for span in spans(s.labels[type] ?? [], scheme: .iob2) { counts[span.type, default: 0] += 1 }
        }
        return counts
    }

    func testCoNLL03Train() throws {
        let result = try read("conll03/train.txt", .conll03)
        XCTAssertEqual(result.report.sentences, 14_041)
        XCTAssertEqual(result.report.tokens, 203_621)
        XCTAssertEqual(entityCounts(result.sentences, "ner"), ["LOC": 7_140, "PER": 6_600, "ORG": 6_321, "MISC": 3_438])
        XCTAssertEqual(result.sentences.first?.tokens.first, "EU")
    }

    func testCoNLL03Dev() throws {
        let result = try read("conll03/dev.txt", .conll03)
        XCTAssertEqual(result.report.sentences, 3_250)
        XCTAssertEqual(result.report.tokens, 51_362)
        XCTAssertEqual(entityCounts(result.sentences, "ner"), ["LOC": 1_837, "PER": 1_842, "ORG": 1_341, "MISC": 922])
    }

    func testEWTTrain() throws {
        let result = try read("ewt/en_ewt-ud-train.conllu", .conllu)
        XCTAssertEqual(result.report.sentences, 12_544)
        XCTAssertEqual(result.report.tokens, 204_577)
        XCTAssertEqual(result.report.skippedEmptyNodes, 37)
        let nouns = result.sentences.reduce(0) { $0 + ($1.labels["upos"] ?? []).filter { $0 == "NOUN" }.count }
        XCTAssertEqual(nouns, 34_751)
    }

    func testEWTDev() throws {
        let result = try read("ewt/en_ewt-ud-dev.conllu", .conllu)
        XCTAssertEqual(result.report.sentences, 2_001)
        XCTAssertEqual(result.report.tokens, 25_147)
        XCTAssertEqual(result.report.skippedEmptyNodes, 4)
        XCTAssertEqual(result.sentences.filter { $0.id == nil }.count, 0)
    }

    func testUniversalNERDev() throws {
        let result = try read("ewt/en_ewt-uner-dev.iob2", .universalNER)
        XCTAssertEqual(result.report.sentences, 2_001)
        XCTAssertEqual(result.report.tokens, 25_149)
        XCTAssertEqual(entityCounts(result.sentences, "ner"), ["LOC": 399, "PER": 343, "ORG": 224])
    }

    func testJoinedEWTDev() throws {
        let result = try read("ewt/ewt-ner-pos.dev.tsv", .ewtNERPOS)
        XCTAssertEqual(result.report.sentences, 1_998)
        XCTAssertEqual(result.report.tokens, 25_093)
        XCTAssertEqual(result.sentences.filter { $0.id == nil }.count, 0)
        XCTAssertEqual(result.sentences.reduce(0) { $0 + $1.tokens.filter { $0 == "#" }.count }, 3)
        let o = result.sentences.reduce(0) { $0 + ($1.labels["ner"] ?? []).filter { $0 == "O" }.count }
        XCTAssertEqual(o, 23_597)
    }
}
