import Autodiff
import Foundation
import Layers
import TestSupport
import XCTest

final class ScalarMixTests: XCTestCase {
    /// A mix with trained-looking weights: not uniform, scale not 1.
    private func mix(count: Int, weights: [Float], scale: Float) -> (ScalarMix, ParameterStore) {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        let mix = ScalarMix(count: count, name: "mix", store: store, rng: &rng)
        store.setScalars(weights, of: mix.weights)
        store.setScalars([scale], of: mix.scale)
        return (mix, store)
    }

    func testStartsAsTheMeanAndNamesItsParameters() {
        let (mix, store) = mix(count: 3, weights: [0, 0, 0], scale: 1)
        XCTAssertEqual(store.parameters.map(\.name), ["mix.weights", "mix.scale"])
        let h = (0..<3).map { Tensor(shape: [2, 2], scalars: randomValues(4, seed: UInt64($0))) }
        let mean = (0..<4).map { j in h.map { $0.scalars[j] }.reduce(0, +) / 3 }
        assertClose(mix(h, tape: nil).scalars, mean, atol: 1e-6)
        assertClose(mix.normalizedWeights, [1 / 3, 1 / 3, 1 / 3], atol: 1e-7)
    }

    func testForwardIsTheScaledSoftmaxWeightedSum() {
        let w: [Float] = [0.5, -1, 2], gamma: Float = 1.7
        let (mix, _) = mix(count: 3, weights: w, scale: gamma)
        let h = (0..<3).map { Tensor(shape: [3, 2], scalars: randomValues(6, seed: 10 + UInt64($0))) }
        let e = w.map { Foundation.exp(Double($0)) }, z = e.reduce(0, +)
        let expected = (0..<6).map { j in Float(Double(gamma) * (0..<3).map { e[$0] / z * Double(h[$0].scalars[j]) }.reduce(0, +)) }
        assertClose(mix(h, tape: nil).scalars, expected, atol: 1e-6)
    }

    func testGradientsOfStatesWeightsAndScale() {
        let (mix, store) = mix(count: 3, weights: [0.3, -0.8, 1.1], scale: 0.9)
        let inputs = (0..<3).map { i in (Shape([2, 3, 4]), randomValues(24, seed: 20 + UInt64(i))) }
        checkLayerGradients("ScalarMix", store: store, inputs: inputs) { xs, tape in mix(xs, tape: tape) }
    }

    /// The states of a frozen transformer carry no gradient: the weights and the scale still get theirs.
    func testLearnsOverConstantStates() {
        let (mix, store) = mix(count: 2, weights: [0.2, -0.4], scale: 1.3)
        let states: [[Float]] = [randomValues(6, seed: 30), randomValues(6, seed: 31)]
        checkLayerGradients("ScalarMix over constants", store: store) { _, tape in
            mix(states.map { Tensor(shape: [2, 3], scalars: $0) }, tape: tape)
        }
        let tape = Tape()
        store.zeroGrad()
        tape.backward(from: mix(states.map { Tensor(shape: [2, 3], scalars: $0) }, tape: tape).sum())
        XCTAssertTrue(store.gradScalars(of: mix.weights).contains { $0 != 0 })
        XCTAssertNotEqual(store.gradScalars(of: mix.scale)[0], 0)
    }

    func testOneStateLearnsOnlyTheScale() {
        let (mix, store) = mix(count: 1, weights: [0.7], scale: 2)
        let h = Tensor(shape: [2, 2], scalars: [1, -2, 3, 0.5])
        assertClose(mix([h], tape: nil).scalars, [2, -4, 6, 1], atol: 1e-6)
        checkLayerGradients("ScalarMix of one", store: store, inputs: [([2, 2], h.scalars)]) { xs, tape in mix(xs, tape: tape) }
    }
}
