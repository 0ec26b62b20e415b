import Autodiff
import Layers
import TestSupport
import XCTest

final class BiaffineTests: XCTestCase {
    /// Overwrites every parameter of `store` with seeded values (the scorers start at zero).
    private func randomise(_ store: ParameterStore, seed: UInt64) {
        for (k, p) in store.parameters.enumerated() { store.setScalars(randomValues(p.count, seed: seed + UInt64(k)), of: p) }
    }

    func testStartsAtZeroAndNamesItsParameters() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        let arc = Biaffine(dependentSize: 3, headSize: 2, name: "arc", store: store, rng: &rng)
        let labels = BiaffineLabeler(dependentSize: 3, headSize: 2, labelCount: 4, name: "rel", store: store, rng: &rng)
        XCTAssertEqual(store.parameters.map(\.name), ["arc.weight", "arc.head_bias", "rel.weight", "rel.linear.weight", "rel.linear.bias"])
        XCTAssertEqual(labels.parameters.map(\.shape), [[3, 4, 2], [4, 5], [4]])
        let d = Tensor(shape: [1, 2, 3], scalars: randomValues(6, seed: 2)), h = Tensor(shape: [1, 3, 2], scalars: randomValues(6, seed: 3))
        XCTAssertEqual(arc(dependents: d, heads: h, tape: nil).scalars, [Float](repeating: 0, count: 6))
    }

    /// s[r, i, j] = d[r, i] · U · h[r, j] + h[r, j] · u, written out.
    func testArcScoresFollowTheFormula() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        let arc = Biaffine(dependentSize: 3, headSize: 2, name: "arc", store: store, rng: &rng)
        randomise(store, seed: 10)
        let u = store.scalars(of: arc.weight), bias = store.scalars(of: arc.headBias)
        let d = randomValues(2 * 2 * 3, seed: 4), h = randomValues(2 * 3 * 2, seed: 5)
        let out = arc(dependents: Tensor(shape: [2, 2, 3], scalars: d), heads: Tensor(shape: [2, 3, 2], scalars: h), tape: nil)
        XCTAssertEqual(out.shape, [2, 2, 3])
        var expected: [Float] = []
        for r in 0..<2 {
            for i in 0..<2 {
                for j in 0..<3 {
                    var s: Float = 0
                    for a in 0..<3 { for b in 0..<2 { s += d[(r * 2 + i) * 3 + a] * u[a * 2 + b] * h[(r * 3 + j) * 2 + b] } }
                    for b in 0..<2 { s += h[(r * 3 + j) * 2 + b] * bias[b] }
                    expected.append(s)
                }
            }
        }
        assertClose(out.scalars, expected, atol: 1e-5)
    }

    func testGradients() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        let arc = Biaffine(dependentSize: 4, headSize: 3, name: "arc", store: store, rng: &rng)
        randomise(store, seed: 20)
        checkLayerGradients("Biaffine", store: store, inputs: [([2, 3, 4], randomValues(24, seed: 6)), ([2, 4, 3], randomValues(24, seed: 7))]) { xs, tape in
            arc(dependents: xs[0], heads: xs[1], tape: tape)
        }
        let labelStore = ParameterStore()
        let labels = BiaffineLabeler(dependentSize: 4, headSize: 3, labelCount: 5, name: "rel", store: labelStore, rng: &rng)
        randomise(labelStore, seed: 30)
        checkLayerGradients("BiaffineLabeler", store: labelStore,
                            inputs: [([2, 3, 4], randomValues(24, seed: 8)), ([2, 3, 3], randomValues(18, seed: 9))]) { xs, tape in
            labels(dependents: xs[0], heads: xs[1], tape: tape)
        }
    }
}
