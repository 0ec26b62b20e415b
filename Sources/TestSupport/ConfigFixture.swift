import Foundation
import XCTest

/// A temporary folder holding a config file and empty data files, removed at test teardown.
public final class ConfigFixture {
    /// The folder, below the temporary directory.
    public let root: URL

    /// Creates the folder and registers its removal with `test`'s teardown.
    public init(_ test: XCTestCase) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("mtl-config-\(UUID().uuidString)", isDirectory: true).standardizedFileURL
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let root = self.root
        test.addTeardownBlock { try? FileManager.default.removeItem(at: root) }
    }

    /// Writes `text` to `path` (relative to the fixture root), creating folders.
    @discardableResult
    public func write(_ text: String, to path: String) throws -> URL {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Creates empty data files at `paths` (relative to the fixture root).
    public func touch(_ paths: String...) throws {
        for path in paths { try write("", to: path) }
    }

    /// The absolute path of `path` below the root.
    public func path(_ path: String) -> String { root.appendingPathComponent(path).standardizedFileURL.path }
}
