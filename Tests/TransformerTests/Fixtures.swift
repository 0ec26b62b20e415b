import Foundation
import XCTest

/// Test fixtures under `Tests/TransformerTests/Fixtures` (made by `make_fixtures.py`), copied into
/// the test bundle.
enum Fixtures {
    /// URL of `Fixtures/<path>`.
    static func url(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        let root = try XCTUnwrap(Bundle.module.resourceURL, "test bundle has no resources", file: file, line: line)
        let url = root.appendingPathComponent("Fixtures").appendingPathComponent(path)
        XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), "missing fixture \(path)", file: file, line: line)
        return url
    }

    /// The tiny random BERT folder.
    static var tinyBert: URL { get throws { try url("tiny-bert") } }

    /// Decodes fixture `path` as JSON.
    static func json<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(contentsOf: url(path)))
    }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("transformer-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }
}
