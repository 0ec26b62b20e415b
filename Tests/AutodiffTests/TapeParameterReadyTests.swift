import Autodiff
import TestSupport
import XCTest

/// `Tape.backward(from:seed:store:onParameterReady:)`: every parameter of the store is reported
/// exactly once, in reverse order of first use (unread ones first), and its gradient is final
/// when reported.
final class TapeParameterReadyTests: XCTestCase {
    /// Five parameters in registration order; `unused` is never read, `w1` is read by two views
    /// (the first op of the forward pass and the last one).
    struct Net {
        let store = ParameterStore()
        let w1: Parameter, b1: Parameter, unused: Parameter, w2: Parameter, scale: Parameter

        init() {
            var rng = SplitMix64(seed: 7)
            w1 = store.add("w1", shape: [3, 4], initializer: .normal(std: 0.5), rng: &rng)
            b1 = store.add("b1", shape: [3], initializer: .normal(std: 0.5), rng: &rng)
            unused = store.add("unused", shape: [5], initializer: .normal(std: 0.5), rng: &rng)
            w2 = store.add("w2", shape: [3, 2], initializer: .normal(std: 0.5), rng: &rng)
            scale = store.add("scale", shape: [2], initializer: .normal(std: 0.5), rng: &rng)
        }

        /// loss = Σ (tanh(x·w1ᵀ + b1) · w2 ⊙ scale) + Σ x·w1ᵀ, with `w1` viewed twice.
        func loss(tape: Tape) -> Tensor {
            let x = Tensor(shape: [2, 4], scalars: randomValues(8, seed: 11))
            let h = linear(x, weight: store.tensor(w1, tape: tape), bias: store.tensor(b1, tape: tape)).tanh()
            let y = matmul(h, store.tensor(w2, tape: tape)) * store.tensor(scale, tape: tape)
            let again = linear(x, weight: store.tensor(w1, tape: tape), bias: nil)
            return y.sum() + again.sum()
        }

        func name(of range: Range<Int>) -> String {
            store.parameters.first { $0.offset == range.lowerBound && $0.count == range.count }?.name ?? "\(range)"
        }
    }

    func testEveryParameterIsReportedOnceInReverseOrderOfFirstUse() {
        let net = Net()
        let tape = Tape()
        let loss = net.loss(tape: tape)
        var reported: [String] = []
        tape.backward(from: loss, store: net.store) { reported.append(net.name(of: $0)) }

        XCTAssertEqual(reported.sorted(), net.store.parameters.map(\.name).sorted(), "each parameter exactly once: \(reported)")
        // never read: before any node runs; then the reverse of first use (x·w1ᵀ, + b1, · w2, ⊙ scale);
        // w1's second view is read last in the forward pass but does not make w1 final
        XCTAssertEqual(reported, ["unused", "scale", "w2", "b1", "w1"])
        XCTAssertEqual(tape.nodeCount, 0, "the graph is dropped")
    }

    func testReportedGradientsAreFinalAndEqualPlainBackward() {
        let plain = Net()
        let plainTape = Tape()
        plainTape.backward(from: plain.loss(tape: plainTape))
        let expected = Array(plain.store.grads.pointer)

        let net = Net()
        let tape = Tape()
        let loss = net.loss(tape: tape)
        var snapshots: [(Range<Int>, [Float])] = []
        tape.backward(from: loss, store: net.store) { range in
            snapshots.append((range, Array(net.store.grads.pointer[range])))
        }
        let final = Array(net.store.grads.pointer)
        XCTAssertEqual(final, expected, "reporting changes nothing about the gradients")
        XCTAssertGreaterThan(final.filter { $0 != 0 }.count, 20, "the test has gradients to compare")
        for (range, snapshot) in snapshots {
            XCTAssertEqual(snapshot, Array(final[range]), "\(net.name(of: range)) was reported before its gradient was final")
        }
        XCTAssertEqual(Array(final[net.unused.offset ..< net.unused.offset + net.unused.count]), [0, 0, 0, 0, 0])
    }

    func testAccumulatedGradientOfAnUnreadParameterIsReportedAsIs() {
        let net = Net()
        let first = Tape()
        first.backward(from: net.loss(tape: first))
        // a second pass that reads only `scale`: everything else is final from the start
        let tape = Tape()
        let loss = (net.store.tensor(net.scale, tape: tape) * net.store.tensor(net.scale, tape: tape)).sum()
        let before = Array(net.store.grads.pointer)
        var reported: [String] = []
        tape.backward(from: loss, store: net.store) { range in
            reported.append(net.name(of: range))
            if range.lowerBound != net.scale.offset {
                XCTAssertEqual(Array(net.store.grads.pointer[range]), Array(before[range]), "\(net.name(of: range))")
            }
        }
        XCTAssertEqual(reported.last, "scale", "\(reported)")
        XCTAssertEqual(Set(reported.dropLast()), ["w1", "b1", "unused", "w2"], "\(reported)")
        XCTAssertNotEqual(net.store.gradScalars(of: net.scale), Array(before[net.scale.offset ..< net.scale.offset + 2]))
    }

    func testParametersOfAnotherStoreAreNotReported() {
        let net = Net(), other = Net()
        let tape = Tape()
        let loss = net.loss(tape: tape) + other.loss(tape: tape)
        var reported: [Range<Int>] = []
        tape.backward(from: loss, store: net.store) { reported.append($0) }
        XCTAssertEqual(reported.count, net.store.parameters.count, "\(reported)")
        XCTAssertEqual(other.store.gradScalars(of: other.w2), net.store.gradScalars(of: net.w2),
                       "the other store is back-propagated all the same")
    }

    func testAThrowingCallbackStopsBackwardAndDropsTheGraph() {
        struct Stop: Error {}
        let net = Net()
        let tape = Tape()
        let loss = net.loss(tape: tape)
        var calls = 0
        XCTAssertThrowsError(try tape.backward(from: loss, store: net.store) { _ in
            calls += 1
            if calls == 2 { throw Stop() }
        }) { XCTAssertTrue($0 is Stop) }
        XCTAssertEqual(calls, 2)
        XCTAssertEqual(tape.nodeCount, 0)
        // stopped after ⊙ scale: the op reading w2 (just before it in the forward pass) never ran
        XCTAssertEqual(net.store.gradScalars(of: net.w2), [Float](repeating: 0, count: 6))
    }
}
