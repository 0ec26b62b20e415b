import Foundation
import TestSupport
import XCTest

/// Pretrained word vectors (`encoder.word_vectors`) through the built binary: a frozen table holds
/// the file's vectors after training, a resume continues bit for bit with the file gone (the table
/// is in the checkpoint), the model predicts and exports; two ranks train what one trains and end
/// with the same table, ranks that read different files stop before training, and a malformed file
/// stops the run with its file:line.
final class WordVectorRunTests: XCTestCase {
    /// Words of the embedded corpus (and `The`, which folds to `the`'s row only when `the` is absent).
    static let words = ["the", "to", "a", ".", ",", "and", "of", "I", "you", "is", "The"]

    /// A GloVe file of width 16: word i's vector is i + d/16 for d in 0..<16, `changed` adds 0.5 to
    /// the first value of `the`.
    func writeVectors(_ url: URL, changed: Bool = false) throws {
        let lines = Self.words.enumerated().map { i, word in
            word + " " + (0..<16).map { String(format: "%.4f", Double(i) + Double($0) / 16 + (changed && i == 0 && $0 == 0 ? 0.5 : 0)) }
                .joined(separator: " ")
        }
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
    }

    func settings(_ vectors: URL, fineTune: Bool = false) -> [String] {
        MTLDist.tinyModel + MTLDist.settings([
            "encoder.word_vectors.path": vectors.path, "encoder.word_vectors.fine_tune": "\(fineTune)",
            "training.max_steps": "6", "training.batch_size": "8", "training.learning_rate": "0.05",
            "training.log_every": "3", "training.seed": "1", "checkpoint.every": "3",
        ])
    }

    /// The word table's row of each file word the vocabulary has, from a checkpoint's parameters
    /// (the table is the first parameter: no transformer).
    func tableRows(_ output: URL, step: Int) throws -> [String: [Float]] {
        let state = try CheckpointState(output, step: step)
        let model = try XCTUnwrap((state.manifest["training"] as? [String: Any])?["model"] as? [String: Any])
        let words = try XCTUnwrap((model["encoder"] as? [String: Any])?["words"] as? [String: Any])
        let entries = (words["specials"] as! [String]) + (words["items"] as! [String])
        let tensors = try XCTUnwrap(state.manifest["tensors"] as? [[String: Any]])
        XCTAssertEqual(tensors.first?["name"] as? String, "encoder.words.weight")
        let values = state.values.values
        var rows: [String: [Float]] = [:]
        for (id, word) in entries.enumerated() where Self.words.contains(word) || word == "i" {
            rows[word] = Array(values[(id * 16)..<((id + 1) * 16)])
        }
        return rows
    }

    func fileRow(_ i: Int) -> [Float] { (0..<16).map { Float(String(format: "%.4f", Double(i) + Double($0) / 16))! } }

    func testFrozenVectorsTrainResumeWithoutTheFilePredictAndExport() throws {
        let root = try temporaryDirectory()
        let vectors = root.appendingPathComponent("vectors.txt")
        try writeVectors(vectors)
        let straight = root.appendingPathComponent("straight")
        let run = try MTLDist.run(["train", "--output", straight.path] + settings(vectors))
        XCTAssertEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.occurrences(of: "word vectors: vectors.txt: 11 vectors of 16 values"), 1, "\(run)")
        // after 6 steps the frozen rows are the file's: `the` exact, `i` folded from `I`
        let rows = try tableRows(straight, step: 6)
        XCTAssertEqual(rows["the"], fileRow(0))
        XCTAssertEqual(rows["is"], fileRow(9))
        XCTAssertEqual(rows["i"], fileRow(7))

        // the file gone, a resume from step 3 reads the table from the checkpoint and ends bit for bit
        try FileManager.default.removeItem(at: vectors)
        let resumed = root.appendingPathComponent("resumed")
        let resume = try MTLDist.run(["train", "--output", resumed.path, "--resume", straight.appendingPathComponent("checkpoints/step-3").path])
        XCTAssertEqual(resume.status, 0, "\(resume)")
        XCTAssertEqual(resume.occurrences(of: "comes from the checkpoint (vectors.txt is not read)"), 1, "\(resume)")
        XCTAssertEqual(try CheckpointState(resumed, step: 6).bytes, try CheckpointState(straight, step: 6).bytes)

