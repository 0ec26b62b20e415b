import Foundation
import RunConfig
import TestSupport
import XCTest

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
