import Collective
import CoNLL
import Foundation
import ModelFiles
import Training
import XCTest

/// A whole run in one process on a tiny corpus: what lands in the output folder, that a saved
/// model reloads and scores what training reported, and that predictions read back.
final class TrainerEndToEndTests: TinyCorpusTestCase {
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
        let sentences = try PredictionIO.sentences(in: input, format: .pretokenized, fileName: "input.txt")
        XCTAssertEqual(sentences.map(\.tokens), [["Mary", "lives", "in", "Paris"], ["the", "dog", "sleeps"]])
        let file = folder.appendingPathComponent("input.txt")
        try input.write(to: file, atomically: false, encoding: .utf8)
        func predict(_ output: PredictionIO.OutputFormat) throws -> String {
            var text = ""
            let run = PredictionRun(model: model.model, encoder: model.metadata.encoder, taskIndices: [0, 1], output: output,
                                    batchSize: 8, tokenBudget: 4096)
            try run.run(input: try PredictionInput(path: file.path, format: .pretokenized),
                        communicator: SingleProcessCommunicator()) { text += $0 }
            return text
        }
        let conll = try predict(.conll), jsonl = try predict(.jsonl)
        XCTAssertTrue(conll.hasPrefix("# columns = token upos ner\n"), conll)
        let reader = CoNLLReader(format: .columns(ColumnFormat(columns: ["text", "upos", "ner"], separator: .tab,
                                                               comments: .hashWithoutSeparator, tagSchemes: ["ner": .iob2])))
        let back = try reader.read(text: conll, fileName: "predicted.conll").sentences
        XCTAssertEqual(back.map(\.tokens), sentences.map(\.tokens))
        XCTAssertEqual(back[0].labels["ner"], ["B-PER", "O", "O", "B-LOC"])
        XCTAssertEqual(back[1].labels["upos"], ["DET", "NOUN", "VERB"])
        // predict reads its own CoNLL output back as input, header included
        XCTAssertEqual(try PredictionIO.sentences(in: conll, format: .conll, fileName: "predicted.conll").map(\.tokens),
                       sentences.map(\.tokens))
        let objects = jsonl.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let ner = objects[0]["ner"] as? [String: Any]
        XCTAssertEqual(ner?["tags"] as? [String], back[0].labels["ner"])
        XCTAssertEqual((ner?["probabilities"] as? [Double])?.count, 4)
        XCTAssertTrue((ner?["probabilities"] as? [Double] ?? []).allSatisfy { $0 > 0.3 && $0 <= 1 }, "\(objects[0])")
        let spans = ner?["spans"] as? [[String: Any]] ?? []
        XCTAssertEqual(spans.map { $0["type"] as? String }, ["PER", "LOC"])
        XCTAssertEqual(spans.map { $0["text"] as? String }, ["Mary", "Paris"])
        XCTAssertEqual(spans.map { $0["char_start"] as? Int }, [0, 14])
        XCTAssertEqual(spans.map { $0["char_end"] as? Int }, [4, 19])
        XCTAssertTrue(spans.allSatisfy { ($0["score"] as? Double ?? -1) > 0 && ($0["score"] as? Double ?? 2) <= 1 }, "\(spans)")
        XCTAssertNil((objects[0]["upos"] as? [String: Any])?["spans"])
        XCTAssertEqual(objects[1]["tokens"] as? [String], ["the", "dog", "sleeps"])
    }

    func testASentenceLongerThanOnePassIsDecodedInPiecesWithTheTagsOfEachPiece() throws {
        _ = try train("run", overrides: ["training.max_steps=2"])
        let model = try TrainedModel(url: folder.appendingPathComponent("run/best"))
        let n = Evaluator.maxTokensPerPass
        let words = ["Mary", "lives", "in", "Paris", "the", "dog", "sleeps"]
        let long = (0..<(2 * n + 7)).map { words[$0 % words.count] }
        let source = SourceLocation(file: "long.txt", line: 1)
        // the long sentence, and its three pieces as sentences of their own
        let sentences = [Sentence(tokens: long, source: source)]
            + [0..<n, n..<2 * n, 2 * n..<long.count].map { Sentence(tokens: Array(long[$0]), source: source) }
        var predicted: [Int: [[String]]] = [:]
        try Evaluator.forEachPrediction(model: model.model, encoder: model.metadata.encoder, sentences: sentences,
                                        indices: [0, 1, 2, 3], taskIndices: [0, 1], batchSize: 2) { s, tags in
            predicted[s] = tags
        }
        for task in 0..<2 {
            XCTAssertEqual(predicted[0]?[task].count, long.count)
            XCTAssertEqual(predicted[0]?[task], (1...3).flatMap { predicted[$0]?[task] ?? [] }, "task \(task)")
        }
    }

    func testATokenOfAHundredThousandCharactersTrains() throws {
        let blob = String(repeating: "QUJD", count: 25_000)
        let original = try String(contentsOf: folder.appendingPathComponent("train.tsv"), encoding: .utf8)
        try (original + "\(blob)\tX\tO\nend\tNOUN\tO\n\n").write(to: folder.appendingPathComponent("train.tsv"),
                                                                atomically: true, encoding: .utf8)
        let (summary, _) = try train("blob", overrides: ["training.max_steps=4"])
        XCTAssertEqual(summary.steps, 4)
        let model = try TrainedModel(url: folder.appendingPathComponent("blob/best"))
        var unknown: [String: Int] = [:]
        let encoded = model.metadata.encoder.encode(Sentence(tokens: [blob, "a"], source: SourceLocation(file: "t", line: 1)),
                                                    taskIndices: [], unknownLabels: &unknown)
        XCTAssertEqual(encoded.characters.map(\.count), [TokenFeatures.maxCharacters, 1])
        // the character vocabulary holds what the encoder reads: the blob's four letters, from its ends
        XCTAssertTrue(model.metadata.encoder.characters.contains("Q"))
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
