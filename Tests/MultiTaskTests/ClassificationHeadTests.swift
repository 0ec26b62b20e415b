import Autodiff
import MultiTask
import TestSupport
import XCTest

/// The sentence classifier's gradient (its own BiLSTM, pooling, projection and softmax
/// cross-entropy) against central differences, for every pooling; and its decoding.
final class ClassificationHeadTests: XCTestCase {
    func head(_ pooling: SentencePooling, hidden: Int, store: ParameterStore) -> ClassificationHead {
        var rng = SplitMix64(seed: 3)
        return ClassificationHead(spec: HeadSpec(name: "genre", tagCount: 3, kind: .softmax, hidden: hidden, lossWeight: 1, pooling: pooling),
                                  index: 0, inputWidth: 4, dropout: 0, store: store, rng: &rng)
    }

    /// Gold labels at [r, 0] of a [2, 3] target array (the rest is padding for a sentence head).
    let targets: [Int32] = [2, 0, 0, 1, 0, 0]
    let x = randomValues(24, seed: 21)

    func check(_ pooling: SentencePooling, hidden: Int) {
        let store = ParameterStore()
        let h = head(pooling, hidden: hidden, store: store)
        checkLayerGradients("classification \(pooling) hidden \(hidden)", store: store, inputs: [([2, 3, 4], x)]) { xs, tape in
            h.loss(xs[0], lengths: [3, 2], keys: [1, 2], targets: self.targets, heads: [], tape: tape, training: false)
        }
    }

    func testMeanPoolingGradient() { check(.mean, hidden: 0) }
    func testFirstPoolingGradient() { check(.first, hidden: 0) }
    func testAttentionPoolingGradient() { check(.attention, hidden: 0) }
    func testAttentionPoolingOverItsOwnBiLSTMGradient() { check(.attention, hidden: 2) }

    func testTheLossIsTheCrossEntropyOfTheDecodedProbabilities() {
        let store = ParameterStore()
        let h = head(.mean, hidden: 0, store: store)
        let input = Tensor(shape: [2, 3, 4], scalars: x)
        let decoded = h.decodeWithPosteriors(input, lengths: [3, 2], keys: [1, 2])
        XCTAssertEqual(decoded.map(\.tags.count), [1, 1])
        // −log p(gold) summed over the rows equals the loss
        let expected = -log(decoded[0].posterior.marginal(position: 0, tag: 2)) - log(decoded[1].posterior.marginal(position: 0, tag: 1))
        let loss = h.loss(input, lengths: [3, 2], keys: [1, 2], targets: targets, heads: [], tape: nil, training: false).item
        XCTAssertEqual(Double(loss), expected, accuracy: 1e-4)
        // the decoded label is the most probable one
        for row in decoded {
            let p = (0..<3).map { row.posterior.marginal(position: 0, tag: $0) }
            XCTAssertEqual(Int(row.tags[0]), p.firstIndex(of: p.max()!))
        }
    }
}
