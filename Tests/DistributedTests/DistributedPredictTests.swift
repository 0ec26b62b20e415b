import Foundation
import TestSupport
import XCTest

/// `predict` under mpirun: the ranks share the decoding and rank 0 writes the output once, in input
/// order, byte for byte what one process writes; ranks that loaded different models stop before
/// any output. Through the release binary and real mpirun.
final class DistributedPredictTests: XCTestCase {
    private static var trained: URL?
    private static let root = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-dist-predict-\(UUID().uuidString)")

    override class func tearDown() {
        try? FileManager.default.removeItem(at: root)
        super.tearDown()
    }

    /// A tiny model trained for 20 steps on the embedded corpus (UPOS softmax + NER CRF).
    private func model(_ name: String = "a", seed: Int = 1) throws -> URL {
        if name == "a", let url = Self.trained { return url }
        let output = Self.root.appendingPathComponent(name)
        let run = try MTLDist.run(["train", "--output", output.path] + MTLDist.tinyModel
                                  + MTLDist.settings(["training.max_steps": "20", "training.seed": "\(seed)"]))
        XCTAssertEqual(run.status, 0, "\(run)")
        let url = output.appendingPathComponent("best")
        if name == "a" { Self.trained = url }
        return url
    }

    /// The embedded training file four times over (1.3 MB: two input blocks), and the same
    /// sentences as raw text, a sentence per line.
    private func inputs() throws -> (conll: URL, text: URL) {
        let train = try String(contentsOf: MTLDist.defaultCorpus.appendingPathComponent("train.tsv"), encoding: .utf8)
        let conll = Self.root.appendingPathComponent("input.conll")
        try String(repeating: train, count: 4).write(to: conll, atomically: false, encoding: .utf8)
        var prose = ""
        for block in train.components(separatedBy: "\n\n") {
            let words = block.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap { $0.split(separator: "\t").first }
            if !words.isEmpty { prose += words.joined(separator: " ") + "\n\n" }
        }
        let text = Self.root.appendingPathComponent("input.txt")
        try prose.write(to: text, atomically: false, encoding: .utf8)
        return (conll, text)
    }

    func testTwoAndThreeRanksWriteTheBytesOfOneProcess() throws {
        let model = try model().path
        let (conll, text) = try inputs()
        for (input, format) in [(conll, "conll"), (text, "text")] {
            for output in ["conll", "jsonl"] {
                let arguments = ["predict", "--model", model, "--input", input.path, "--input-format", format,
                                 "--output-format", output, "--batch-size", "8"]
                let one = try MTLDist.run(arguments)
                XCTAssertEqual(one.status, 0, "\(one)")
                let sentences = output == "jsonl" ? one.lines.count : one.stdout.components(separatedBy: "\n\n").count - 1
                XCTAssertGreaterThan(sentences, format == "conll" ? 4 * 1000 : 1000, "\(format) → \(output)")
                for worldSize in [2, 3] {
                    let many = try MTLDist.mpirun(worldSize, arguments, timeout: 300)
                    XCTAssertEqual(many.status, 0, "\(many)")
                    XCTAssertEqual(many.occurrences(of: "predict: the \(worldSize) ranks share one host: each takes the next batch"), 1, "\(many)")
                    XCTAssertTrue(Array(many.stdout.utf8) == Array(one.stdout.utf8),
                                  "\(format) → \(output) at np \(worldSize): \(many.stdout.utf8.count) bytes, np 1 wrote \(one.stdout.utf8.count)")
                }
            }
        }
    }

    func testRanksWithDifferentModelsStopBeforeAnyOutput() throws {
        let a = try model().path, b = try model("b", seed: 2).path
        let (conll, _) = try inputs()
        let binary = try MTLDist.binary()
        let arguments = { (model: String) in [binary, "predict", "--model", model, "--input", conll.path] }
        let run = try ProcessRun(try ProcessRun.mpirun() + ["-np", "1"] + arguments(a) + [":", "-np", "1"] + arguments(b),
                                 environment: MTLDist.environment, timeout: MTLDist.timeout)
        XCTAssertNotEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.stdout, "", "\(run)")
        XCTAssertEqual(run.occurrences(of: "rank 1 loaded a different model from \(b) than rank 0"), 1, "\(run)")
    }

    func testAReadErrorOnRankZeroStopsEveryRank() throws {
        let bad = Self.root.appendingPathComponent("bad.conll")
        try FileManager.default.createDirectory(at: Self.root, withIntermediateDirectories: true)
        var bytes = Array(String(repeating: "EU\nrejects\n\n", count: 200_000).utf8)
        bytes[1_500_000] = 0xFF
        try Data(bytes).write(to: bad)
        let run = try MTLDist.mpirun(2, ["predict", "--model", try model().path, "--input", bad.path])
        XCTAssertNotEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.occurrences(of: "\(bad.path):"), 1, "\(run)")
        XCTAssertTrue(run.stderr.contains("UTF-8"), "\(run)")
    }
}

