import Foundation
import TestSupport
import XCTest

/// `encoder.transformer.layer_mix: learned` through the binary, over a frozen tiny BERT and all its
/// hidden states (`layers: all`): the mix's weights and scale train although the transformer does
/// not, np 2 trains what np 1 trains, a resume continues bit for bit, and the export carries the mix
/// and predicts as the trained model does.
final class LayerMixTrainingTests: XCTestCase {
    func settings(fineTune: Bool = false, optimizer: String = "adamw", learningRate: String = "0.01") -> [String] {
        MTLDist.settings([
            "encoder.transformer.path": TransformerTrainingTests.tinyBert, "encoder.transformer.fine_tune": "\(fineTune)",
            "encoder.transformer.layers": "all", "encoder.transformer.layer_mix": "learned",
            "encoder.word_dim": "0", "encoder.char_dim": "0", "encoder.case_dim": "0", "encoder.shared_hidden": "0",
            "encoder.dropout": "0.1", "training.max_steps": "12", "training.batch_size": "8",
            "training.optimizer": optimizer, "training.learning_rate": learningRate,
            "training.log_every": "6", "training.seed": "5", "checkpoint.every": "6",
        ])
    }

    func testTheMixTrainsOverAFrozenTransformerResumesExportsAndPredicts() throws {
        let root = try temporaryDirectory()
        let straight = root.appendingPathComponent("straight"), resumed = root.appendingPathComponent("resumed")
        let first = try MTLDist.run(["train", "--output", straight.path] + settings(), timeout: 300)
        XCTAssertEqual(first.status, 0, "\(first)")
        let resolved = try String(contentsOf: straight.appendingPathComponent("resolved-config.yaml"), encoding: .utf8)
        XCTAssertTrue(resolved.contains("layers: all") && resolved.contains("layer_mix: learned"), resolved)

        // a resume from step 6 without the original --set flags: the checkpoint's config carries the mix
        let second = try MTLDist.run(["train", "--output", resumed.path, "--resume",
                                      straight.appendingPathComponent("checkpoints/step-6").path], timeout: 300)
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertEqual(try CheckpointState(straight, step: 12).bytes, try CheckpointState(resumed, step: 12).bytes)

        let export = root.appendingPathComponent("export")
        let exported = try MTLDist.run(["export", "--model", straight.appendingPathComponent("best").path, "--output", export.path])
        XCTAssertEqual(exported.status, 0, "\(exported)")
        let tensors = try SafeTensorsHeader(export.appendingPathComponent("model.safetensors"))
        // the tiny BERT has 2 layers: `all` is the embedding output and both layers
        let weights = try XCTUnwrap(tensors.values(of: "encoder.layer_mix.weights")), scale = try XCTUnwrap(tensors.values(of: "encoder.layer_mix.scale"))
        XCTAssertEqual(weights.count, 3)
        XCTAssertEqual(scale.count, 1)
        XCTAssertTrue(weights.contains { $0 != 0 } && scale[0] != 1, "the mix trained: weights \(weights), scale \(scale)")
        XCTAssertFalse(tensors.names.contains { $0.hasPrefix("encoder.transformer.") }, "a frozen transformer is not among the parameters")

        let input = root.appendingPathComponent("input.txt")
        try "Peter Blackburn visited Brussels .\nEU rejects German call\n".write(to: input, atomically: true, encoding: .utf8)
        func predict(_ model: URL) throws -> String {
            let run = try MTLDist.run(["predict", "--model", model.path, "--input-format", "pretokenized", "--input", input.path], timeout: 300)
            XCTAssertEqual(run.status, 0, "\(run)")
            return run.stdout
        }
        let fromBest = try predict(straight.appendingPathComponent("best"))
        XCTAssertEqual(fromBest.split(separator: "\n").filter { !$0.hasPrefix("#") }.count, 9, "\(fromBest)")
        XCTAssertEqual(try predict(export), fromBest)
    }

    /// SGD (see `TransformerTrainingTests.settings` on why not Adam), fine-tuned transformer and
    /// mix: np 2 ends where np 1 does up to float summation order.
    func testOneAndTwoRanksTrainTheSameMix() throws {
        let root = try temporaryDirectory()
        var models: [Int: Parameters] = [:]
        for worldSize in [1, 2] {
            let output = root.appendingPathComponent("np\(worldSize)")
            let run = try MTLDist.ranks(worldSize, ["train", "--output", output.path]
                                        + settings(fineTune: true, optimizer: "sgd", learningRate: "0.05"), timeout: 300)
            XCTAssertEqual(run.status, 0, "\(run)")
            models[worldSize] = try Parameters(model: output.appendingPathComponent("best"))
        }
        let one = try XCTUnwrap(models[1]), two = try XCTUnwrap(models[2])
        let d = one.differences(from: two)
        XCTAssertEqual(d.outside, 0, "np 2 vs np 1: \(d.outside) of \(one.values.count) differ; worst \(d.worstRatio)× at [\(d.worstIndex)]")
    }

    func testEncodeReadsAllLayersAsTheEmbeddingOutputAndEveryLayer() throws {
        let input = try temporaryDirectory().appendingPathComponent("input.txt")
        try "Peter Blackburn visited Brussels .\n".write(to: input, atomically: true, encoding: .utf8)
        func encode(_ layers: String) throws -> String {
            let run = try MTLDist.run(["encode", "--transformer", TransformerTrainingTests.tinyBert, "--input", input.path, "--layers", layers])
            XCTAssertEqual(run.status, 0, "\(run)")
            return run.stdout
        }
        XCTAssertEqual(try encode("all"), try encode("0,1,2"))
        XCTAssertNotEqual(try encode("all"), try encode("-1"))
    }

    func testAMixOverNoLayerListIsRefusedWithTheFix() throws {
        let output = try temporaryDirectory().appendingPathComponent("run")
        let run = try MTLDist.run(["train", "--output", output.path] + settings()
                                  + MTLDist.settings(["encoder.transformer.layers": "every"]))
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("encoder.transformer.layers") && run.stderr.contains("all"), "\(run)")
    }
}

/// The tensors of a safetensors file by name (float32 only), read with Foundation.
struct SafeTensorsHeader {
    let data: Data
    let header: [String: Any]
    let start: Int

    init(_ url: URL) throws {
        data = try Data(contentsOf: url)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as! [String: Any]
        start = 8 + length
    }

    var names: [String] { header.keys.filter { $0 != "__metadata__" } }

    func values(of name: String) -> [Float]? {
        guard let entry = header[name] as? [String: Any], entry["dtype"] as? String == "F32",
              let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else { return nil }
        return Parameters(bytes: data.subdata(in: (start + offsets[0])..<(start + offsets[1]))).values
    }
}
