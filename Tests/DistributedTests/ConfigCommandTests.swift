import Foundation
import TestSupport
import XCTest

/// `mtl-dist config reference` prints docs/CONFIG.md; `mtl-dist config check FILE` validates a
/// config (keys, values, corpus files) without training.
final class ConfigCommandTests: XCTestCase {
    func testReferenceIsDocsConfigMD() throws {
        let run = try MTLDist.run(["config", "reference"])
        XCTAssertEqual(run.status, 0, "\(run)")
        let docs = try String(contentsOf: ProcessRun.packageRoot.appendingPathComponent("docs/CONFIG.md"), encoding: .utf8)
        XCTAssertEqual(run.stdout, docs)
    }

    func testCheckAcceptsAGoodConfigAndNamesTheKeyOfABadOne() throws {
        let good = try MTLDist.run(["config", "check", MTLDist.defaultConfig.path])
        XCTAssertEqual(good.status, 0, "\(good)")
        XCTAssertTrue(good.stdout.contains("valid: corpora ewt; tasks upos, ner; 2 corpus files"), "\(good)")
        let bad = try MTLDist.run(["config", "check", MTLDist.defaultConfig.path, "--set", "training.batch_size=0"])
        XCTAssertNotEqual(bad.status, 0, "\(bad)")
        XCTAssertTrue(bad.stderr.contains("training.batch_size"), "\(bad)")
        let root = try temporaryDirectory()
        let missing = root.appendingPathComponent("x.yaml")
        try Data("corpora:\n  c:\n    format: conllu\n    train: nowhere.conllu\ntasks:\n  t:\n    label: upos\n    metric: accuracy\n".utf8).write(to: missing)
        let noFile = try MTLDist.run(["config", "check", missing.path])
        XCTAssertNotEqual(noFile.status, 0, "\(noFile)")
        XCTAssertTrue(noFile.stderr.contains("corpora.c.train"), "\(noFile)")
    }
}