extension DistributedPredictTests {
    /// `--output FILE`: the bytes standard output would get, at np 1 and 2, and nothing else on
    /// standard output; a run that fails half-way leaves an earlier file as it was and no partial
    /// file; the input itself, a folder and a missing folder are refused with the fix.
    func testOutputFileIsPutInPlaceWholeOrNotAtAll() throws {
        let model = try model().path
        let (conll, _) = try inputs()
        let folder = Self.root.appendingPathComponent("out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let arguments = ["predict", "--model", model, "--input", conll.path, "--output-format", "jsonl"]
        let reference = try MTLDist.run(arguments)
        XCTAssertEqual(reference.status, 0, "\(reference)")
        for worldSize in [1, 2] {
            let file = folder.appendingPathComponent("np\(worldSize).jsonl")
            let run = worldSize == 1 ? try MTLDist.run(arguments + ["--output", file.path])
                                     : try MTLDist.mpirun(worldSize, arguments + ["--output", file.path], timeout: 300)
            XCTAssertEqual(run.status, 0, "\(run)")
            XCTAssertEqual(run.stdout, "", "\(run)")
            XCTAssertTrue(try Data(contentsOf: file) == Data(reference.stdout.utf8), "np \(worldSize)")
        }
        // a read error in the second block: the earlier file stays, no partial file is left
        let bad = folder.appendingPathComponent("bad.conll")
        var bytes = Array(String(repeating: "EU\nrejects\n\n", count: 200_000).utf8)
        bytes[1_500_000] = 0xFF
        try Data(bytes).write(to: bad)
        let kept = folder.appendingPathComponent("kept.conll")
        for worldSize in [1, 2] {
            try "earlier predictions\n".write(to: kept, atomically: false, encoding: .utf8)
            let failing = ["predict", "--model", model, "--input", bad.path, "--output", kept.path]
            let run = worldSize == 1 ? try MTLDist.run(failing) : try MTLDist.mpirun(worldSize, failing)
            XCTAssertNotEqual(run.status, 0, "\(run)")
            XCTAssertTrue(run.stderr.contains("UTF-8"), "\(run)")
            XCTAssertEqual(try String(contentsOf: kept, encoding: .utf8), "earlier predictions\n", "np \(worldSize)")
            let left = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("partial") }
            XCTAssertEqual(left, [], "np \(worldSize)")
        }
        let input = try Data(contentsOf: conll)
        for (output, message) in [(conll.path, "is the input file"), (folder.path, "is a folder: give the path of a file"),
                                  (folder.appendingPathComponent("missing/x.conll").path, "its folder does not exist")] {
            let run = try MTLDist.run(["predict", "--model", model, "--input", conll.path, "--output", output])
            XCTAssertNotEqual(run.status, 0, "\(run)")
            XCTAssertTrue(run.stderr.contains(message), "\(message)\n\(run)")
        }
        XCTAssertTrue(try Data(contentsOf: conll) == input, "the input is untouched")
    }

