import Foundation
import XCTest
@testable import Training

/// A temporary folder holding a config file and empty data files, removed at test teardown.
final class ConfigFixture {
    let root: URL

    init(_ test: XCTestCase) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("mtl-config-\(UUID().uuidString)", isDirectory: true).standardizedFileURL
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let root = self.root
        test.addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    }

    /// Writes `text` to `path` (relative to the fixture root), creating folders.
    @discardableResult
    func write(_ text: String, to path: String) throws -> URL {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Creates empty data files at `paths` (relative to the fixture root).
    func touch(_ paths: String...) throws {
        for path in paths { try write("", to: path) }
    }

    /// The absolute path of `path` below the root.
    func path(_ path: String) -> String { root.appendingPathComponent(path).standardizedFileURL.path }
}

/// A one-corpus, one-task config: CoNLL-2003 columns, task `ner`.
let minimalYAML = """
    corpora:
      conll03:
        format: columns
        columns: [text, pos, chunk, ner]
        train: conll03/train.txt
    tasks:
      ner:
        corpus: conll03
        label: ner
    """

extension XCTestCase {
    /// Writes `yaml` to `configs/x.yaml` with its data files present, loads it with `overrides`, and
    /// returns the `ConfigError` thrown (failing when none is). Asserts the message names the file and
    /// contains every string of `contains`.
    @discardableResult
    func assertConfigError(_ yaml: String, overrides: [String] = [], contains expected: [String],
                           file: StaticString = #filePath, line: UInt = #line) throws -> ConfigError? {
        let fixture = try ConfigFixture(self)
        let config = try fixture.write(yaml, to: "configs/x.yaml")
        try fixture.touch("configs/conll03/train.txt", "configs/conll03/dev.txt", "configs/ewt/train.conllu",
                          "configs/uner/train.iob2")
        do {
            let loaded = try ConfigLoader.load(file: config, overrides: overrides)
            XCTFail("expected a ConfigError, loaded \(loaded.config)", file: file, line: line)
            return nil
        } catch let error as ConfigError {
            let message = error.description
            XCTAssertTrue(message.contains("configs/x.yaml"), "no file name in: \(message)", file: file, line: line)
            for text in expected {
                XCTAssertTrue(message.contains(text), "'\(text)' missing from: \(message)", file: file, line: line)
            }
            return error
        }
    }
}
