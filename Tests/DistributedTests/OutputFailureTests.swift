import Foundation
import TestSupport
import XCTest

/// Every output failure is an error, through the release binary in a shell as a user types it: a
/// full device (`> /dev/full`) and a closed descriptor (`>&-`, `<&-`) exit non-zero with the
/// reason; a pipe whose reader went away (`| head -1`) ends quietly with status 141. And input that
/// would cost gigabytes (a sparse file of NULs, a token of megabytes, long sentences) is refused or
/// batched within 1 GB.
final class OutputFailureTests: XCTestCase {
    /// A run of 2 steps on the embedded corpus with a checkpoint at step 2, shared by the tests.
    private static var trainedRun: URL?
    private static let runFolder = FileManager.default.temporaryDirectory
        .appendingPathComponent("mtl-dist-output-\(UUID().uuidString)")

    override class func tearDown() {
        try? FileManager.default.removeItem(at: runFolder)
        super.tearDown()
    }

    private func run() throws -> URL {
        if let url = Self.trainedRun { return url }
        let train = try MTLDist.run(["train", "--output", Self.runFolder.path] + MTLDist.tinyModel
                                    + MTLDist.settings(["training.max_steps": "2", "training.batch_size": "8", "checkpoint.every": "2"]))
        XCTAssertEqual(train.status, 0, "\(train)")
        Self.trainedRun = Self.runFolder
        return Self.runFolder
    }

    private func model() throws -> String { try run().appendingPathComponent("best").path }

    /// `script` in bash with `$MTL` the binary and `$MODEL` the trained model.
    private func shell(_ script: String, timeout: TimeInterval = 10, file: StaticString = #filePath, line: UInt = #line) throws -> ProcessRun {
        let variables = ["MTL": try MTLDist.binary(), "MODEL": try model(), "RUN": try run().path]
        return try ProcessRun(["/bin/bash", "-c", script], environment: MTLDist.environment.merging(variables) { $1 },
                              timeout: timeout, file: file, line: line)
    }

    private func assertFails(_ run: ProcessRun, saying message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNotEqual(run.status, 0, "\(run)", file: file, line: line)
        XCTAssertEqual(run.occurrences(of: message), 1, "\(run)", file: file, line: line)
        XCTAssertEqual(run.occurrences(of: "Fatal error"), 0, "\(run)", file: file, line: line)
        XCTAssertEqual(run.occurrences(of: "Usage:"), 0, "\(run)", file: file, line: line)
    }

    // MARK: - a full device

    func testEveryCommandReportsAFullDevice() throws {
        let full = "cannot write to standard output after 0 bytes: No space left on device"
        let commands = [
            "printf 'EU rejects German call\\n' | \"$MTL\" predict --model \"$MODEL\" --input-format text",
            "\"$MTL\" evaluate --model \"$MODEL\"",
            "\"$MTL\" evaluate --model \"$MODEL\" --json",
            "\"$MTL\" checkpoint inspect \"$RUN/checkpoints\"",
            "\"$MTL\" checkpoint inspect \"$RUN/checkpoints\" --json",
            "\"$MTL\" checkpoint verify \"$RUN/checkpoints\"",
            "\"$MTL\" plan --world-size 1 --steps 2",
            "\"$MTL\" bench collective --warmup 0",
        ]
        for command in commands {
            assertFails(try shell(command + " > /dev/full"), saying: full)
        }
    }

    func testTrainFinishesThenReportsAFullDevice() throws {
        let output = try temporaryDirectory().appendingPathComponent("run")
        let run = try shell("\"$MTL\" train --output \(output.path) " + (MTLDist.tinyModel + MTLDist.settings(
            ["training.max_steps": "2", "training.batch_size": "8"])).joined(separator: " ") + " > /dev/full", timeout: 30)
        assertFails(run, saying: "cannot write to standard output after 0 bytes: No space left on device")
        XCTAssertTrue(FileManager.default.fileExists(atPath: output.appendingPathComponent("best/model.json").path), "\(run)")
    }

    // MARK: - closed descriptors

    func testAClosedStandardOutputIsAnError() throws {
        assertFails(try shell("printf 'EU rejects\\n' | \"$MTL\" predict --model \"$MODEL\" --input-format text >&-"),
                    saying: "standard output is closed")
        assertFails(try shell("\"$MTL\" evaluate --model \"$MODEL\" >&-"), saying: "standard output is closed")
    }

    func testAClosedStandardInputIsAnError() throws {
        assertFails(try shell("\"$MTL\" predict --model \"$MODEL\" --input - <&-"), saying: "standard input is closed")
    }