    /// Across two emulated hosts (network namespaces, a shaped link; skipped without root or tc)
    /// the ranks cannot share a counter: each decodes a share of every block, set by its speed,
    /// and rank 0 still writes one process's bytes.
    func testRanksOnTwoHostsDecodeSharesAndWriteTheBytesOfOneProcess() throws {
        let model = try model().path
        let (conll, _) = try inputs()
        let file = Self.root.appendingPathComponent("hosts-\(UUID().uuidString).conll")
        let arguments = ["predict", "--model", model, "--input", conll.path, "--batch-size", "8"]
        let one = try MTLDist.run(arguments)
        XCTAssertEqual(one.status, 0, "\(one)")
        let script = ProcessRun.packageRoot.appendingPathComponent("launch/emulated-cluster.sh")
        let run = try ProcessRun(["/bin/bash", script.path, "--hosts", "2", "--rate", "1gbit", "--binary", try MTLDist.binary(),
                                  "--timeout", "120", "--"] + arguments + ["--output", file.path],
                                 removing: ["OPENBLAS_NUM_THREADS"], timeout: MTLDist.timeout)
        if run.status == 77 { throw XCTSkip(run.lines.last { $0.hasPrefix("SKIP: ") } ?? "emulated-cluster.sh skipped: \(run)") }
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.occurrences(of: "predict: the 2 ranks do not share one host: each decodes a share"), 1, "\(run)")
        XCTAssertTrue(try Data(contentsOf: file) == Data(one.stdout.utf8), "\(run)")
    }

    /// `evaluate --calibration`: the expected calibration error of every task's token
    /// probabilities, equal at np 1 and 2 (counts summed over ranks).
    func testEvaluateMeasuresCalibrationOnEveryRankCount() throws {
        let model = try model().path
        var found: [[String: Any]] = []
        for worldSize in [1, 2] {
            let run = try MTLDist.ranks(worldSize, ["evaluate", "--model", model, "--calibration", "--calibration-bins", "12", "--json"])
            XCTAssertEqual(run.status, 0, "\(run)")
            let tasks = run.jsonLines.first?["tasks"] as? [String: [String: Any]] ?? [:]
            XCTAssertEqual(Set(tasks.keys), ["upos", "ner"], "\(run)")
            for (name, task) in tasks {
                let calibration = task["calibration"] as? [String: Any] ?? [:]
                let ece = calibration["ece"] as? Double ?? -1
                XCTAssertTrue(ece >= 0 && ece <= 1, "\(name): \(calibration)")
                XCTAssertEqual((calibration["bins"] as? [Any])?.count, 12, "\(name)")
                // every dev token is counted (the accuracy task reports its token count)
                if name == "upos" { XCTAssertEqual(calibration["tokens"] as? Int, task["tokens"] as? Int, "\(task)") }
            }
            found.append(tasks)
        }
        for name in ["upos", "ner"] {
            let a = (found[0][name] as? [String: Any])?["calibration"] as? [String: Any]
            let b = (found[1][name] as? [String: Any])?["calibration"] as? [String: Any]
            XCTAssertEqual(a?["tokens"] as? Int, b?["tokens"] as? Int, name)
            XCTAssertEqual(a?["ece"] as? Double ?? -1, b?["ece"] as? Double ?? -2, accuracy: 1e-9, name)
        }
        let text = try MTLDist.run(["evaluate", "--model", model, "--calibration"])
        XCTAssertEqual(text.occurrences(of: "calibration: ECE "), 2, "\(text)")
    }
}

extension DistributedPredictTests {
    /// `predict --tasks`: only the tasks named, in that order, each column what the full run
    /// writes for that task, the same at np 2; a name the model lacks is refused with its tasks.
    func testTasksPicksAndOrdersTheColumns() throws {
        let model = try model().path
        let (conll, _) = try inputs()
        let base = ["predict", "--model", model, "--input", conll.path, "--batch-size", "8"]
        let all = try MTLDist.run(base)
        XCTAssertEqual(all.status, 0, "\(all)")
        let header = all.lines.first ?? ""
        XCTAssertTrue(header.hasPrefix("# columns = token "), header)
        let names = header.dropFirst("# columns = token ".count).split(separator: " ").map(String.init)
        XCTAssertEqual(Set(names), ["upos", "ner"])
        let reversed = Array(names.reversed())
        let picked = try MTLDist.run(base + ["--tasks", reversed.joined(separator: ",")])
        XCTAssertEqual(picked.status, 0, "\(picked)")
        XCTAssertEqual(picked.lines.first, "# columns = token " + reversed.joined(separator: " "))
        // every token line: the same token, the columns swapped
        let allRows = all.lines.dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        let pickedRows = picked.lines.dropFirst().map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        XCTAssertEqual(allRows.count, pickedRows.count)
        XCTAssertGreaterThan(allRows.filter { $0.count == 3 }.count, 4 * 1000)
        for (a, p) in zip(allRows, pickedRows) where a.count == 3 {
            XCTAssertEqual([a[0], a[2], a[1]], p)
        }
        let one = try MTLDist.run(base + ["--tasks", "ner"])
        XCTAssertEqual(one.status, 0, "\(one)")
        let nerColumn = names.firstIndex(of: "ner")! + 1
        XCTAssertEqual(one.lines.first, "# columns = token ner")
        // the token and the ner tag of every line, blank lines included
        let expected: [String] = all.stdout.components(separatedBy: "\n").dropFirst().map { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return fields.count == 3 ? fields[0] + "\t" + fields[nerColumn] : line
        }
        XCTAssertEqual(Array(one.stdout.components(separatedBy: "\n").dropFirst()), expected)
        let two = try MTLDist.mpirun(2, base + ["--tasks", "ner"])
        XCTAssertEqual(two.status, 0, "\(two)")
        XCTAssertTrue(two.stdout == one.stdout, "np 2 --tasks ner: \(two.stdout.utf8.count) bytes, np 1 wrote \(one.stdout.utf8.count)")

        for bad in ["chunk", "ner,ner", "ner,"] {
            let refused = try MTLDist.run(base + ["--tasks", bad])
            XCTAssertNotEqual(refused.status, 0, "\(refused)")
            XCTAssertEqual(refused.stdout, "", "\(refused)")
            XCTAssertTrue(refused.stderr.contains("--tasks \(bad):"), "\(refused)")
        }
        let unknown = try MTLDist.run(base + ["--tasks", "chunk"])
        XCTAssertTrue(unknown.stderr.contains("has no task \"chunk\"; its tasks are \(names.joined(separator: ", "))"), "\(unknown)")
    }
}

