import Foundation
import TestSupport
import XCTest

/// `python/mtl_dist_infer.py` (numpy only) runs an export of a model trained here and tags what
/// `mtl-dist predict --input-format pretokenized` tags, in the same CoNLL layout; a changed export
/// is refused by its checksum. Skips, saying why, when `python3 -c 'import numpy'` fails
/// (`launch/install-deps.sh` installs Debian's python3-numpy then).
final class PythonInferenceTests: XCTestCase {
    private var script: String { ProcessRun.packageRoot.appendingPathComponent("python/mtl_dist_infer.py").path }

    /// `sh -c` running `python3 ARGS < input` (ProcessRun gives its children /dev/null as stdin).
    private func python(_ arguments: [String], input: URL) throws -> ProcessRun {
        try ProcessRun(["/bin/sh", "-c", "exec python3 \"$@\" < \"$0\"", input.path] + arguments, timeout: 120)
    }

    private func skipWithoutNumpy() throws {
        let probe = try ProcessRun(["/bin/sh", "-c", "python3 -c 'import numpy'"])
        if probe.status != 0 {
            throw XCTSkip("python3 with numpy is not available (python3 -c 'import numpy' exited \(probe.status): "
                          + "\(probe.stderr.suffix(200))); run launch/install-deps.sh, which installs python3-numpy")
        }
    }

    func testPythonModuleTagsAsPredictDoes() throws {
        try skipWithoutNumpy()
        let root = try temporaryDirectory()
        let output = root.appendingPathComponent("run"), export = root.appendingPathComponent("export")
        // every part the module runs: words, casing, character BiLSTM, shared and per-head BiLSTMs, CRF and softmax
        let train = try MTLDist.run(["train", "--output", output.path] + MTLDist.tinyModel + MTLDist.settings([
            "training.max_steps": "30", "training.batch_size": "8", "training.seed": "3", "encoder.case_dim": "4",
            "tasks.ner.hidden": "8", "tasks.upos.hidden": "6",
        ]))
        XCTAssertEqual(train.status, 0, "\(train)")
        let exported = try MTLDist.run(["export", "--model", output.appendingPathComponent("best").path, "--output", export.path])
        XCTAssertEqual(exported.status, 0, "\(exported)")

        // the dev sentences, a line each, plus one longer than a decoding piece (1,000 tokens)
        let dev = try String(contentsOf: MTLDist.defaultCorpus.appendingPathComponent("dev.tsv"), encoding: .utf8)
        var sentences: [[String]] = [[]]
        for line in dev.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix("#") {
            if line.isEmpty { if !sentences[sentences.count - 1].isEmpty { sentences.append([]) } } else {
                sentences[sentences.count - 1].append(String(line.split(separator: "\t")[0]))
            }
        }
        sentences = sentences.filter { !$0.isEmpty }
        sentences.append(Array(sentences.joined().prefix(1200)))
        let input = root.appendingPathComponent("input.txt")
        try Data(sentences.map { $0.joined(separator: " ") + "\n" }.joined().utf8).write(to: input)

        let swift = try MTLDist.run(["predict", "--model", export.path, "--input-format", "pretokenized", "--input", input.path])
        XCTAssertEqual(swift.status, 0, "\(swift)")
        let py = try python([script, export.path], input: input)
        XCTAssertEqual(py.status, 0, "\(py)")
        let a = swift.stdout.components(separatedBy: "\n"), b = py.stdout.components(separatedBy: "\n")
        XCTAssertEqual(a.count, b.count, "line counts")
        var tokens = 0, equal = 0
        for (x, y) in zip(a, b) where !x.isEmpty {
            // the column header, `# columns = token upos ner`, once at the top
            if x.hasPrefix("# ") { XCTAssertEqual(x, y, "the header"); continue }
            let fx = x.split(separator: "\t"), fy = y.split(separator: "\t")
            XCTAssertEqual(fx.count, 3, x)
            XCTAssertEqual(fx.first, fy.first, "the same token")
            tokens += 1
            equal += fx == fy ? 1 : 0
        }
        XCTAssertGreaterThan(tokens, 2_000)
        XCTAssertGreaterThanOrEqual(Double(equal) / Double(max(tokens, 1)), 0.999, "\(equal) of \(tokens) tokens tagged alike")

        // one changed byte of the parameters: refused by the checksum, naming the file
        let weights = export.appendingPathComponent("model.safetensors")
        var bytes = try Data(contentsOf: weights)
        bytes[bytes.count - 3] ^= 0x40
        try bytes.write(to: weights)
        let damaged = try python([script, export.path], input: input)
        XCTAssertEqual(damaged.status, 1, "\(damaged)")
        XCTAssertEqual(damaged.occurrences(of: "model.safetensors: checksum crc32c:"), 1, "\(damaged)")
        XCTAssertEqual(damaged.stdout, "", "nothing tagged with a damaged model")
    }
}
