import Autodiff
import TestSupport
import XCTest

final class ParameterStoreTests: XCTestCase {
    func testLayoutAndInitialValuesFollowRegistrationOrder() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 5)
        let a = store.add("a", shape: [2, 3], initializer: .uniform(bound: 0.5), rng: &rng)
        let b = store.add("b", shape: [4], initializer: .constant(2), rng: &rng)
        let c = store.add("c", shape: [3], initializer: .normal(std: 1), rng: &rng)
        XCTAssertEqual([a.offset, b.offset, c.offset], [0, 6, 10])
        XCTAssertEqual(store.count, 13)

        var expected = SplitMix64(seed: 5)
        let drawnA = (0..<6).map { _ in (2 * expected.nextUniform() - 1) * 0.5 }
        let drawnC = (0..<3).map { _ in expected.nextNormal() }
        XCTAssertEqual(store.scalars(of: a), drawnA)
        XCTAssertEqual(store.scalars(of: b), [2, 2, 2, 2])
        XCTAssertEqual(Array(store.values.pointer), drawnA + [2, 2, 2, 2] + drawnC)
        XCTAssertEqual(store.grads.count, 13)
        XCTAssertEqual(Array(store.grads.pointer), [Float](repeating: 0, count: 13))
    }

    func testValuesSetWhileBuildingSurviveAllocation() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        let a = store.add("a", shape: [3], initializer: .zeros, rng: &rng)
        store.setScalars([1, 2, 3], of: a)
        let b = store.add("b", shape: [2], initializer: .constant(7), rng: &rng)
        XCTAssertEqual(store.scalars(of: a), [1, 2, 3])
        XCTAssertEqual(Array(store.values.pointer), [1, 2, 3, 7, 7])
        store.setScalars([4, 5], of: b)
        XCTAssertEqual(Array(store.values.pointer), [1, 2, 3, 4, 5])
    }

    func testRegisteringAfterFirstUseKeepsEveryValue() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        let a = store.add("a", shape: [2], initializer: .constant(1), rng: &rng)
        let view = store.tensor(a, tape: nil)
        XCTAssertEqual(view.scalars, [1, 1])
        store.values.base[1] = 9
        let b = store.add("b", shape: [3], initializer: .constant(2), rng: &rng)
        XCTAssertEqual(Array(store.values.pointer), [1, 9, 2, 2, 2])
        XCTAssertEqual(store.grads.count, 5)
        XCTAssertEqual(store.tensor(b, tape: nil).scalars, [2, 2, 2])
    }

    /// Building is linear in the number of floats: ten thousand small parameters (each one
    /// copied the whole buffer before) register in well under a second.
    func testZeroGradOfRangesZeroesThoseOnly() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        store.add("a", shape: [10], initializer: .zeros, rng: &rng)
        for i in 0..<10 { store.grads.base[i] = Float(i + 1) }
        store.zeroGrad(ranges: [1..<3, 7..<10])
        XCTAssertEqual(Array(store.grads.pointer), [1, 0, 0, 4, 5, 6, 7, 0, 0, 0])
    }

    func testBuildingManyParametersIsLinear() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 2)
        let start = Date()
        for i in 0..<10_000 { store.add("p\(i)", shape: [100], initializer: .zeros, rng: &rng) }
        XCTAssertEqual(store.values.count, 1_000_000)
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
    }
}