        // the model predicts and exports without the file
        let input = root.appendingPathComponent("input.txt")
        try "the cat is here .\nI can go\n".write(to: input, atomically: true, encoding: .utf8)
        let best = resumed.appendingPathComponent("best").path
        let predict = try MTLDist.run(["predict", "--model", best, "--input", input.path, "--input-format", "pretokenized"])
        XCTAssertEqual(predict.status, 0, "\(predict)")
        XCTAssertEqual(predict.lines.filter { !$0.isEmpty && !$0.hasPrefix("#") }.count, 8, "\(predict)")
        let export = try MTLDist.run(["export", "--model", best, "--output", root.appendingPathComponent("export").path])
        XCTAssertEqual(export.status, 0, "\(export)")
    }

    func testTwoRanksTrainWhatOneRankTrainsAndEndWithTheSameTable() throws {
        let root = try temporaryDirectory()
        let vectors = root.appendingPathComponent("vectors.txt")
        try writeVectors(vectors)
        for fineTune in [true, false] {
            var models: [Int: Parameters] = [:]
            for worldSize in [1, 2] {
                let output = root.appendingPathComponent("np\(worldSize)-\(fineTune)")
                let run = try MTLDist.ranks(worldSize, ["train", "--output", output.path] + settings(vectors, fineTune: fineTune), timeout: 300)
                XCTAssertEqual(run.status, 0, "\(run)")
                XCTAssertEqual(run.occurrences(of: "table \(fineTune ? "fine-tuned" : "frozen")"), 1, "\(run)")
                models[worldSize] = try CheckpointState(output, step: 6).values
                if !fineTune { XCTAssertEqual(try tableRows(output, step: 6)["the"], fileRow(0), "np \(worldSize)") }
            }
            let one = try XCTUnwrap(models[1]), two = try XCTUnwrap(models[2])
            let d = one.differences(from: two)
            XCTAssertEqual(d.outside, 0, "fine_tune \(fineTune): np 2 vs np 1: \(d.outside) of \(one.values.count) state floats differ by more "
                           + "than float summation order; worst at [\(d.worstIndex)]: \(d.worstRatio)× its tolerance")
        }
    }

    /// `mpirun -np 1 mtl-dist A : -np 1 mtl-dist B`: a copy of the file elsewhere is fine, a file
    /// with one other value stops both ranks before training, naming the vectors.
    func testRanksThatReadDifferentVectorsStopBeforeTraining() throws {
        let root = try temporaryDirectory()
        let a = root.appendingPathComponent("a.txt"), copy = root.appendingPathComponent("copy.txt"), b = root.appendingPathComponent("b.txt")
        try writeVectors(a)
        try writeVectors(copy)
        try writeVectors(b, changed: true)
        let binary = try MTLDist.binary()
        func mpmd(_ output: String, _ first: URL, _ second: URL) throws -> ProcessRun {
            let args = { (file: URL) in [binary, "train", "--output", root.appendingPathComponent(output).path] + self.settings(file) }
            return try ProcessRun(try ProcessRun.mpirun() + ["-np", "1"] + args(first) + [":", "-np", "1"] + args(second),
                                  environment: MTLDist.environment, timeout: 300)
        }
        let same = try mpmd("same", a, copy)
        XCTAssertEqual(same.status, 0, "\(same)")
        let different = try mpmd("different", a, b)
        XCTAssertNotEqual(different.status, 0, "\(different)")
        XCTAssertEqual(different.occurrences(of: "pretrained word vectors: 10 vectors of 16 values here and on rank 0, but different content"), 1,
                       "\(different)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("different/best").path))
    }

    /// `bench vectors --write` makes a file holding every word of the embedded corpus; loading it
    /// gives each of them a vector.
    func testBenchVectorsWritesAFileWithTheCorpusWordsAndLoadsIt() throws {
        let file = try temporaryDirectory().appendingPathComponent("bench.txt").path
        let written = try MTLDist.run(["bench", "vectors", "--write", "--file", file, "--words", "6000", "--dimension", "8", "--json"])
        XCTAssertEqual(written.status, 0, "\(written)")
        let w = try XCTUnwrap(written.jsonLines.first)
        XCTAssertEqual(w["words"] as? Int, 6000)
        let load = try MTLDist.run(["bench", "vectors", "--file", file, "--dimension", "8", "--json"])
        XCTAssertEqual(load.status, 0, "\(load)")
        let report = try XCTUnwrap(load.jsonLines.first)
        XCTAssertEqual(report["words_in_file"] as? Int, 6000)
        let with = try XCTUnwrap(report["with_vectors"] as? [String: Any])
        XCTAssertEqual(with["vectors_kept"] as? Int, w["corpus_words"] as? Int, "every word of the corpora has its vector")
        XCTAssertGreaterThan(with["peak_rss_bytes"] as? Int ?? 0, 0)
    }

    func testAMalformedVectorsFileStopsTheRunWithItsLine() throws {
        let root = try temporaryDirectory()
        let vectors = root.appendingPathComponent("bad.vec")
        try writeVectors(vectors)
        var text = try String(contentsOf: vectors, encoding: .utf8)
        text += "cat 1 2 3\n"
        try text.write(to: vectors, atomically: true, encoding: .utf8)
        let run = try MTLDist.run(["train", "--output", root.appendingPathComponent("out").path] + settings(vectors))
        XCTAssertNotEqual(run.status, 0, "\(run)")
        XCTAssertEqual(run.occurrences(of: "bad.vec:12: expected 17 fields (a word and 16 numbers, as the first line has), found 4. Hint:"), 1, "\(run)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.appendingPathComponent("out/best").path))
    }
}
