import CoNLL
import Foundation
import TestSupport
import XCTest

/// Test fixtures under `Tests/CoNLLTests/Fixtures`, copied into the test bundle.
enum Fixtures {
    /// URL of `Fixtures/<path>`.
    static func url(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        try fixtureURL(path, resources: Bundle.module.resourceURL, file: file, line: line)
    }

    /// Reads fixture `path` with `format` and `options`.
    static func read(_ path: String, format: CoNLLFormat, options: ReaderOptions = .strict,
                     file: StaticString = #filePath, line: UInt = #line) throws -> ReadResult {
        try CoNLLReader(format: format, options: options).read(contentsOf: url(path, file: file, line: line))
    }

    /// The `CoNLLError` reading fixture `path` throws; fails the test when it reads fine or throws
    /// something else.
    static func error(_ path: String, format: CoNLLFormat, options: ReaderOptions = .strict,
                      file: StaticString = #filePath, line: UInt = #line) throws -> CoNLLError? {
        let url = try url(path, file: file, line: line)
        do {
            _ = try CoNLLReader(format: format, options: options).read(contentsOf: url)
            XCTFail("reading \(path) did not throw", file: file, line: line)
            return nil
        } catch let error as CoNLLError {
            return error
        } catch {
            XCTFail("reading \(path) threw \(error), not a CoNLLError", file: file, line: line)
            return nil
        }
    }
}
