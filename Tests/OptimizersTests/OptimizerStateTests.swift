import Autodiff
import Optimizers
import TestSupport
import XCTest

/// Saving and restoring optimizer state, and updating a flat buffer by slices.
final class OptimizerStateTests: XCTestCase {
    private let n = 23

    private func gradients(_ s: Int) -> [Float] { randomValues(n, seed: 100 + UInt64(s)) }

    /// k steps, save, then 3 more steps on the original and on a fresh restored copy: both
    /// must end bit for bit equal.
    private func assertResumesExactly<O: Optimizer>(_ make: () throws -> O, k: Int,
                                                    file: StaticString = #filePath, line: UInt = #line) throws {
        var a = try make()
        var p = randomValues(n, seed: 1)
        for s in 0..<k { step(&a, &p, gradients(s), lr: 0.05) }
        let saved = a.state
        XCTAssertEqual(saved.stepCount, k, file: file, line: line)
        var b = try make()
        try b.restore(saved, count: n)
        XCTAssertEqual(b.state, saved, file: file, line: line)
        var q = p
        for s in k..<(k + 3) {
            step(&a, &p, gradients(s), lr: 0.05)
            step(&b, &q, gradients(s), lr: 0.05)
        }
        XCTAssertEqual(p, q, "\(saved.kind): resumed parameters differ", file: file, line: line)
        XCTAssertEqual(a.state, b.state, "\(saved.kind): resumed state differs", file: file, line: line)
    }

    func testRestoreContinuesIdentically() throws {
        for k in [0, 2] {
            try assertResumesExactly({ try SGD(momentum: 0.9, dampening: 0.1, weightDecay: 0.01) }, k: k)
            try assertResumesExactly({ try SGD(momentum: 0.9, nesterov: true) }, k: k)
            try assertResumesExactly({ try SGD() }, k: k)
            try assertResumesExactly({ try Adam(weightDecay: 0.01) }, k: k)
            try assertResumesExactly({ try AdamW() }, k: k)
        }
    }

    func testRestoreAtStepZeroAcceptsEmptyBuffers() throws {
        var adam = try Adam()
        try adam.restore(OptimizerState(kind: "adam", stepCount: 0,
                                        buffers: [StateBuffer(name: "m", values: []), StateBuffer(name: "v", values: [])]),
                         count: 4)
        var p: [Float] = [1, 1, 1, 1]
        step(&adam, &p, [1, -1, 1, -1], lr: 0.5)
        assertClose(p, [0.5, 1.5, 0.5, 1.5], atol: 1e-6, "first step after restoring step 0")
        XCTAssertEqual(adam.state.buffers[0].values.count, 4)
    }

    func testWrongSizeThrowsAndLeavesStateAlone() throws {
        var adam = try Adam()
        var p = randomValues(n, seed: 1)
        step(&adam, &p, gradients(0), lr: 0.1)
        let saved = adam.state
        var other = try Adam()
        step(&other, &p, gradients(1), lr: 0.1)
        let before = other.state
        XCTAssertThrowsError(try other.restore(saved, count: n + 1)) { error in
            XCTAssertEqual(error as? OptimizerError, .stateSizeMismatch(buffer: "m", expected: n + 1, found: n))
        }
        var truncated = saved
        truncated.buffers[1].values.removeLast()
        XCTAssertThrowsError(try other.restore(truncated, count: n)) { error in
            XCTAssertEqual(error as? OptimizerError, .stateSizeMismatch(buffer: "v", expected: n, found: n - 1))
        }
        XCTAssertEqual(other.state, before)
    }

    func testMismatchedKindBuffersOrStepThrow() throws {
        var adam = try Adam()
        var p = randomValues(n, seed: 1)
        step(&adam, &p, gradients(0), lr: 0.1)
        var adamw = try AdamW()
        XCTAssertThrowsError(try adamw.restore(adam.state, count: n)) { error in
            XCTAssertEqual(error as? OptimizerError, .stateKindMismatch(expected: "adamw", found: "adam"))
        }
        var withMomentum = try SGD(momentum: 0.9)
        step(&withMomentum, &p, gradients(0), lr: 0.1)
        var plain = try SGD()
        XCTAssertThrowsError(try plain.restore(withMomentum.state, count: n)) { error in
            XCTAssertEqual(error as? OptimizerError, .stateBuffersMismatch(expected: [], found: ["momentum"]))
        }
        var negative = adam.state
        negative.stepCount = -1
        XCTAssertThrowsError(try adam.restore(negative, count: n))
    }

    func testSlicesEqualTheWholeBuffer() throws {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 3)
        store.add("w", shape: [5, 4], initializer: .uniform(bound: 1), rng: &rng)
        store.add("b", shape: [3], initializer: .uniform(bound: 1), rng: &rng)
        let initial = Array(store.values.pointer)
        let cut = 9
        for make in [{ try SGD(momentum: 0.9, weightDecay: 0.1) as any Optimizer },
                     { try Adam(weightDecay: 0.1) as any Optimizer }, { try AdamW() as any Optimizer }] {
            fill(store.values, initial)
            // reference: one optimizer over a copy of the whole buffer
            var whole = try make(), expected = initial
            // two "ranks", each owning a contiguous slice and the state of that slice only
            var lo = try make(), hi = try make()
            for s in 0..<3 {
                let g = randomValues(store.count, seed: 50 + UInt64(s))
                fill(store.grads, g)
                step(&whole, &expected, g, lr: 0.1)
                lo.step(store: store, range: 0..<cut, learningRate: 0.1)
                hi.step(store: store, range: cut..<store.count, learningRate: 0.1)
            }
            XCTAssertEqual(Array(store.values.pointer), expected, "\(whole.kind): shards differ from whole")
            XCTAssertEqual(lo.state.buffers.first?.values.count, cut)
        }
    }

    func testStoreStepMatchesPointerStep() throws {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 4)
        let w = store.add("w", shape: [2, 3], initializer: .uniform(bound: 1), rng: &rng)
        var p = store.scalars(of: w)
        let g = randomValues(6, seed: 9)
        fill(store.grads, g)
        var a = try AdamW(), b = try AdamW()
        a.step(store: store, learningRate: 0.01)
        step(&b, &p, g, lr: 0.01)
        XCTAssertEqual(store.scalars(of: w), p)
    }
}

private func fill(_ buffer: Buffer, _ values: [Float]) {
    precondition(buffer.count == values.count, "buffer of \(buffer.count), \(values.count) values")
    _ = buffer.pointer.update(fromContentsOf: values)
}
