import Autodiff
import Foundation
import TestSupport
import Transformer
import XCTest

/// Pooled word vectors (what the taggers and `mtl-dist encode` see) against vectors computed in
/// Python from transformers' hidden states (encode.json), for first / mean / first_last pooling
/// and single and averaged layers.
final class WordEmbeddingsTests: XCTestCase {
    func embeddings(layers: [Int], pooling: SubwordPooling) throws -> TransformerWordEmbeddings {
        let bert = try PretrainedBert(folder: Fixtures.tinyBert)
        var rng = SplitMix64(seed: 1)
        let model = try bert.load(name: "encoder.transformer", site: 0, store: ParameterStore(), rng: &rng)
        return try TransformerWordEmbeddings(model: model, layers: layers, pooling: pooling)
    }

    func testPooledVectorsMatchPython() throws {
        let reference = try EncodeReference.load()
        XCTAssertEqual(reference.settings.count, 3)
        for setting in reference.settings {
            let pooling = try XCTUnwrap(SubwordPooling(rawValue: setting.pooling))
            let e = try embeddings(layers: setting.layers, pooling: pooling)
            var index = 0
            // batch size 2: the three sentences take two forward passes
            e.encode(reference.sentences, tokenizer: try PretrainedBert(folder: Fixtures.tinyBert).tokenizer, batchSize: 2) { encoded in
                XCTAssertEqual(encoded.subwords.flatMap { $0 }, setting.subwords[index], "sentence \(index)")
                XCTAssertEqual(encoded.vectors.count, reference.sentences[index].count, "one vector per token")
                assertClose(encoded.vectors.flatMap { $0 }, setting.vectors[index].flatMap { $0 }, atol: 1e-5, rtol: 0,
                            "\(setting.layers) \(setting.pooling) sentence \(index)")
                index += 1
            }
            XCTAssertEqual(index, 3)
        }
    }

    func testLayerIndicesAreChecked() throws {
        XCTAssertEqual(try embeddings(layers: [-1, 1, -3], pooling: .first).layers, [2, 1, 0], "2 layers: -1 is 2, -3 the embeddings")
        for (layers, expected) in [([-1, 2], "names hidden state 2 twice"), ([3], "3 is outside -3...2"), ([-4], "-4 is outside"),
                                   ([], "give at least one layer")] {
            XCTAssertThrowsError(try embeddings(layers: layers, pooling: .mean)) {
                XCTAssertTrue("\($0)".contains(expected), "\(layers): \($0)")
            }
        }
    }
}
