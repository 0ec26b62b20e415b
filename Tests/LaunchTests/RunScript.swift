import Foundation
import TestSupport
import XCTest

/// Runs a `launch/` script (or any executable) as `ProcessRun` does, with the test's environment
/// minus `removing`, plus `setting`; the scripts clean up on the SIGTERM a timeout sends.
func runScript(_ executable: URL, _ arguments: [String], setting: [String: String] = [:], removing: [String] = [],
               timeout: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line) throws -> ProcessRun {
    try ProcessRun([executable.path] + arguments, environment: setting, removing: removing, timeout: timeout,
                   file: file, line: line)
}

extension XCTestCase {
    /// A new empty folder, removed when the test ends.
    func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-dist-launch-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory
    }
}
