import Autodiff
import Layers
import TestSupport
import XCTest

/// CharEncoder: gradient check over words of different lengths, meaning of the two halves,
/// independence from the other words of the batch.
final class CharEncoderTests: XCTestCase {
    // lengths 3, 1, 4, 2; char 1 repeats within and across words
    let words: [[Int32]] = [[1, 4, 2], [5], [1, 1, 3, 0], [2, 5]]

    private func make(seed: UInt64 = 31) -> (CharEncoder, ParameterStore) {
        let store = ParameterStore()
        var rng = SplitMix64(seed: seed)
        let encoder = CharEncoder(vocabularySize: 6, characterDimension: 3, hiddenSize: 2, name: "chars", store: store, rng: &rng)
        return (encoder, store)
    }

    func testGradients() {
        let (encoder, store) = make()
        checkLayerGradients("CharEncoder", store: store) { _, tape in encoder(words: words, tape: tape) }
    }

    func testShapeNamesAndDefaults() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 32)
        let encoder = CharEncoder(vocabularySize: 10, name: "emb.chars", store: store, rng: &rng)
        XCTAssertEqual(encoder.characterDimension, 25)
        XCTAssertEqual(encoder.hiddenSize, 25)
        XCTAssertEqual(store.parameters.map(\.name), [
            "emb.chars.embedding.weight",
            "emb.chars.lstm.forward.weight_ih", "emb.chars.lstm.forward.weight_hh", "emb.chars.lstm.forward.bias",
            "emb.chars.lstm.backward.weight_ih", "emb.chars.lstm.backward.weight_hh", "emb.chars.lstm.backward.bias",
        ])
        XCTAssertEqual(encoder(words: [[1, 2], [3]], tape: nil).shape, [2, 50])
    }

    /// out[w] = [last step of the forward LSTM on the word ; last step of the backward LSTM on
    /// the reversed word], computed with the per-step reference on each word alone.
    func testHalvesAreLastStatesOfEachDirection() {
        let (encoder, store) = make()
        let out = encoder(words: words, tape: nil).scalars
        let h = 2, d = 3
        let table = store.scalars(of: encoder.embedding.table)
        let lstm = encoder.lstm
        for (w, word) in words.enumerated() {
            let chars = word.flatMap { Array(table[(Int($0) * d)..<((Int($0) + 1) * d)]) }
            let reversed = word.reversed().flatMap { Array(table[(Int($0) * d)..<((Int($0) + 1) * d)]) }
            let len = word.count
            func last(_ values: [Float], _ l: LSTM) -> [Float] {
                let y = LSTM.referenceForward(Tensor(shape: [1, len, d], scalars: values), lengths: [len],
                                              weightIH: store.tensor(l.weightIH, tape: nil),
                                              weightHH: store.tensor(l.weightHH, tape: nil),
                                              bias: store.tensor(l.bias, tape: nil)).scalars
                return Array(y[((len - 1) * h)...])
            }
            let expected = last(chars, lstm.forwardLSTM) + last(reversed, lstm.backwardLSTM)
            assertClose(Array(out[(w * 2 * h)..<((w + 1) * 2 * h)]), expected, atol: 1e-5, rtol: 1e-4, "word \(w)")
        }
    }

    func testWordVectorDoesNotDependOnTheBatch() {
        let (encoder, _) = make()
        let together = encoder(words: words, tape: nil).scalars
        for (w, word) in words.enumerated() {
            let alone = encoder(words: [word], tape: nil).scalars
            assertClose(alone, Array(together[(w * 4)..<((w + 1) * 4)]), "word \(w) alone")
        }
    }

    func testNoWords() {
        let (encoder, _) = make()
        XCTAssertEqual(encoder(words: [], tape: nil).shape, [0, 4])
    }
}
