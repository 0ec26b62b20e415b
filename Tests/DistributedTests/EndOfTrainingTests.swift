import Foundation
import TestSupport
import XCTest

/// The end of a run whose corpus has a test file: the best model is scored on it (a log line and
/// one `test` record in `metrics.jsonl`) and its dev and test predictions are written one file per
/// task, `token gold predicted`, the same on 2 ranks as on 1; `evaluate` names every task it cannot
/// score on the split asked for.
final class EndOfTrainingTests: XCTestCase {
    /// The embedded corpus's dev file, also used as the test file.
    private var devFile: URL { MTLDist.defaultCorpus.appendingPathComponent("dev.tsv") }

    private var run: [String] {
        MTLDist.tinyModel + MTLDist.settings([
            "training.max_steps": "20", "training.batch_size": "8", "training.learning_rate": "0.05",
            "training.eval_every": "10", "training.seed": "1",
        ])
    }

    /// The gold sentences of `dev.tsv`: per sentence, (token, upos, ner) triples.
    private func goldSentences() throws -> [[(String, String, String)]] {
        var sentences: [[(String, String, String)]] = [[]]
        for line in try String(contentsOf: devFile, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("#") { continue }
            if line.isEmpty { if !sentences[sentences.count - 1].isEmpty { sentences.append([]) }; continue }
            let f = line.split(separator: "\t").map(String.init)
            XCTAssertEqual(f.count, 3, "dev.tsv line \(line)")
            sentences[sentences.count - 1].append((f[0], f[1], f[2]))
        }
        return sentences.filter { !$0.isEmpty }
    }

