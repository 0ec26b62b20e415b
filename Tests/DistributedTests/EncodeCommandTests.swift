import Foundation
import TestSupport
import XCTest

/// `mtl-dist encode` on the tiny BERT fixture against vectors computed in Python (encode.json).
final class EncodeCommandTests: XCTestCase {
    struct Line: Decodable {
        let tokens: [String]
        let subwords: [[String]]
        let vectors: [[Float]]
    }

    static var fixtures: URL { EncodeReference.fixtures }

    func testPrintsThePooledVectorsOfTransformers() throws {
        let reference = try EncodeReference.load()
        let dir = try temporaryDirectory()
        // the same sentences as CoNLL (a token per line) and as text; a space inside a token cannot be text
        let conll = dir.appendingPathComponent("input.conll")
        try (reference.sentences.map { $0.map { $0 + "\tX" }.joined(separator: "\n") + "\n\n" }.joined()).write(to: conll, atomically: true, encoding: .utf8)
        for setting in reference.settings {
            let run = try MTLDist.run(["encode", "--transformer", Self.fixtures.appendingPathComponent("tiny-bert").path,
                                       "--input", conll.path, "--input-format", "conll", "--batch-size", "2",
                                       "--layers", setting.layers.map(String.init).joined(separator: ","), "--pooling", setting.pooling])
            XCTAssertEqual(run.status, 0, run.description)
            let lines = try run.stdout.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
            XCTAssertEqual(lines.count, reference.sentences.count)
            for (i, line) in lines.enumerated() {
                XCTAssertEqual(line.tokens, reference.sentences[i])
                XCTAssertEqual(line.subwords.flatMap { $0 }, setting.subwords[i])
                assertClose(line.vectors.flatMap { $0 }, setting.vectors[i].flatMap { $0 }, atol: 1e-5, rtol: 0,
                            "\(setting.layers) \(setting.pooling) sentence \(i)")
            }
        }
    }

    func testRefusesBadLayersAndFolders() throws {
        let tiny = Self.fixtures.appendingPathComponent("tiny-bert").path
        let layers = try MTLDist.run(["encode", "--transformer", tiny, "--layers", "-1,x"])
        XCTAssertNotEqual(layers.status, 0)
        XCTAssertTrue(layers.stderr.contains("--layers: expected comma-separated integers"), layers.stderr)
        let range = try MTLDist.run(["encode", "--transformer", tiny, "--layers", "7"])
        XCTAssertNotEqual(range.status, 0)
        XCTAssertTrue(range.stderr.contains("7 is outside -3...2"), range.stderr)
        let folder = try MTLDist.run(["encode", "--transformer", "/nonexistent/model"])
        XCTAssertNotEqual(folder.status, 0)
        XCTAssertTrue(folder.stderr.contains("/nonexistent/model: cannot read: no such folder"), folder.stderr)
    }
}
