import CoNLL
import Foundation
import Parsing
import XCTest

/// The training reader (`CoNLLReader`, CoNLL-U labels `head` and `deprel`) and `DependencyTreebank`
/// (read as the CoNLL 2018 evaluation script reads) agree on every sentence's words, heads and
/// relations, so a parser trained on the one is scored as the script scores the other.
final class CoNLLReaderAgreementTests: XCTestCase {
    /// `<checkout>/../shared/data`, found from this file's path.
    private let sharedData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data")

    /// Asserts the two readers agree on the file at `path` and returns both readings.
    @discardableResult
    private func assertAgree(_ path: String, options: ReaderOptions = .strict, file: StaticString = #filePath,
                             line: UInt = #line) throws -> ([Sentence], DependencyTreebank) {
        let read = try CoNLLReader(format: .conllu, options: options).read(contentsOf: URL(fileURLWithPath: path))
        let treebank = try DependencyTreebank(contentsOf: path)
        XCTAssertEqual(read.sentences.count, treebank.sentences.count, file: file, line: line)
        XCTAssertEqual(read.report.skippedMultiwordTokens, treebank.skippedMultiwordTokens, file: file, line: line)
        XCTAssertEqual(read.report.skippedEmptyNodes, treebank.skippedEmptyNodes, file: file, line: line)
        for (s, tree) in zip(read.sentences, treebank.sentences) {
            XCTAssertEqual(s.id, tree.id, file: file, line: line)
            XCTAssertEqual(s.labels["head"]?.map { Int($0) }, tree.heads, tree.name, file: file, line: line)
            XCTAssertEqual(s.labels["deprel"], tree.words.map(\.relation), tree.name, file: file, line: line)
        }
        return (read.sentences, treebank)
    }

    func testFixturesAgree() throws {
        for name in ["gold.conllu", "system.conllu"] { try assertAgree(try Fixtures.path(name)) }
        try assertAgree(try Fixtures.path("crlf.conllu"), options: ReaderOptions(crlf: .accept))
    }

    /// LAS and UAS from the training reader's labels equal the script's (`AttachmentScore` over the
    /// treebanks) on the gold/system pair.
    func testScoresFromReaderLabelsEqualTheScriptsCounts() throws {
        let (gold, goldTrees) = try assertAgree(try Fixtures.path("gold.conllu"))
        let (system, systemTrees) = try assertAgree(try Fixtures.path("system.conllu"))
        var fromLabels = AttachmentScore()
        for (g, s) in zip(gold, system) {
            fromLabels.add(goldHeads: g.labels["head"]!.map { Int($0)! }, goldRelations: g.labels["deprel"]!,
                           systemHeads: s.labels["head"]!.map { Int($0)! }, systemRelations: s.labels["deprel"]!)
        }
        let script = try AttachmentScore(gold: goldTrees, system: systemTrees)
        XCTAssertEqual(fromLabels, script)
        XCTAssertLessThan(script.correctLabelled, script.words)
    }

    /// The malformed HEAD and range fixtures that the treebank reader refuses, the training reader
    /// refuses on the same line.
    func testBrokenHeadsAndRangesAreRefusedOnTheSameLine() throws {
        for (name, line) in [("head-outside.conllu", 2), ("bad-head.conllu", 2), ("bad-range.conllu", 2), ("bad-id.conllu", 2)] {
            XCTAssertThrowsError(try CoNLLReader(format: .conllu).read(contentsOf: URL(fileURLWithPath: try Fixtures.path("malformed/" + name)))) {
                XCTAssertTrue("\($0)".hasPrefix("\(name):\(line): "), "\($0)")
            }
        }
    }

    func testEWTAgrees() throws {
        for split in ["dev", "train"] {
            let path = sharedData.appendingPathComponent("ewt/en_ewt-ud-\(split).conllu").path
            guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("\(path) is absent") }
            let (sentences, treebank) = try assertAgree(path)
            XCTAssertEqual(sentences.reduce(0) { $0 + $1.count }, treebank.wordCount)
        }
    }
}