    // MARK: - a broken pipe is a quiet stop

    func testAReaderThatGoesAwayEndsPredictQuietly() throws {
        // 300 KB of output: more than a pipe holds, so predict writes after head has gone
        // (yes itself may see EPIPE rather than SIGPIPE where the signal is ignored, as in CI: its complaint is not ours)
        let run = try shell("""
            set -o pipefail
            yes 'EU rejects German call to boycott British lamb' 2>/dev/null | head -4000 \
              | "$MTL" predict --model "$MODEL" --input-format text | head -1
            echo "status ${PIPESTATUS[2]}" >&2
            """)
        XCTAssertEqual(run.lines.count, 1, "\(run)")
        XCTAssertEqual(run.stderr, "status 141\n", "\(run)")
    }

    // MARK: - errors found in run() print no usage line

    func testRunErrorsPrintTheMessageAlone() throws {
        let run = try MTLDist.run(["evaluate", "--model", try model(), "--corpus", "zzz"])
        XCTAssertNotEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.stderr, "Error: --corpus zzz: the model has no task on such a corpus (its corpora: ewt)\n", "\(run)")
    }

    // MARK: - input that would cost gigabytes

    /// `command` under /usr/bin/time -v: the run and its peak resident set size in bytes.
    private func measured(_ command: String, file: StaticString = #filePath, line: UInt = #line) throws -> (ProcessRun, Double) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/time") else { throw XCTSkip("/usr/bin/time is not installed") }
        let run = try shell("/usr/bin/time -v " + command, file: file, line: line)
        let peak = run.stderr.split(separator: "\n").first { $0.contains("Maximum resident set size (kbytes):") }
            .flatMap { Double($0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces)) }
        XCTAssertNotNil(peak, "\(run)", file: file, line: line)
        return (run, 1024 * (peak ?? .infinity))
    }

    func testASparseGigabyteIsRefusedAsBinaryWithinMemory() throws {
        let sparse = try temporaryDirectory().appendingPathComponent("sparse")
        XCTAssertTrue(FileManager.default.createFile(atPath: sparse.path, contents: nil))
        let handle = try FileHandle(forWritingTo: sparse)
        try handle.truncate(atOffset: 1 << 30)
        try handle.close()
        let tiny = EncodeReference.fixtures.appendingPathComponent("tiny-bert").path
        for command in ["\"$MTL\" predict --model \"$MODEL\" --input \(sparse.path)",
                        "\"$MTL\" encode --transformer \(tiny) --input \(sparse.path)",
                        "\"$MTL\" predict --model \"$MODEL\" --input - < \(sparse.path)"] {
            let (run, peak) = try measured(command)
            XCTAssertNotEqual(run.status, 0, "\(run)")
            XCTAssertEqual(run.occurrences(of: ":1: expected text, found a NUL byte at byte offset 0 (binary data)"), 1, "\(run)")
            XCTAssertLessThan(peak, 1_073_741_824, "\(run)")
            XCTAssertLessThan(run.seconds, 10, "\(run)")
        }
    }

    func testATokenOfMegabytesIsRefused() throws {
        let long = try temporaryDirectory().appendingPathComponent("long")
        try (String(repeating: "word ", count: 10) + "\n" + String(repeating: "a", count: 50 << 20) + "\n")
            .write(to: long, atomically: false, encoding: .utf8)
        let (run, peak) = try measured("\"$MTL\" predict --model \"$MODEL\" --input-format text --input \(long.path)")
        XCTAssertNotEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.occurrences(of: "\(long.path):2: expected tokens of at most 1024 bytes, found a token longer than 1024 bytes"),
                       1, "\(run)")
        XCTAssertLessThan(peak, 1_073_741_824, "\(run)")
    }

    func testLongSentencesAreBatchedByTokens() throws {
        // 64 sentences of 1,000 tokens: 1.5 GB when batched 64 sentences at a time
        let text = try temporaryDirectory().appendingPathComponent("long-sentences.txt")
        let sentence = Array(repeating: "EU rejects German call to boycott British lamb .", count: 125).joined(separator: " ")
        try (Array(repeating: sentence, count: 64).joined(separator: "\n") + "\n").write(to: text, atomically: false, encoding: .utf8)
        let (run, peak) = try measured("\"$MTL\" predict --model \"$MODEL\" --input-format pretokenized --output-format jsonl --input \(text.path)")
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.lines.count, 64, "\(run)")
        XCTAssertLessThan(peak, 1_073_741_824, "\(run)")
    }
}
