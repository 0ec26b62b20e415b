import Foundation
import TestSupport
import XCTest

/// Runs the built release `mtl-dist` for the tests of this target: alone, or under `mpirun` with
/// `-np W` (MPI_Init runs in the children only). Every run gets `OPENBLAS_NUM_THREADS=1` (the
/// ranks share two cores) and a timeout, after which it is killed and the test fails.
enum MTLDist {
    /// The binary: `$MTL_DIST_BINARY`, else `<package root>/.build/release/mtl-dist`.
    static func binary() throws -> String {
        try ProcessRun.mtlDist(candidates: [ProcessRun.packageRoot.appendingPathComponent(".build/release/mtl-dist")]).path
    }

    static let environment = ["OPENBLAS_NUM_THREADS": "1"]

    /// Seconds a run may take before it counts as a hang. Runs here take 0.1 to 3 s.
    static let timeout: TimeInterval = 90

    /// A model small enough that 20 steps take well under a second: `--set` pairs.
    static let tinyModel = settings([
        "encoder.word_dim": "16", "encoder.char_dim": "8", "encoder.char_hidden": "8", "encoder.shared_hidden": "16",
    ])

    /// `["--set", "k=v", …]` in key order.
    static func settings(_ values: [String: String]) -> [String] {
        values.sorted { $0.key < $1.key }.flatMap { ["--set", "\($0.key)=\($0.value)"] }
    }

    /// `mtl-dist ARGS` as one process.
    static func run(_ arguments: [String], timeout: TimeInterval = timeout,
                    file: StaticString = #filePath, line: UInt = #line) throws -> ProcessRun {
        try ProcessRun([try binary()] + arguments, environment: environment, timeout: timeout, file: file, line: line)
    }

    /// `mpirun --oversubscribe -np W mtl-dist ARGS`.
    static func mpirun(_ worldSize: Int, _ arguments: [String], timeout: TimeInterval = timeout,
                       file: StaticString = #filePath, line: UInt = #line) throws -> ProcessRun {
        try ProcessRun(try ProcessRun.mpirun() + ["-np", "\(worldSize)", try binary()] + arguments,
                       environment: environment, timeout: timeout, file: file, line: line)
    }

    /// `mtl-dist ARGS` with W ranks: alone for W = 1 (no MPI at all), else under mpirun.
    static func ranks(_ worldSize: Int, _ arguments: [String], timeout: TimeInterval = timeout,
                      file: StaticString = #filePath, line: UInt = #line) throws -> ProcessRun {
        worldSize == 1 ? try run(arguments, timeout: timeout, file: file, line: line)
                       : try mpirun(worldSize, arguments, timeout: timeout, file: file, line: line)
    }

    /// Trains `config` once per world size into `root/np<W>`, checks that the run succeeded and that
    /// every logged training step has a finite positive loss for exactly `tasks`, lets `check` look
    /// at each run, and returns each run's best model.
    static func trainedModels(worldSizes: [Int], config: URL, root: URL, tasks: Set<String>,
                              check: (ProcessRun, Int) -> Void = { _, _ in },
                              file: StaticString = #filePath, line: UInt = #line) throws -> [Int: Parameters] {
        var models: [Int: Parameters] = [:]
        for worldSize in worldSizes {
            let output = root.appendingPathComponent("np\(worldSize)")
            let run = try ranks(worldSize, ["train", "--config", config.path, "--output", output.path], file: file, line: line)
            XCTAssertEqual(run.status, 0, "\(run)", file: file, line: line)
            check(run, worldSize)
            let train = try metricsLines(output, file: file, line: line).filter { $0["type"] as? String == "train" }
            XCTAssertFalse(train.isEmpty, "np \(worldSize): no training step logged", file: file, line: line)
            for entry in train {
                let loss = entry["loss"] as? [String: Double] ?? [:]
                XCTAssertEqual(Set(loss.keys), tasks, "np \(worldSize): \(entry)", file: file, line: line)
                XCTAssertTrue(loss.values.allSatisfy { $0.isFinite && $0 > 0 }, "np \(worldSize): \(entry)", file: file, line: line)
            }
            models[worldSize] = try Parameters(model: output.appendingPathComponent("best"))
        }
        return models
    }

    /// The embedded default corpus in the source tree (train.tsv, dev.tsv).
    static var defaultCorpus: URL { ProcessRun.packageRoot.appendingPathComponent("Sources/RunConfig/DefaultCorpus") }

