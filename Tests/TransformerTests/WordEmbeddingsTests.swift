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

    /// The word vectors computed from the pooled rows alone (the top layer restricted to them)
    /// equal, in training with dropout, those pooled from the whole hidden states, and so do the
    /// parameters' gradients.
    func testPoolingOnlyTheReadRowsChangesNothing() throws {
        let bert = try PretrainedBert(folder: Fixtures.tinyBert)
        let words = [["Hello", "unbelievable", "world", "!"], ["Tokenisation", "is", "fun"], ["x"]]
        let sentences = words.map { bert.tokenizer.subwords(words: $0) }
        for (layers, pooling) in [([-1], SubwordPooling.first), ([-1], .mean), ([-2, -1], .firstLast), ([0], .first)] {
            let store = ParameterStore()
            var rng = SplitMix64(seed: 1)
            let model = try bert.load(name: "encoder.transformer", hiddenDropout: 0.2, attentionDropout: 0.2, site: 0,
                                      store: store, rng: &rng)
            let e = try TransformerWordEmbeddings(model: model, layers: layers, pooling: pooling)
            let batch = e.batch(sentences, rowKeys: [5, 6, 7], tokenizer: bert.tokenizer)
            XCTAssertLessThan(pooling.rowsRead(rows: batch.subwordRows, starts: batch.wordStarts).count, batch.ids.count)
            // the reference: every row of every layer up to the highest, then pooled
            func reference(_ tape: Tape) -> Tensor {
                let states = model(batch.ids, lengths: batch.lengths, keys: batch.keys, training: true, tape: tape,
                                   through: e.layers.max())
                var x = states[e.layers[0]]
                for l in e.layers.dropFirst() { x = x + states[l] }
                return pooling.pool(x.scaled(by: 1 / Float(e.layers.count)), rows: batch.subwordRows, starts: batch.wordStarts)
            }
            var results: [(vectors: [Float], gradients: [Float])] = []
            for restricted in [false, true] {
                store.zeroGrad()
                let tape = Tape()
                let out = restricted ? e(batch, training: true, tape: tape) : reference(tape)
                let weights = Tensor(shape: out.shape, scalars: randomValues(out.count, seed: 9))
                tape.backward(from: (out * weights).sum())
                results.append((out.scalars, Array(UnsafeBufferPointer(start: store.grads.base, count: store.count))))
            }
            let name = "\(layers) \(pooling)"
            assertClose(results[1].vectors, results[0].vectors, atol: 1e-5, rtol: 1e-5, name + " vectors")
            assertClose(results[1].gradients, results[0].gradients, atol: 1e-5, rtol: 1e-4, name + " gradients")
            XCTAssertTrue(results[0].gradients.contains { $0 != 0 }, name)
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
