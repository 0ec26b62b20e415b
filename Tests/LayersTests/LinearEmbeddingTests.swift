import Autodiff
import Layers
import TestSupport
import XCTest

/// Gradient checks of `Linear` and `Embedding` through their parameters in the store.
final class LinearEmbeddingTests: XCTestCase {
    func testLinearGradients() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 51)
        let layer = Linear(inputSize: 4, outputSize: 5, name: "proj", store: store, rng: &rng)
        // a nonzero bias, so the check does not start from the zero initialisation only
        store.setScalars(randomValues(5, seed: 52), of: layer.bias!)
        checkLayerGradients("Linear", store: store, inputs: [([2, 3, 4], randomValues(24, seed: 53))]) {
            layer($0[0], tape: $1)
        }
    }

    func testLinearWithoutBias() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 54)
        let layer = Linear(inputSize: 4, outputSize: 2, bias: false, name: "proj", store: store, rng: &rng)
        XCTAssertEqual(store.parameters.map(\.name), ["proj.weight"])
        checkLayerGradients("Linear no bias", store: store, inputs: [([3, 4], randomValues(12, seed: 55))]) {
            layer($0[0], tape: $1)
        }
    }

    func testEmbeddingGradients() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 56)
        let layer = Embedding(count: 5, dimension: 4, name: "words", store: store, rng: &rng)
        // id 3 repeats: its gradient row accumulates
        let ids: [Int32] = [3, 0, 3, 1, 4, 3]
        checkLayerGradients("Embedding", store: store) { _, tape in layer(ids, batch: 2, steps: 3, tape: tape).tanh() }
    }
}
