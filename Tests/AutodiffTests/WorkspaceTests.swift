import Autodiff
import TestSupport
import XCTest

final class WorkspaceTests: XCTestCase {
    func testMemoryIsHandedOutAgainOnceEverythingFromItIsFreed() {
        let ws = Workspace()
        var first: UnsafeMutablePointer<Float>?
        do {
            let a = ws.buffer(count: 1000, zeroed: false), b = ws.buffer(count: 30, zeroed: false)
            first = a.base
            XCTAssertEqual(b.base, a.base + 1008, "bumped past a, rounded up to 16 floats")
        }
        let again = ws.buffer(count: 5000, zeroed: false) // another size, same memory
        XCTAssertEqual(again.base, first)
        XCTAssertEqual(ws.allocationCount, 1)
        XCTAssertEqual(Int(bitPattern: again.base) % 64, 0, "64-byte aligned")
    }

    func testMemoryStillInUseIsNeverHandedOutTwice() {
        let ws = Workspace()
        let kept = ws.buffer(count: 100, zeroed: true)
        kept.base.update(repeating: 7, count: 100)
        for _ in 0..<3 {
            let other = ws.buffer(count: 100, zeroed: true)
            XCTAssertNotEqual(other.base, kept.base)
            other.base.update(repeating: -1, count: 100)
        }
        XCTAssertEqual(Array(kept.pointer), [Float](repeating: 7, count: 100))
    }

    func testTheLastBufferGivesItsRoomBackAtOnce() {
        let ws = Workspace()
        let kept = ws.buffer(count: 100, zeroed: false)
        var scratch: UnsafeMutablePointer<Float>?
        do { scratch = ws.buffer(count: 500, zeroed: false).base }
        // `kept` is still out, but the freed scratch was the last buffer: its room is handed out again
        let next = ws.buffer(count: 300, zeroed: false)
        XCTAssertEqual(next.base, scratch)
        XCTAssertEqual(scratch, kept.base + 112)
    }

    func testSlabsAddedForALargerStepMergeIntoOne() {
        let ws = Workspace()
        let small = Workspace.minimumSlab / 2
        do {
            let step = (0..<5).map { _ in ws.buffer(count: small, zeroed: false) }
            XCTAssertGreaterThan(ws.allocationCount, 1, "\(step.count) buffers need more than one slab")
        }
        XCTAssertGreaterThanOrEqual(ws.reservedCount, 5 * small)
        let reserved = ws.reservedCount, allocations = ws.allocationCount
        // merged: the same step now fits in one slab, and repeating it allocates nothing
        for _ in 0..<3 {
            let step = (0..<5).map { _ in ws.buffer(count: small, zeroed: false) }
            XCTAssertEqual(step.count, 5)
        }
        XCTAssertEqual(ws.reservedCount, reserved)
        XCTAssertEqual(ws.allocationCount, allocations)
    }

    func testZeroedBufferIsZeroEvenOverDirtyMemory() {
        let ws = Workspace()
        do { _ = ws.buffer(count: 300, zeroed: false) }
        ws.fillFreeMemory(with: .nan)
        XCTAssertTrue(ws.buffer(count: 300, zeroed: false).base[0].isNaN)
        let b = ws.buffer(count: 300, zeroed: true)
        XCTAssertEqual(Array(b.pointer), [Float](repeating: 0, count: 300))
    }

    func testBuffersOutliveTheirWorkspaceHandle() {
        var ws: Workspace? = Workspace()
        let b = ws!.buffer(count: 50, zeroed: true)
        ws = nil // the buffer keeps the workspace alive
        b.base[49] = 3
        XCTAssertEqual(b.pointer.reduce(0, +), 3)
    }

    /// Every op on memory filled with NaN gives the values and gradients it gives on fresh memory:
    /// no op reads an output, gradient or scratch element it has not written.
    func testOpsWriteEveryElementTheyRead() {
        var rng = SplitMix64(seed: 11)
        let b = 3, t = 4, c = 5
        let xs = (0..<(b * t * c)).map { _ in rng.nextUniform() - 0.5 }
        let ws2 = (0..<(c * c)).map { _ in rng.nextUniform() - 0.5 }
        let r = (0..<(b * t * 2 * c)).map { _ in rng.nextUniform() - 0.5 }
        let lengths = [4, 1, 2]
        let workspace = Workspace()

        func run() -> (Float, [Float], [Float]) {
            let tape = Tape(workspace: workspace)
            let x = Tensor.variable(shape: [b, t, c], scalars: xs, tape: tape)
            let w = Tensor.variable(shape: [c, c], scalars: ws2, tape: tape)
            let gamma = Tensor.variable(shape: [c], scalars: [Float](repeating: 1.2, count: c), tape: tape)
            let beta = Tensor.variable(shape: [c], scalars: [Float](repeating: 0.1, count: c), tape: tape)
            var y = matmul(x, w, transposeB: true).tanh() + x.sigmoid()
            y = layerNorm(y, gamma: gamma, beta: beta).gelu() * x.relu().adding(0.5)
            y = y.dropout(probability: 0.3, kind: .element, keys: [1, 2, 3]).reversedInTime(lengths: lengths)
            let packed = y.reshaped([b * t, c]).selectingRows([0, 1, 2, 3, 4, 8, 9])
            let padded = packed.paddedSequences(lengths: [4, 1, 2], steps: t)
            let both = concatLastAxis([padded, y.exp().scaled(by: 0.1)])
            let out = (both * Tensor(shape: [b, t, 2 * c], scalars: r)).sum()
                + softmaxCrossEntropy(logits: y.logSoftmax(), targets: [Int32](repeating: 1, count: b * t))
                + y.gatherTimeSteps([3, 0, 1]).sumLastAxis().sum()
            tape.backward(from: out)
            return (out.item, x.gradScalars, w.gradScalars + gamma.gradScalars + beta.gradScalars)
        }

        let fresh = run()
        workspace.fillFreeMemory(with: .nan)
        let dirty = run()
        XCTAssertEqual(workspace.allocationCount, 1)
        XCTAssertEqual(fresh.0, dirty.0)
        XCTAssertEqual(fresh.1, dirty.1)
        XCTAssertEqual(fresh.2, dirty.2)
        XCTAssertFalse(dirty.1.contains { $0.isNaN })
    }
}
