import Foundation
import XCTest

/// One finished run of a `launch/` script: exit status and captured output. The script runs with
/// the test's environment minus `removing`, plus `setting`; it is stopped with SIGTERM (the
/// scripts clean up on it) and the test fails when it runs longer than `timeout`.
struct ScriptRun: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String

    init(_ executable: URL, _ arguments: [String], setting: [String: String] = [:], removing: [String] = [],
         timeout: TimeInterval = 30, file: StaticString = #filePath, line: UInt = #line) throws {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for name in removing { environment[name] = nil }
        environment.merge(setting) { _, new in new }
        process.environment = environment
        // files, not pipes: a full pipe would block the child while we wait for it
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-dist-launch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout")
        let errURL = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice

        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        try process.run()
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            if finished.wait(timeout: .now() + 10) == .timedOut { kill(process.processIdentifier, SIGKILL) }
            XCTFail("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) still running after \(Int(timeout)) s: stopped",
                    file: file, line: line)
            _ = finished.wait(timeout: .now() + 5)
        }
        try out.close()
        try err.close()
        status = process.terminationStatus
        stdout = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
        stderr = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
    }

    /// stdout's lines, without empty ones.
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }

    var description: String { "exit status \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}
