import Foundation
import TestSupport

/// Runs a `launch/` script (or any executable) as `ProcessRun` does, with the test's environment
/// minus `removing`, plus `setting`; the scripts clean up on the SIGTERM a timeout sends.
func runScript(_ executable: URL, _ arguments: [String], setting: [String: String] = [:], removing: [String] = [],
               timeout: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line) throws -> ProcessRun {
    try ProcessRun([executable.path] + arguments, environment: setting, removing: removing, timeout: timeout,
                   file: file, line: line)
}
