import Autodiff
import Foundation
import MultiTask
import Optimizers
import TestSupport
import Transformer
import XCTest

/// The shared encoder with the tiny pretrained BERT of the transformer fixtures: fine-tuned (its
/// parameters in the store, trained), frozen (outside the store, untouched, no gradient), and the
/// splitting of a batch over ranks leaving the summed gradient unchanged (dropout keyed per sentence).
final class TransformerEncoderTests: XCTestCase {
    static var tinyBert: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TransformerTests/Fixtures/tiny-bert")
    }

    let sentences = [["John", "Smith", "visited", "Paris", "."], ["The", "lazy", "dog", "jumped", "!"],
                     ["Unaffable", "naïve", "café"], ["New", "York", "city"]]
    /// NER-like tags: 1 for capitalised words, 2 for punctuation, 0 otherwise.
    func tags(_ words: [String]) -> [Int32] {
        words.map { w in w.first!.isUppercase ? 1 : (w.first!.isPunctuation ? 2 : 0) }
    }

    func makeModel(fineTune: Bool, dropout: Float = 0, caseDimension: Int = 2) throws -> (MultiTaskModel, SubwordTokenizer) {
        let bert = try PretrainedBert(folder: Self.tinyBert)
        let transformer = TransformerSpec(path: Self.tinyBert.path, config: bert.config, hiddenStates: [2], pooling: .first,
                                          fineTune: fineTune, dropout: dropout)
        let encoder = EncoderSpec(wordVocabularySize: 1, wordDimension: 0, characterVocabularySize: 1, characterDimension: 0,
                                  characterHidden: 0, caseClassCount: 8, caseDimension: caseDimension, sharedHidden: 0,
                                  dropout: 0, wordDropout: 0, lockedDropout: 0, transformer: transformer)
        let model = MultiTaskModel(spec: ModelSpec(encoder: encoder, heads: [
            HeadSpec(name: "ner", tagCount: 3, kind: .softmax, hidden: 0, lossWeight: 1),
        ]), seed: 5)
        try model.encoder.loadTransformer(from: SafeTensorsFile(url: Self.tinyBert.appendingPathComponent("model.safetensors")),
                                          store: model.store)
        return (model, bert.tokenizer)
    }

    func batch(_ rows: [Int], tokenizer: SubwordTokenizer, globalCount: Int) -> Batch {
        let chosen = rows.map { sentences[$0] }
        let lengths = chosen.map(\.count), steps = lengths.max()!
        var tagIDs = [Int32](repeating: 0, count: rows.count * steps)
        for (r, s) in chosen.enumerated() { for (j, t) in tags(s).enumerated() { tagIDs[r * steps + j] = t } }
        let keys = rows.map { UInt64(40 + $0) }
        let subwords = SubwordBatch(sentences: chosen.map { tokenizer.subwords(words: $0) }, rowKeys: keys, maxPositions: 64,
                                    classID: tokenizer.classID, separatorID: tokenizer.separatorID)
        let zeros = [Int32](repeating: 0, count: rows.count * steps)
        return Batch(lengths: lengths, wordIDs: zeros, caseIDs: zeros.map { $0 + 1 }, characters: [[Int32]](repeating: [1], count: lengths.reduce(0, +)),
                     rowKeys: keys, tasks: [TaskRows(rows: Array(rows.indices), tags: tagIDs, globalCount: globalCount)], subwords: subwords)
    }

    func step(_ model: MultiTaskModel, _ batch: Batch) -> Float {
        model.store.zeroGrad()
        let tape = Tape()
        let loss = model.loss(batch, tape: tape).total
        tape.backward(from: loss)
        return loss.item
    }

    func testFineTunedTransformerTrainsWithTheTagger() throws {
        let (model, tokenizer) = try makeModel(fineTune: true, dropout: 0.1)
        let range = try XCTUnwrap(model.encoder.transformerRange)
        XCTAssertEqual(range.count, model.encoder.transformer!.parameterCount)
        XCTAssertTrue(model.store.parameters.contains { $0.name == "encoder.transformer.encoder.layer.1.output.LayerNorm.bias" })
        let before = Array(model.store.values.pointer[range])
        let b = batch([0, 1, 2, 3], tokenizer: tokenizer, globalCount: 4)
        var adam = try Adam()
        var first: Float = 0, last: Float = 0
        for i in 0..<60 {
            let loss = step(model, b)
            if i == 0 {
                first = loss
                XCTAssertTrue(model.store.grads.pointer[range].contains { $0 != 0 }, "the transformer gets a gradient")
            }
            last = loss
            adam.step(store: model.store, learningRate: 0.01)
        }
        XCTAssertLessThan(last, first / 20, "loss \(first) → \(last)")
        XCTAssertNotEqual(Array(model.store.values.pointer[range]), before, "the transformer was fine-tuned")
        let predicted = try model.predict(b, taskIndices: [0])[0]
        for (s, words) in sentences.enumerated() { XCTAssertEqual(predicted[s], tags(words), "\(words)") }
    }

    func testFrozenTransformerStaysOutsideTheStore() throws {
        let (model, tokenizer) = try makeModel(fineTune: false)
        let frozen = try XCTUnwrap(model.encoder.frozenStore)
        XCTAssertNil(model.encoder.transformerRange)
        XCTAssertFalse(model.store.parameters.contains { $0.name.hasPrefix("encoder.transformer") })
        XCTAssertEqual(model.store.count, 8 * 2 + (32 + 2) * 3 + 3, "casing embedding and the head only")
        let weights = Array(frozen.values.pointer)
        let b = batch([0, 1, 2, 3], tokenizer: tokenizer, globalCount: 4)
        var adam = try Adam()
        var first: Float = 0, last: Float = 0
        for i in 0..<60 {
            let loss = step(model, b)
            if i == 0 { first = loss }
            last = loss
            adam.step(store: model.store, learningRate: 0.05)
        }
        XCTAssertLessThan(last, first / 2, "the head learns on frozen vectors: \(first) → \(last)")
        XCTAssertEqual(Array(frozen.values.pointer), weights, "frozen weights unchanged")
        XCTAssertTrue(frozen.grads.pointer.allSatisfy { $0 == 0 }, "no gradient reaches a frozen transformer")
    }

    /// Data parallelism's contract with dropout on: the gradient of the whole batch equals the sum
    /// of the gradients of its two halves (as two ranks compute them), because every dropout mask,
    /// the transformer's included, is keyed by the sentence.
    func testSplitBatchGradientsSumToTheWholeBatchGradient() throws {
        let (model, tokenizer) = try makeModel(fineTune: true, dropout: 0.3)
        _ = step(model, batch([0, 1, 2, 3], tokenizer: tokenizer, globalCount: 4))
        let whole = Array(model.store.grads.pointer)
        _ = step(model, batch([0, 1], tokenizer: tokenizer, globalCount: 4))
        let first = Array(model.store.grads.pointer)
        _ = step(model, batch([2, 3], tokenizer: tokenizer, globalCount: 4))
        let second = Array(model.store.grads.pointer)
        assertClose(zip(first, second).map { $0 + $1 }, whole, atol: 1e-5, rtol: 1e-4, "split batch")
    }
}
