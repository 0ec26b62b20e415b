import Collective
import CoNLL
import Foundation
import Training
import XCTest

/// A whole run in one process on a tiny corpus: what lands in the output folder, that a saved
/// model reloads and scores what training reported, and that predictions read back.
final class TrainerEndToEndTests: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // 8 short sentences, tab-separated token / UPOS / NER, each followed by a blank line
        let sentences = [
            ["Mary\tPROPN\tB-PER", "lives\tVERB\tO", "in\tADP\tO", "Paris\tPROPN\tB-LOC"],
            ["John\tPROPN\tB-PER", "Smith\tPROPN\tI-PER", "works\tVERB\tO"],
            ["the\tDET\tO", "cat\tNOUN\tO", "sleeps\tVERB\tO"],
            ["Anna\tPROPN\tB-PER", "visits\tVERB\tO", "New\tPROPN\tB-LOC", "York\tPROPN\tI-LOC"],
            ["a\tDET\tO", "dog\tNOUN\tO", "runs\tVERB\tO"],
            ["Paris\tPROPN\tB-LOC", "is\tAUX\tO", "big\tADJ\tO"],
            ["John\tPROPN\tB-PER", "sleeps\tVERB\tO"],
            ["the\tDET\tO", "dog\tNOUN\tO", "lives\tVERB\tO", "in\tADP\tO", "York\tPROPN\tB-LOC"],
        ]
        let text = sentences.map { $0.joined(separator: "\n") + "\n\n" }.joined()
        try text.write(to: folder.appendingPathComponent("train.tsv"), atomically: true, encoding: .utf8)
        try text.write(to: folder.appendingPathComponent("dev.tsv"), atomically: true, encoding: .utf8)
        let yaml = """
            corpora:
              tiny: {format: columns, columns: [text, upos, ner], separator: tab, train: train.tsv, dev: dev.tsv}
            tasks:
              upos: {corpus: tiny, label: upos, head: softmax, hidden: 0, metric: accuracy}
              ner: {corpus: tiny, label: ner, head: crf, hidden: 8, metric: span_f1, train_scheme: bioes}
            encoder: {word_dim: 8, char_dim: 4, char_hidden: 4, case_dim: 2, shared_hidden: 8, dropout: 0.0, word_dropout: 0.0}
            training: {epochs: 60, batch_size: 4, optimizer: adam, learning_rate: 0.02, schedule: constant, log_every: 10}
            """
        try yaml.write(to: folder.appendingPathComponent("tiny.yaml"), atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func train(_ output: String, overrides: [String] = []) throws -> (Trainer.Summary, String) {
        var log = ""
        let request = TrainingSession.Request(configFile: folder.appendingPathComponent("tiny.yaml"), overrides: overrides,
                                              dataDir: nil, output: folder.appendingPathComponent(output))
        let summary = try TrainingSession.run(request, communicator: SingleProcessCommunicator(), interactive: false) { log += $0 }
        return (summary, log)
    }

    func testRunWritesItsOutputsAndTheSavedModelScoresWhatTrainingReported() throws {
        let (summary, log) = try train("run")
        let out = folder.appendingPathComponent("run")
        for name in ["resolved-config.yaml", "metrics.jsonl", "curves.svg", "best/model.json", "best/parameters.bin"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
        XCTAssertTrue(log.contains("dev after epoch"), log)

        // metrics.jsonl: train lines every log_every steps, one eval line per epoch
        let lines = try String(contentsOf: out.appendingPathComponent("metrics.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let trainLines = lines.filter { $0["type"] as? String == "train" }
        let evalLines = lines.filter { $0["type"] as? String == "eval" }
        XCTAssertEqual(trainLines.count, summary.steps / 10)
        XCTAssertEqual(evalLines.count, 60)
        let loss = trainLines.last!["loss"] as! [String: Double]
        XCTAssertEqual(Set(loss.keys), ["upos", "ner"])
        XCTAssertNotNil(trainLines.last!["sentences_per_s"] as? Double)
        let tasks = evalLines.last!["tasks"] as! [String: Any]
        XCTAssertNotNil((tasks["ner"] as! [String: Any])["f1"])
        XCTAssertNotNil((tasks["upos"] as! [String: Any])["accuracy"])

        // the run ends with its throughput: every step's global batch of 4, their words (2 to 5 a sentence)
        let throughput = try XCTUnwrap(lines.last, "a last line")
        XCTAssertEqual(throughput["type"] as? String, "throughput")
        XCTAssertEqual(summary.throughput.sentences, 4 * summary.steps)
        XCTAssertEqual(throughput["sentences"] as? Int, 4 * summary.steps)
        XCTAssertGreaterThanOrEqual(summary.throughput.tokens, 2 * summary.throughput.sentences)
        XCTAssertLessThanOrEqual(summary.throughput.tokens, 5 * summary.throughput.sentences)
        XCTAssertGreaterThan(summary.throughput.evaluationShare, 0)
        XCTAssertLessThan(summary.throughput.evaluationShare, 1)
        XCTAssertEqual(summary.throughput.peakResidentBytes.count, 1)
        XCTAssertGreaterThan(summary.throughput.peakResidentBytes[0], 1_048_576)
        XCTAssertTrue(log.contains("throughput: ") && log.contains("tokens/s over") && log.contains("peak RSS per rank"), log)
        // curves.svg: a loss line per task, redrawn at the last evaluation
        let svg = try String(contentsOf: out.appendingPathComponent("curves.svg"), encoding: .utf8)
        XCTAssertEqual(svg.components(separatedBy: "<polyline").count - 1, 4, "loss and dev score of two tasks")

        // the tiny corpus is learnt, and the saved best model reproduces the best dev score
        let best = try XCTUnwrap(summary.bestDevScore)
        XCTAssertGreaterThan(best, 0.95, "dev main score \(best)")
        let model = try TrainedModel(url: out.appendingPathComponent("best"))
        let dev = try model.read(folder.appendingPathComponent("dev.tsv"), corpus: "tiny")
        let again = try Evaluator.evaluate(model: model.model, encoder: model.metadata.encoder, sentences: dev,
                                           taskIndices: [0, 1], communicator: SingleProcessCommunicator())
        XCTAssertEqual(Evaluator.mainScore(again, rule: .mean), best, accuracy: 1e-12)
        XCTAssertEqual(model.metadata.devMainScore, best)
    }

    func testPredictionsReadBackWithTheColumnReader() throws {
        _ = try train("run", overrides: ["training.epochs=30"])
        let model = try TrainedModel(url: folder.appendingPathComponent("run/best"))
        let input = "Mary lives in Paris\nthe dog sleeps\n"
        let sentences = try PredictionIO.sentences(in: input, format: .text, fileName: "input.txt")
        XCTAssertEqual(sentences.map(\.tokens), [["Mary", "lives", "in", "Paris"], ["the", "dog", "sleeps"]])
        var conll = "", jsonl = ""
        try Evaluator.forEachPrediction(model: model.model, encoder: model.metadata.encoder, sentences: sentences,
                                        indices: [0, 1], taskIndices: [0, 1], batchSize: 8) { s, tags in
            conll += try PredictionIO.format(tokens: sentences[s].tokens, taskNames: ["upos", "ner"], tags: tags, as: .conll)
            jsonl += try PredictionIO.format(tokens: sentences[s].tokens, taskNames: ["upos", "ner"], tags: tags, as: .jsonl)
        }
        let reader = CoNLLReader(format: .columns(ColumnFormat(columns: ["text", "upos", "ner"], separator: .tab,
                                                               tagSchemes: ["ner": .iob2])))
        let back = try reader.read(text: conll, fileName: "predicted.conll").sentences
        XCTAssertEqual(back.map(\.tokens), sentences.map(\.tokens))
        XCTAssertEqual(back[0].labels["ner"], ["B-PER", "O", "O", "B-LOC"])
        XCTAssertEqual(back[1].labels["upos"], ["DET", "NOUN", "VERB"])
        let objects = jsonl.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: [String]] }
        XCTAssertEqual(objects[0]["ner"], back[0].labels["ner"])
        XCTAssertEqual(objects[1]["tokens"], ["the", "dog", "sleeps"])
    }

    func testAnOutputFolderHoldingFilesIsRefusedBeforeAnyWork() throws {
        let out = folder.appendingPathComponent("used")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        try "keep me".write(to: out.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try train("used")) { error in
            XCTAssertTrue("\(error)".contains("already holds files"), "\(error)")
        }
        XCTAssertEqual(try String(contentsOf: out.appendingPathComponent("notes.txt"), encoding: .utf8), "keep me")
    }

    func testSameSeedSameRunBitForBit() throws {
        _ = try train("a", overrides: ["training.max_steps=12", "encoder.dropout=0.3"])
        _ = try train("b", overrides: ["training.max_steps=12", "encoder.dropout=0.3"])
        let a = try Data(contentsOf: folder.appendingPathComponent("a/best/parameters.bin"))
        let b = try Data(contentsOf: folder.appendingPathComponent("b/best/parameters.bin"))
        XCTAssertEqual(a, b)
        _ = try train("c", overrides: ["training.max_steps=12", "encoder.dropout=0.3", "training.seed=2"])
        XCTAssertNotEqual(a, try Data(contentsOf: folder.appendingPathComponent("c/best/parameters.bin")))
    }
}
