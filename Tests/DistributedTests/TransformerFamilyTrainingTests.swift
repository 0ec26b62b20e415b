import Foundation
import TestSupport
import XCTest

/// DistilBERT and ELECTRA (the tiny fixtures of `make_tiny_models.py`, with tiny-bert's WordPiece
/// vocabulary) and RoBERTa, XLM-R and CamemBERT (with the tokenizer.json of `make_tokenizers.py`:
/// byte-level BPE, SentencePiece Unigram) as the shared encoder, through the real binary in one
/// process: each trains fine-tuned, resumes from its checkpoint, exports a Hugging Face folder of
/// its own family that `encode` reads, and predicts from the export.
final class TransformerFamilyTrainingTests: XCTestCase {
    static func fixture(_ family: String) -> String {
        ProcessRun.packageRoot.appendingPathComponent("Tests/TransformerTests/Fixtures/tiny-models/\(family)").path
    }

    func settings(_ family: String) -> [String] {
        MTLDist.settings([
            "encoder.transformer.path": Self.fixture(family), "encoder.transformer.fine_tune": "true",
            "encoder.transformer.layers": "[-1]", "encoder.transformer.pooling": "first",
            "encoder.word_dim": "0", "encoder.char_dim": "0", "encoder.case_dim": "4", "encoder.shared_hidden": "0",
            "training.max_steps": "6", "training.batch_size": "8", "training.learning_rate": "0.001",
            "training.log_every": "3", "training.seed": "3", "checkpoint.every": "3",
        ])
    }

    func testDistilBertAndElectraTrainResumeExportAndPredict() throws {
        try trainResumeExportAndPredict(["distilbert", "electra"])
    }

    /// The RoBERTa family tokenises with its tokenizer.json, which the export carries unchanged.
    func testRobertaXLMRAndCamembertTrainResumeExportAndPredict() throws {
        let exports = try trainResumeExportAndPredict(["roberta", "xlm-roberta", "camembert"])
        for (family, folder) in exports {
            let original = try Data(contentsOf: URL(fileURLWithPath: Self.fixture(family)).appendingPathComponent("tokenizer.json"))
            XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("tokenizer.json")), original, family)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("vocab.txt").path), family)
        }
    }

    /// Trains, resumes, exports, encodes and predicts each family; returns each export's transformer folder.
    @discardableResult
    func trainResumeExportAndPredict(_ families: [String]) throws -> [String: URL] {
        let root = try temporaryDirectory()
        let input = root.appendingPathComponent("input.txt")
        try "Peter Blackburn visited Brussels .\nSøstre kender hinandens inderste i Århus\n".write(to: input, atomically: true, encoding: .utf8)
        var exports: [String: URL] = [:]
        for family in families {
            let output = root.appendingPathComponent(family)
            let train = try MTLDist.run(["train", "--output", output.path] + settings(family), timeout: 300)
            XCTAssertEqual(train.status, 0, "\(family): \(train)")
            // 3 more steps from the checkpoint of step 6
            let resume = try MTLDist.run(["train", "--output", output.path, "--resume", "auto"] + settings(family)
                                         + MTLDist.settings(["training.max_steps": "9"]), timeout: 300)
            XCTAssertEqual(resume.status, 0, "\(family) resume: \(resume)")
            XCTAssertTrue(resume.stdout.contains("resuming at step 6") && resume.stdout.contains("done: 9 steps"), resume.stdout)
            let export = root.appendingPathComponent("\(family)-export")
            let exported = try MTLDist.run(["export", "--model", output.appendingPathComponent("best").path, "--output", export.path])
            XCTAssertEqual(exported.status, 0, "\(family) export: \(exported)")
            let folder = export.appendingPathComponent("transformer")
            let config = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("config.json"))) as? [String: Any]
            XCTAssertEqual(config?["model_type"] as? String, family)
            let encode = try MTLDist.run(["encode", "--transformer", folder.path, "--input", input.path], timeout: 300)
            XCTAssertEqual(encode.status, 0, "\(family) encode: \(encode)")
            XCTAssertEqual(encode.stdout.split(separator: "\n").count, 2)
            let predict = try MTLDist.run(["predict", "--model", export.path, "--input-format", "pretokenized", "--input", input.path], timeout: 300)
            XCTAssertEqual(predict.status, 0, "\(family) predict: \(predict)")
            XCTAssertTrue(predict.stdout.contains("Brussels") && predict.stdout.contains("Århus"), predict.stdout)
            exports[family] = folder
        }
        return exports
    }
}
