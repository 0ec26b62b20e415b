import Foundation
import TestSupport
import XCTest

/// What a careless or hostile user types, run through the release binary: line endings from any
/// system reach `predict` as lines, and every refusal names the path or flag and the real reason.
final class HostileInputTests: XCTestCase {
    /// A model trained for 2 steps on the embedded corpus, shared by the predict and evaluate tests.
    private static var trainedModel: URL?
    private static let modelFolder = FileManager.default.temporaryDirectory
        .appendingPathComponent("mtl-dist-hostile-\(UUID().uuidString)")

    override class func tearDown() {
        try? FileManager.default.removeItem(at: modelFolder)
        super.tearDown()
    }

    private func model() throws -> URL {
        if let url = Self.trainedModel { return url }
        let run = try MTLDist.run(["train", "--output", Self.modelFolder.path] + MTLDist.tinyModel
                                  + MTLDist.settings(["training.max_steps": "2", "training.batch_size": "8"]))
        XCTAssertEqual(run.status, 0, "\(run)")
        let url = Self.modelFolder.appendingPathComponent("best")
        Self.trainedModel = url
        return url
    }

    /// `printf … | mtl-dist predict --input -`, through the shell as a user types it.
    private func predict(stdin printfFormat: String, _ arguments: [String]) throws -> ProcessRun {
        let command = "printf '\(printfFormat)' | \"$MTL\" predict --model \"$MODEL\" --input - " + arguments.joined(separator: " ")
        return try ProcessRun(["/bin/sh", "-c", command],
                              environment: MTLDist.environment.merging(["MTL": try MTLDist.binary(), "MODEL": try model().path]) { $1 },
                              timeout: MTLDist.timeout)
    }

    // MARK: - predict reads LF, CRLF and CR

