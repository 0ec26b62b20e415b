import Foundation
import XCTest

/// One finished child process, for tests that run the built `mtl-dist` (alone or under `mpirun`):
/// exit status, captured output and wall time. A run longer than `timeout` (a hang in a
/// collective, say) is killed and fails the test at the caller's line.
///
/// The pattern of swift-argument-parser's `AssertExecuteCommand`: `Process`, output captured,
/// assertions on it. `MPI_Init` runs in the child only, never in the XCTest process.
public struct ProcessRun: CustomStringConvertible {
    /// The command as run: executable path, then arguments.
    public let command: [String]
    /// The exit status (a killed run reports the signal's status).
    public let status: Int32
    public let stdout: String
    public let stderr: String
    /// Wall time from start to exit.
    public let seconds: Double
    /// Whether the run outlived `timeout` and was killed.
    public let timedOut: Bool

    /// Runs `command` (`command[0]` is an executable path) with the test process's environment
    /// less the variables `removing`, plus `environment`, stdin from /dev/null, and waits for it, at
    /// most `timeout` seconds. `whileRunning`, when given, runs on another thread with the child's
    /// process id as soon as it has started (to signal it, say).
    public init(_ command: [String], environment: [String: String] = [:], removing: [String] = [],
                timeout: TimeInterval = 60, whileRunning: ((Int32) -> Void)? = nil,
                file: StaticString = #filePath, line: UInt = #line) throws {
        precondition(!command.isEmpty, "ProcessRun needs an executable")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        var inherited = ProcessInfo.processInfo.environment
        for name in removing { inherited[name] = nil }
        process.environment = inherited.merging(environment) { $1 }
        // files, not pipes: a full pipe would block the child while we wait for it
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-dist-run-\(UUID().uuidString)")
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
        let start = Date()
        try process.run()
        if let whileRunning {
            let pid = process.processIdentifier
            DispatchQueue.global().async { whileRunning(pid) }
        }
        var killed = false
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            killed = true
            process.terminate()  // mpirun forwards SIGTERM to its ranks
            if finished.wait(timeout: .now() + 5) == .timedOut { kill(process.processIdentifier, SIGKILL) }
            XCTFail("\(command.joined(separator: " ")) still running after \(Int(timeout)) s: killed", file: file, line: line)
            _ = finished.wait(timeout: .now() + 5)
        }
        try out.close()
        try err.close()
        self.command = command
        status = process.isRunning ? -1 : process.terminationStatus
        stdout = String(decoding: try Data(contentsOf: outURL), as: UTF8.self)
        stderr = String(decoding: try Data(contentsOf: errURL), as: UTF8.self)
        seconds = Date().timeIntervalSince(start)
        timedOut = killed
    }

    /// stdout's lines, without empty ones.
    public var lines: [String] { stdout.split(separator: "\n").map(String.init) }

    /// Every stdout line that parses as a JSON object.
    public var jsonLines: [[String: Any]] {
        stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// How often `text` appears in stdout and stderr together.
    public func occurrences(of text: String) -> Int {
        (stdout + "\n" + stderr).components(separatedBy: text).count - 1
    }

    public var description: String {
        "$ \(command.joined(separator: " "))\nexit status \(status) after \(String(format: "%.1f", seconds)) s" +
            "\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)"
    }
}

extension ProcessRun {
    /// The package's root folder (this file is `<root>/Sources/TestSupport/ProcessRun.swift`).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// `mpirun --oversubscribe [--allow-run-as-root]` (the latter when the tests run as uid 0, as in
    /// containers); append `-np N` and the program, or several `-np N program … :` contexts (MPMD).
    /// Throws `XCTSkip` when there is no `mpirun` on `PATH`.
    public static func mpirun() throws -> [String] {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let candidates = path.split(separator: ":").map { "\($0)/mpirun" }
        guard let mpirun = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw XCTSkip("mpirun is not on PATH; install OpenMPI (libopenmpi-dev, openmpi-bin) to run MPI tests")
        }
        return [mpirun, "--oversubscribe"] + (getuid() == 0 ? ["--allow-run-as-root"] : [])
    }

    /// The built `mtl-dist`: `$MTL_DIST_BINARY` when set, else the first executable of `candidates`.
    /// Throws `MissingBinary` (which fails the test) when that finds none.
    public static func mtlDist(candidates: [URL]) throws -> URL {
        if let path = ProcessInfo.processInfo.environment["MTL_DIST_BINARY"] {
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw MissingBinary(searched: [path + " (from MTL_DIST_BINARY)"])
            }
            return URL(fileURLWithPath: path)
        }
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw MissingBinary(searched: candidates.map(\.path))
        }
        return found
    }
}

/// Fails a test that needs the built binary when there is none.
public struct MissingBinary: Error, CustomStringConvertible {
    public let searched: [String]
    public var description: String {
        "no built mtl-dist at \(searched.joined(separator: ", ")); run `swift build` (debug) or " +
            "`swift build -c release --product mtl-dist` (release) first, or set MTL_DIST_BINARY"
    }
}

extension XCTestCase {
    /// A new empty folder, removed when the test ends.
    public func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-dist-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