    /// Copies the default corpus's train.tsv and dev.tsv into `folder/name/`.
    static func copyDefaultCorpus(into folder: URL, as name: String) throws {
        let target = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for split in ["train.tsv", "dev.tsv"] {
            try FileManager.default.copyItem(at: defaultCorpus.appendingPathComponent(split), to: target.appendingPathComponent(split))
        }
    }

    /// `configs/default.yaml`.
    static var defaultConfig: URL { ProcessRun.packageRoot.appendingPathComponent("configs/default.yaml") }

    /// `mtl-dist evaluate --model MODEL --json` on `worldSize` ranks, checked to succeed, as JSON.
    static func evaluation(_ model: URL, worldSize: Int = 1, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let run = try ranks(worldSize, ["evaluate", "--model", model.path, "--json"], file: file, line: line)
        XCTAssertEqual(run.status, 0, "\(run)", file: file, line: line)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any], file: file, line: line)
    }

    /// The numpy runtime runs taggers only: it refuses `export` (reading `input`) with `message`
    /// naming the task. Nothing is checked when numpy is not there.
    static func assertNumpyRuntimeRefuses(_ export: URL, input: URL, saying message: String,
                                          file: StaticString = #filePath, line: UInt = #line) throws {
        guard try ProcessRun(["/bin/sh", "-c", "python3 -c 'import numpy'"]).status == 0 else { return }
        let script = ProcessRun.packageRoot.appendingPathComponent("python/mtl_dist_infer.py").path
        let py = try ProcessRun(["/bin/sh", "-c", "exec python3 \"$@\" < \"$0\"", input.path, script, export.path], timeout: 120)
        XCTAssertNotEqual(py.status, 0, "\(py)", file: file, line: line)
        XCTAssertTrue(py.stderr.contains(message), "\(py)", file: file, line: line)
    }
}

/// A model's flat parameters: `best/parameters.bin`, raw little-endian float32.
struct Parameters {
    let values: [Float]

    init(model: URL) throws {
        let data = try Data(contentsOf: model.appendingPathComponent("parameters.bin"))
        values = data.withUnsafeBytes { raw in
            (0..<data.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }

    /// Elements where |a − b| > 1e-5·max(|a|, |b|) + 1e-6 (float summation order is the only
    /// difference allowed), the worst of them as a ratio to its tolerance, and the bit-identical ones.
    func differences(from other: Parameters) -> (outside: Int, worstRatio: Double, worstIndex: Int, identical: Int) {
        precondition(values.count == other.values.count, "\(values.count) vs \(other.values.count) parameters")
        var outside = 0, identical = 0, worst = 0.0, worstIndex = -1
        for (i, (a, b)) in zip(values, other.values).enumerated() {
            if a.bitPattern == b.bitPattern { identical += 1 }
            let tolerance = 1e-5 * Double(max(abs(a), abs(b))) + 1e-6
            let ratio = Double(abs(a - b)) / tolerance
            if !(ratio <= 1) { outside += 1 }
            if !(ratio <= worst) { worst = ratio; worstIndex = i }
        }
        return (outside, worst, worstIndex, identical)
    }
}

/// One line of `mtl-dist plan`.
struct PlanLine: Decodable, Hashable {
    let epoch: Int
    let step: Int
    let rank: Int
    let task: String
    let corpus: String
    let sentence: Int

    /// Every stdout line of a plan run, decoded; a line that does not decode fails the test.
    static func parse(_ run: ProcessRun, file: StaticString = #filePath, line: UInt = #line) throws -> [PlanLine] {
        let decoder = JSONDecoder()
        return try run.stdout.split(separator: "\n").map { text in
            do { return try decoder.decode(PlanLine.self, from: Data(text.utf8)) } catch {
                XCTFail("not a plan line: \(text)", file: file, line: line)
                throw error
            }
        }
    }
}

/// The lines of a `metrics.jsonl`, each parsed as a JSON object; a line that does not parse fails the test.
func metricsLines(_ output: URL, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
    let text = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
    XCTAssertTrue(text.hasSuffix("\n"), "metrics.jsonl ends with a newline", file: file, line: line)
    return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().compactMap { entry in
        guard let object = try? JSONSerialization.jsonObject(with: Data(entry.utf8)) as? [String: Any] else {
            XCTFail("metrics.jsonl: not a JSON object: \(entry)", file: file, line: line)
            return nil
        }
        return object
    }
}
