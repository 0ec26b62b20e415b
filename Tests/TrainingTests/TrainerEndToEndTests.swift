import Collective
import CoNLL
import Foundation
import Training
import XCTest

/// A whole run in one process on a tiny corpus: what lands in the output folder, that a saved
/// model reloads and scores what training reported, and that predictions read back.
final class TrainerEndToEndTests: TinyCorpusTestCase {
    func testRunWritesItsOutputsAndTheSavedModelScoresWhatTrainingReported() throws {
        let (summary, log) = try train("run")
        let out = folder.appendingPathComponent("run")
        for name in ["resolved-config.yaml", "metrics.jsonl", "best/model.json", "best/parameters.bin"] {
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