    func testPredictReadsCRLFTextAsTheIssueTypesIt() throws {
        let run = try predict(stdin: "EU rejects German call\\r\\nJohn lives in Paris\\r\\n",
                              ["--input-format", "pretokenized", "--output-format", "jsonl"])
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.jsonLines.map { $0["tokens"] as? [String] ?? [] },
                       [["EU", "rejects", "German", "call"], ["John", "lives", "in", "Paris"]], "\(run)")
    }

    /// Issue 19: untokenised prose given as conll (the default) is refused with the fix, never
    /// glued into one sentence; `--input-format text` tokenises it UD-style, `auto` detects it.
    func testPredictRefusesProseAsCoNLLAndTokenisesRawText() throws {
        let prose = "EU rejects German call.\\nJohn didn'\"'\"'t come on Tuesday.\\n"
        let refused = try predict(stdin: prose, [])
        XCTAssertNotEqual(refused.status, 0, "\(refused)")
        XCTAssertTrue(refused.stderr.contains("<stdin>:1: --input-format conll expects a token per line"), "\(refused)")
        XCTAssertTrue(refused.stderr.contains("--input-format text"), "\(refused)")
        for format in ["text", "auto"] {
            let run = try predict(stdin: prose, ["--input-format", format, "--output-format", "jsonl"])
            XCTAssertEqual(run.status, 0, "\(run)")
            XCTAssertEqual(run.jsonLines.map { $0["tokens"] as? [String] ?? [] },
                           [["EU", "rejects", "German", "call", "."], ["John", "did", "n't", "come", "on", "Tuesday", "."]], "\(run)")
        }
    }

    func testPredictReadsTextWithEveryLineEnding() throws {
        for (name, end) in [("LF", "\\n"), ("CRLF", "\\r\\n"), ("CR", "\\r")] {
            let run = try predict(stdin: "a b\(end)c\(end)", ["--input-format", "pretokenized", "--output-format", "jsonl"])
            XCTAssertEqual(run.status, 0, "\(name)\n\(run)")
            XCTAssertEqual(run.jsonLines.map { $0["tokens"] as? [String] ?? [] }, [["a", "b"], ["c"]], "\(name)\n\(run)")
        }
    }

    func testPredictReadsCoNLLWithEveryLineEnding() throws {
        for (name, end) in [("LF", "\\n"), ("CRLF", "\\r\\n"), ("CR", "\\r")] {
            let run = try predict(stdin: "EU\(end)rejects\(end)\(end)John\(end)", ["--output-format", "jsonl"])
            XCTAssertEqual(run.status, 0, "\(name)\n\(run)")
            XCTAssertEqual(run.jsonLines.map { $0["tokens"] as? [String] ?? [] }, [["EU", "rejects"], ["John"]],
                           "\(name)\n\(run)")
        }
    }

    // MARK: - messages that tell the truth

    func testDevicesAsDataFilesAreNamedAsDevices() throws {
        for device in ["/dev/null", "/dev/zero"] {
            let output = try temporaryDirectory().appendingPathComponent("run")
            let run = try MTLDist.run(["train", "--output", output.path, "--set", "corpora.ewt.train=\(device)"])
            XCTAssertNotEqual(run.status, 0, "\(run)")
            XCTAssertEqual(run.occurrences(of: "\(device): expected a readable file, found a character device"), 1, "\(run)")
            XCTAssertEqual(run.occurrences(of: "have permission"), 0, "\(run)")
        }
    }

    func testAFolderGivenToSplitIsNamedAFolder() throws {
        let folder = try temporaryDirectory()
        let run = try MTLDist.run(["evaluate", "--model", try model().path, "--split", folder.path])
        XCTAssertNotEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.occurrences(of: "\(folder.path): expected a readable file, found a folder, not a file"), 1, "\(run)")
        XCTAssertEqual(run.occurrences(of: "error 256"), 0, "\(run)")
    }

    func testEvaluateCorpusWithoutSplitFileIsCheckedAndHonoured() throws {
        let unknown = try MTLDist.run(["evaluate", "--model", try model().path, "--corpus", "zzz"])
        XCTAssertNotEqual(unknown.status, 0, "\(unknown)")
        XCTAssertEqual(unknown.occurrences(of: "--corpus zzz: the model has no task on such a corpus (its corpora: ewt)"), 1,
                       "\(unknown)")
        let known = try MTLDist.run(["evaluate", "--model", try model().path, "--corpus", "ewt", "--json"])
        XCTAssertEqual(known.status, 0, "\(known)")
        XCTAssertEqual(known.jsonLines.count, 1, "\(known)")
    }

    func testADanglingOutputSymlinkIsNamedAsOne() throws {
        let folder = try temporaryDirectory()
        let link = folder.appendingPathComponent("out")
        let target = folder.appendingPathComponent("missing/target").path
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target)
        let run = try MTLDist.run(["train", "--output", link.path])
        XCTAssertNotEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.occurrences(of: "--output is a symbolic link to \(target), which does not exist"), 1, "\(run)")
        XCTAssertEqual(run.occurrences(of: "same name already exists"), 0, "\(run)")
    }

    /// As a user who may not write the folder: root writes anywhere, so as root the binary runs as
    /// `nobody` through setpriv; the test skips when neither works.
    func testAReadOnlyOutputFolderSaysPermissionDenied() throws {
        let folder = try temporaryDirectory()
        let readOnly = folder.appendingPathComponent("read-only")
        try FileManager.default.createDirectory(at: readOnly, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: readOnly.path)
        var prefix: [String] = []
        if getuid() == 0 {
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
                throw XCTSkip("running as root without /usr/bin/setpriv: root may write into a read-only folder")
            }
            prefix = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        }
        let output = readOnly.appendingPathComponent("run")
        let run = try ProcessRun(prefix + [try MTLDist.binary(), "train", "--output", output.path],
                                 environment: MTLDist.environment, timeout: MTLDist.timeout)
        XCTAssertNotEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.occurrences(of: "cannot write \(output.path): the folder \(readOnly.path) is not writable by this user (permission denied)"),
                       1, "\(run)")
        XCTAssertEqual(run.occurrences(of: "NSCocoaErrorDomain"), 0, "\(run)")
    }

    func testNegativeStepsAreOutOfRangeNotMissing() throws {
        for command in [["bench", "--steps", "-5"], ["plan", "--world-size", "1", "--steps", "-5"]] {
            let run = try MTLDist.run(command)
            XCTAssertNotEqual(run.status, 0, "\(run)")
            XCTAssertEqual(run.occurrences(of: "Missing value"), 0, "\(run)")
            XCTAssertEqual(run.occurrences(of: "--steps -5: expected") + run.occurrences(of: "--steps must be at least 0, got -5"),
                           1, "\(run)")
        }
    }

    // MARK: - size flags have bounds

    func testBenchSizeFlagsHaveUpperBoundsThatSayWhy() throws {
        let cases: [([String], String)] = [
            (["--hidden", "1000000000"], "--hidden 1000000000: expected 1 to 65536 (the recurrent weights alone"),
            (["--tags", "1000000000000"], "--tags 1000000000000: expected 2 to 65536 (the CRF scores"),
            (["--batch", "100000"], "--batch 100000: expected 1 to 65536"),
            (["--tokens", "1000000"], "--tokens 1000000: expected 1 to 100000"),
            (["--input", "1000000"], "--input 1000000: expected 1 to 65536"),
            (["--steps", "1000000000"], "--steps 1000000000: expected 1 to 100000"),
            (["--warmup", "1000000000"], "--warmup 1000000000: expected 0 to 10000"),
            (["--batch", "60000", "--tokens", "90000"], "would need about"),
        ]
        for (flags, message) in cases {
            let run = try MTLDist.run(["bench"] + flags, timeout: 20)
            XCTAssertNotEqual(run.status, 0, "\(run)")
            XCTAssertEqual(run.occurrences(of: message), 1, "\(flags)\n\(run)")
        }
    }
}