extension DistributedPredictTests {
    /// `predict --precision bf16` and `evaluate --precision bf16`: the LSTMs' and heads' products in
    /// bf16 (said on stderr), scores slightly different from fp32's, np 2 writing np 1's bytes; ranks
    /// asked for different precisions stop before any output, naming the flag. Where the CPU lacks
    /// AVX512_BF16 it runs as fp32 and says so.
    func testBF16PredictAndEvaluate() throws {
        let model = try model().path
        let (conll, _) = try inputs()
        let base = ["predict", "--model", model, "--input", conll.path, "--output-format", "jsonl", "--batch-size", "8"]
        let fp32 = try MTLDist.run(base)
        let bf16 = try MTLDist.run(base + ["--precision", "bf16"])
        XCTAssertEqual(fp32.status, 0, "\(fp32)")
        XCTAssertEqual(bf16.status, 0, "\(bf16)")
        XCTAssertFalse(fp32.stderr.contains("--precision"), fp32.stderr)
        let available = bf16.stderr.contains("--precision bf16: the products outside a transformer run in bf16 (operands rounded")
        XCTAssertTrue(available || bf16.stderr.contains("run in fp32: bf16 was asked"), bf16.stderr)
        // the same sentences and tokens; probabilities differ (by bf16's rounding) only where bf16 runs
        XCTAssertEqual(bf16.lines.count, fp32.lines.count)
        XCTAssertEqual(bf16.stdout == fp32.stdout, !available)
        var largest = 0.0
        for (a, b) in zip(fp32.jsonLines, bf16.jsonLines) {
            XCTAssertEqual(a["tokens"] as? [String], b["tokens"] as? [String])
            for task in ["upos", "ner"] {
                let pa = (a[task] as? [String: Any])?["probabilities"] as? [Double] ?? []
                let pb = (b[task] as? [String: Any])?["probabilities"] as? [Double] ?? []
                XCTAssertEqual(pa.count, pb.count)
                for (x, y) in zip(pa, pb) { largest = max(largest, abs(x - y)) }
            }
        }
        XCTAssertLessThan(largest, 0.05, "bf16 moved a token's probability by \(largest)")
        let two = try MTLDist.mpirun(2, base + ["--precision", "bf16"])
        XCTAssertEqual(two.status, 0, "\(two)")
        XCTAssertTrue(two.stdout == bf16.stdout, "np 2 bf16: \(two.stdout.utf8.count) bytes, np 1 wrote \(bf16.stdout.utf8.count)")
        XCTAssertEqual(two.occurrences(of: "--precision bf16: the products"), 1, "\(two)")

        // ranks started with different precisions
        let binary = try MTLDist.binary()
        let mixed = try ProcessRun(try ProcessRun.mpirun() + ["-np", "1", binary] + base + [":", "-np", "1", binary] + base + ["--precision", "bf16"],
                                   environment: MTLDist.environment, timeout: MTLDist.timeout)
        XCTAssertNotEqual(mixed.status, 0, "\(mixed)")
        XCTAssertEqual(mixed.stdout, "", "\(mixed)")
        XCTAssertEqual(mixed.occurrences(of: "the arithmetic differs from rank 0's"), 1, "\(mixed)")
        XCTAssertTrue(mixed.stderr.contains("give every rank the same --precision"), "\(mixed)")

        // evaluate in bf16 scores every task, close to fp32's
        let scores = try [["--json"], ["--json", "--precision", "bf16"]].map { extra -> [String: Any] in
            let run = try MTLDist.run(["evaluate", "--model", model] + extra)
            XCTAssertEqual(run.status, 0, "\(run)")
            return run.jsonLines.first?["tasks"] as? [String: Any] ?? [:]
        }
        XCTAssertEqual(Set(scores[0].keys), ["upos", "ner"])
        XCTAssertEqual(Set(scores[1].keys), ["upos", "ner"])
        let refused = try MTLDist.run(["predict", "--model", model, "--input", conll.path, "--precision", "fp16"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("fp16") && refused.stderr.contains("precision"), refused.stderr)
    }
}
