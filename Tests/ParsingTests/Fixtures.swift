import Foundation
import Parsing
import TestSupport
import XCTest

/// Test fixtures under `Tests/ParsingTests/Fixtures`, copied into the test bundle.
enum Fixtures {
    /// Path of `Fixtures/<path>`.
    static func path(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        try fixtureURL(path, resources: Bundle.module.resourceURL, file: file, line: line).path
    }

    /// The `ParsingError` reading fixture `path` throws; fails the test when it reads fine or throws
    /// something else.
    static func readError(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> ParsingError? {
        let url = try self.path(path, file: file, line: line)
        do {
            _ = try DependencyTreebank(contentsOf: url)
            XCTFail("reading \(path) did not throw", file: file, line: line)
            return nil
        } catch let error as ParsingError {
            return error
        } catch {
            XCTFail("reading \(path) threw \(error), not a ParsingError", file: file, line: line)
            return nil
        }
    }
}
