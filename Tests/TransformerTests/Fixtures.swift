import Foundation
import TestSupport
import XCTest

/// Test fixtures under `Tests/TransformerTests/Fixtures` (made by `make_fixtures.py`), copied into
/// the test bundle.
enum Fixtures {
    /// URL of `Fixtures/<path>`.
    static func url(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        try fixtureURL(path, resources: Bundle.module.resourceURL, file: file, line: line)
    }

    /// The tiny random BERT folder.
    static var tinyBert: URL { get throws { try url("tiny-bert") } }

    /// Decodes fixture `path` as JSON.
    static func json<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: url(path)))
    }
}