    /// The sentences of a predictions file: per sentence, its lines split into fields.
    private func predictionSentences(_ url: URL) throws -> [[[String]]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("\n\n"), "\(url.lastPathComponent) ends with a blank line")
        return text.components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { block in
            block.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: false).map(String.init) }
        }
    }

    func testTrainingScoresTheBestModelOnTestAndWritesPredictionsIdenticalOnTwoRanks() throws {
        let root = try temporaryDirectory()
        var files: [Int: [String: Data]] = [:]
        let names = ["dev.upos.conll", "dev.ner.conll", "test.upos.conll", "test.ner.conll"]
        for worldSize in [1, 2] {
            let output = root.appendingPathComponent("np\(worldSize)")
            let result = try MTLDist.ranks(worldSize, ["train", "--output", output.path] + run
                                           + MTLDist.settings(["corpora.ewt.test": devFile.path]))
            XCTAssertEqual(result.status, 0, "\(result)")
            XCTAssertEqual(result.occurrences(of: "test (best model, step "), 1, "\(result)")
            let records = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
                .split(separator: "\n").compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            let tests = records.filter { $0["type"] as? String == "test" }
            XCTAssertEqual(tests.count, 1, "one test record: \(tests)")
            let record = try XCTUnwrap(tests.first)
            let tasks = try XCTUnwrap(record["tasks"] as? [String: Any])
            let accuracy = try XCTUnwrap((tasks["upos"] as? [String: Any])?["accuracy"] as? Double)
            let f1 = try XCTUnwrap((tasks["ner"] as? [String: Any])?["f1"] as? Double)
            let bestStep = try XCTUnwrap(record["best_step"] as? Int)
            XCTAssertTrue((0...1).contains(accuracy) && (0...1).contains(f1), "scores in [0, 1]: \(record)")
            XCTAssertTrue([10, 20].contains(bestStep), "best_step is an evaluated step: \(record)")

            // the files: the gold sentences in order, three fields, the dev tags equal the test tags (same file)
            let folder = output.appendingPathComponent("predictions")
            files[worldSize] = try Dictionary(uniqueKeysWithValues: names.map { ($0, try Data(contentsOf: folder.appendingPathComponent($0))) })
            let gold = try goldSentences()
            var correct = 0, total = 0
            for (name, column) in [("test.upos.conll", 1), ("test.ner.conll", 2)] {
                let predicted = try predictionSentences(folder.appendingPathComponent(name))
                XCTAssertEqual(predicted.count, gold.count, name)
                for (p, g) in zip(predicted, gold) {
                    XCTAssertEqual(p.count, g.count, name)
                    for (fields, token) in zip(p, g) {
                        XCTAssertEqual(fields.count, 3, "\(name): \(fields)")
                        guard fields.count == 3 else { continue }
                        XCTAssertEqual(fields[0], token.0, name)
                        XCTAssertEqual(fields[1], column == 1 ? token.1 : token.2, name)
                        if column == 1 { correct += fields[1] == fields[2] ? 1 : 0; total += 1 }
                    }
                }
            }
            // the record's accuracy is the file's
            XCTAssertGreaterThan(total, 1000)
            XCTAssertEqual(accuracy, Double(correct) / Double(total), accuracy: 1e-9)
            XCTAssertEqual(files[worldSize]?["dev.upos.conll"], files[worldSize]?["test.upos.conll"])

            // report reads the new record kind
            let report = try MTLDist.run(["report", output.path])
            XCTAssertEqual(report.status, 0, "\(report)")
        }
        for name in names {
            XCTAssertEqual(files[1]?[name], files[2]?[name], "\(name): np 2 differs from np 1")
        }
    }

    func testEvaluateNamesEveryTaskItCannotScore() throws {
        let output = try temporaryDirectory().appendingPathComponent("run")
        let train = try MTLDist.run(["train", "--output", output.path] + run + MTLDist.settings(["training.max_steps": "2"]))
        XCTAssertEqual(train.status, 0, "\(train)")
        XCTAssertEqual(train.occurrences(of: "test (best model"), 0, "no test file, no test score: \(train)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.appendingPathComponent("predictions").path))
        let model = output.appendingPathComponent("best").path
        let result = try MTLDist.run(["evaluate", "--model", model, "--split", "test"])
        XCTAssertNotEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.occurrences(of: "task upos: corpus ewt has no test file (corpora.ewt.test)"), 1, "\(result)")
        XCTAssertEqual(result.occurrences(of: "task ner: corpus ewt has no test file (corpora.ewt.test)"), 1, "\(result)")
        let dev = try MTLDist.run(["evaluate", "--model", model, "--split", "dev"])
        XCTAssertEqual(dev.status, 0, "\(dev)")
        XCTAssertEqual(dev.occurrences(of: "not scored"), 0, "\(dev)")
    }

    /// Two corpora, only the first with a test file: training scores and writes the test split of
    /// the first alone; `evaluate --split test` scores that task and names the other with its reason.
    func testOnlyTasksWithATestFileAreScoredAndTheOthersNamed() throws {
        let root = try temporaryDirectory()
        let corpus = MTLDist.defaultCorpus.path
        let config = root.appendingPathComponent("two.yaml")
        try Data("""
            data_dir: \(corpus)
            corpora:
              withtest: {format: columns, columns: [text, upos, ner], separator: tab, train: train.tsv, dev: dev.tsv, test: dev.tsv}
              notest: {format: columns, columns: [text, upos, ner], separator: tab, train: train.tsv, dev: dev.tsv}
            tasks:
              upos: {corpus: withtest, label: upos, head: softmax, hidden: 0, metric: accuracy}
              ner: {corpus: notest, label: ner, head: crf, hidden: 0, metric: span_f1, input_scheme: iob2, train_scheme: bioes}
            training: {max_steps: 4, batch_size: 8, seed: 1}

            """.utf8).write(to: config)
        let output = root.appendingPathComponent("run")
        let train = try MTLDist.run(["train", "--config", config.path, "--output", output.path] + MTLDist.tinyModel)
        XCTAssertEqual(train.status, 0, "\(train)")
        XCTAssertEqual(train.occurrences(of: "test (best model, step 4): upos acc "), 1, "\(train)")
        let written = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("predictions").path).sorted()
        XCTAssertEqual(written, ["dev.ner.conll", "dev.upos.conll", "test.upos.conll"])

        let result = try MTLDist.run(["evaluate", "--model", output.appendingPathComponent("best").path, "--split", "test", "--json"])
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.stderr.components(separatedBy: "task ner: corpus notest has no test file (corpora.notest.test)").count, 2,
                       "named once on stderr: \(result)")
        let object = try XCTUnwrap(result.jsonLines.last)
        XCTAssertEqual((object["tasks"] as? [String: Any]).map { Array($0.keys) }, ["upos"], "\(object)")
        XCTAssertEqual(object["unscored"] as? [String: String], ["ner": "corpus notest has no test file (corpora.notest.test)"])
    }

    /// A finished run resumed with a larger `max_steps` ends with one test record, its own.
    func testAResumedRunKeepsOneTestRecord() throws {
        let output = try temporaryDirectory().appendingPathComponent("run")
        let base = run + MTLDist.settings(["corpora.ewt.test": devFile.path, "checkpoint.every": "4", "training.eval_every": "4"])
        let first = try MTLDist.run(["train", "--output", output.path] + base + MTLDist.settings(["training.max_steps": "8"]))
        XCTAssertEqual(first.status, 0, "\(first)")
        let resumed = try MTLDist.run(["train", "--resume", "auto", "--output", output.path] + base
                                      + MTLDist.settings(["training.max_steps": "12"]))
        XCTAssertEqual(resumed.status, 0, "\(resumed)")
        XCTAssertEqual(resumed.occurrences(of: "test (best model, step "), 1, "\(resumed)")
        let tests = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").compactMap { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["type"] as? String == "test" }
        XCTAssertEqual(tests.count, 1, "one test record after the resume: \(tests)")
        XCTAssertTrue([4, 8, 12].contains(tests.first?["best_step"] as? Int ?? -1), "\(tests)")
    }
}
