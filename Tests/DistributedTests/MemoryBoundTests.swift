import Foundation
import TestSupport
import XCTest

/// Memory bounded by the config, not by the input, through the built binary: a 50,000-token
/// training sentence is skipped and named (`training.max_sentence_tokens`), and a data file larger
/// than `corpora.<name>.max_file_mb` is refused by `train` and `evaluate --split` before it is read.
final class MemoryBoundTests: XCTestCase {
    private let tiny = MTLDist.tinyModel + MTLDist.settings(["training.max_steps": "3", "training.batch_size": "8"])

    /// The embedded training file with one sentence of `tokens` tokens appended, and the line it starts on.
    private func corpus(withSentenceOf tokens: Int, in folder: URL) throws -> (url: URL, line: Int) {
        var text = try String(contentsOf: MTLDist.defaultCorpus.appendingPathComponent("train.tsv"), encoding: .utf8)
        if !text.hasSuffix("\n\n") { text += text.hasSuffix("\n") ? "\n" : "\n\n" }
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).count
        text += String(repeating: "word\tNOUN\tO\n", count: tokens) + "\n"
        let url = folder.appendingPathComponent("train-\(tokens).tsv")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return (url, line)
    }

    func testALongTrainingSentenceIsSkippedAndNamedAndTheRunStaysUnderOneGigabyte() throws {
        let root = try temporaryDirectory()
        let (url, line) = try corpus(withSentenceOf: 50_000, in: root)
        let output = root.appendingPathComponent("run")
        let result = try MTLDist.run(["train", "--output", output.path, "--set", "corpora.ewt.train=\(url.path)"] + tiny)
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stdout.contains("skipped 1 training sentence longer than training.max_sentence_tokens (500 tokens; "
                                             + "the longest has 50000), the first at \(url.lastPathComponent):\(line)"), "\(result)")
        let throughput = try metricsLines(output).first { $0["type"] as? String == "throughput" }
        let peak = (throughput?["peak_rss_mib_per_rank"] as? [Double])?.first ?? .infinity
        XCTAssertLessThan(peak, 1024, "peak RSS \(peak) MiB")
        // the bound is the key's: raised above the sentence, it trains (600 tokens, under 1 GB too)
        let (medium, _) = try corpus(withSentenceOf: 600, in: root)
        for (bound, skipped) in [("500", true), ("1000", false)] {
            let run = try MTLDist.run(["train", "--output", root.appendingPathComponent("b\(bound)").path,
                                       "--set", "corpora.ewt.train=\(medium.path)", "--set", "training.max_sentence_tokens=\(bound)"] + tiny)
            XCTAssertEqual(run.status, 0, "\(run)")
            XCTAssertEqual(run.stdout.contains("skipped 1 training sentence"), skipped, "\(bound): \(run)")
        }
    }

    func testADataFileLargerThanTheBoundIsRefusedBeforeItIsRead() throws {
        let root = try temporaryDirectory()
        // 2.1 GB, sparse: a read would take seconds and gigabytes
        let huge = root.appendingPathComponent("huge.tsv")
        XCTAssertTrue(FileManager.default.createFile(atPath: huge.path, contents: Data("x\n".utf8)))
        XCTAssertEqual(truncate(huge.path, 2_100_000_000), 0)
        let train = try MTLDist.run(["train", "--output", root.appendingPathComponent("run").path, "--set", "corpora.ewt.train=\(huge.path)"] + tiny,
                                    timeout: 10)
        XCTAssertNotEqual(train.status, 0, "\(train)")
        XCTAssertTrue(train.stderr.contains("\(huge.path): the file has 2002 MiB, more than corpora.ewt.max_file_mb (256 MiB)"), "\(train)")
        XCTAssertTrue(train.stderr.contains("--set corpora.ewt.max_file_mb=2003"), "\(train)")
        XCTAssertLessThan(train.seconds, 5)
        let model = root.appendingPathComponent("model")
        XCTAssertEqual(try MTLDist.run(["train", "--output", model.path] + tiny).status, 0)
        let evaluate = try MTLDist.run(["evaluate", "--model", model.appendingPathComponent("best").path, "--split", huge.path], timeout: 10)
        XCTAssertNotEqual(evaluate.status, 0, "\(evaluate)")
        XCTAssertTrue(evaluate.stderr.contains("more than corpora.ewt.max_file_mb (256 MiB)"), "\(evaluate)")
        XCTAssertLessThan(evaluate.seconds, 5)
    }

    /// A file within the bound whose first line is malformed is refused at that line, having read
    /// only the chunk that holds it: not the later byte that is not UTF-8 (which a read of the whole
    /// file first would report), and in well under the time a 200 MB read takes.
    func testReadingStopsAtTheFirstMalformedLine() throws {
        let root = try temporaryDirectory()
        let bad = root.appendingPathComponent("bad-line-1.tsv")
        XCTAssertTrue(FileManager.default.createFile(atPath: bad.path, contents: Data("x\n".utf8)))
        XCTAssertEqual(truncate(bad.path, 200_000_000), 0)
        let handle = try FileHandle(forWritingTo: bad)
        try handle.seek(toOffset: 199_999_990)
        try handle.write(contentsOf: Data([0xFF, 0x0A]))
        try handle.close()
        let result = try MTLDist.run(["train", "--output", root.appendingPathComponent("run").path,
                                      "--set", "corpora.ewt.train=\(bad.path)"] + tiny, timeout: 10)
        XCTAssertNotEqual(result.status, 0, "\(result)")
        XCTAssertTrue(result.stderr.contains("bad-line-1.tsv:1:"), "\(result)")
        XCTAssertFalse(result.stderr.contains("UTF-8"), "\(result)")
        XCTAssertLessThan(result.seconds, 3, "\(result)")
    }
}
