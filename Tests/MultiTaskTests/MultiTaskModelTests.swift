import Autodiff
import MultiTask
import Optimizers
import TestSupport
import XCTest

final class MultiTaskModelTests: XCTestCase {
    /// A tiny two-task model: tagger "pos" (softmax, 5 tags, no own LSTM) and "ner" (CRF, 4 tags, own BiLSTM).
    func makeModel(dropout: Float = 0, shared: Int = 0, seed: UInt64 = 3) -> MultiTaskModel {
        let encoder = EncoderSpec(wordVocabularySize: 12, wordDimension: 6, characterVocabularySize: 9,
                                  characterDimension: 4, characterHidden: 3, caseClassCount: 8, caseDimension: 2,
                                  sharedHidden: shared, dropout: dropout, wordDropout: dropout / 4, lockedDropout: 0)
        return MultiTaskModel(spec: ModelSpec(encoder: encoder, heads: [
            HeadSpec(name: "pos", tagCount: 5, kind: .softmax, hidden: 0, lossWeight: 1),
            HeadSpec(name: "ner", tagCount: 4, kind: .crf, hidden: 4, lossWeight: 0.5),
        ]), seed: seed)
    }

    /// Four sentences; sentence i has length 2 + i; tags are deterministic functions of the word.
    struct Toy {
        let lengths = [2, 3, 4, 5]
        func words(_ s: Int) -> [Int32] { (0..<lengths[s]).map { Int32(1 + (s * 3 + $0) % 11) } }
        func pos(_ s: Int) -> [Int32] { words(s).map { $0 % 5 } }
        func ner(_ s: Int) -> [Int32] { words(s).map { $0 % 3 == 0 ? 1 : ($0 % 4 == 0 ? 2 : 0) } }

        /// A batch of the given sentences; `tasks[s]` lists the task indices sentence s trains.
        func batch(_ sentences: [Int], tasks: [[Int]], globalCounts: [Int]) -> Batch {
            let steps = sentences.map { lengths[$0] }.max()!
            var words = [Int32](repeating: 0, count: sentences.count * steps)
            var chars: [[Int32]] = []
            for (r, s) in sentences.enumerated() {
                for (j, w) in self.words(s).enumerated() {
                    words[r * steps + j] = w
                    chars.append([Int32(w % 8 + 1), Int32((w * 5) % 8 + 1)])
                }
            }
            let taskRows = (0..<2).map { t -> TaskRows in
                let rows = sentences.indices.filter { tasks[sentences[$0]].contains(t) }
                var tags = [Int32](repeating: 0, count: rows.count * steps)
                for (i, r) in rows.enumerated() {
                    let gold = t == 0 ? pos(sentences[r]) : ner(sentences[r])
                    for (j, g) in gold.enumerated() { tags[i * steps + j] = g }
                }
                return TaskRows(rows: rows, tags: tags, globalCount: globalCounts[t])
            }
            return Batch(lengths: sentences.map { lengths[$0] }, wordIDs: words, caseIDs: words.map { $0 % 7 + 1 },
                         characters: chars, rowKeys: sentences.map { UInt64(100 + $0) }, tasks: taskRows)
        }
    }

    func gradient(_ model: MultiTaskModel, _ batch: Batch) -> (Float, [Float]) {
        model.store.zeroGrad()
        let tape = Tape()
        let result = model.loss(batch, tape: tape)
        tape.backward(from: result.total)
        return (result.total.item, Array(model.store.grads.pointer))
    }

    func testTaskWithoutRowsAddsNothingAndItsHeadGetsNoGradient() {
        let model = makeModel()
        let toy = Toy()
        // every sentence trains pos only: the ner head has no row in this batch
        let batch = toy.batch([0, 1, 2], tasks: [[0], [0], [0], [0]], globalCounts: [3, 0])
        let (loss, grads) = gradient(model, batch)
        XCTAssertTrue(loss.isFinite && loss > 0)
        for p in model.heads[1].parameters {
            XCTAssertTrue(grads[p.offset..<(p.offset + p.count)].allSatisfy { $0 == 0 }, "\(p.name) got a gradient")
        }
        for p in model.heads[0].parameters {
            XCTAssertTrue(grads[p.offset..<(p.offset + p.count)].contains { $0 != 0 }, "\(p.name) got no gradient")
        }
    }

    /// What overlapping the gradient all-reduce with backward relies on: through every layer of
    /// the model (embeddings, character and shared BiLSTMs, dropout, both heads, the CRF), backward
    /// reports each parameter once, with its final gradient, and the gradients equal plain backward's.
    func testBackwardReportsEveryParameterOnceWithItsFinalGradient() {
        let toy = Toy()
        let batches = [("both tasks", toy.batch([0, 1, 2, 3], tasks: [[0, 1], [0], [1], [0, 1]], globalCounts: [3, 3])),
                       ("pos only", toy.batch([0, 1, 2], tasks: [[0], [0], [0], [0]], globalCounts: [3, 0]))]
        for (name, batch) in batches {
            let model = makeModel(dropout: 0.3, shared: 3)
            let (_, expected) = gradient(model, batch)
            model.store.zeroGrad()
            let tape = Tape()
            let loss = model.loss(batch, tape: tape).total
            var snapshots: [(Range<Int>, [Float])] = []
            tape.backward(from: loss, store: model.store) { range in
                snapshots.append((range, Array(model.store.grads.pointer[range])))
            }
            let final = Array(model.store.grads.pointer)
            XCTAssertEqual(final, expected, "\(name): same gradients as plain backward")
            XCTAssertEqual(snapshots.map(\.0.lowerBound).sorted(), model.parameters.map(\.offset), "\(name): each parameter once")
            for (range, snapshot) in snapshots {
                let p = model.parameters.first { $0.offset == range.lowerBound }
                XCTAssertEqual(snapshot, Array(final[range]), "\(name): \(p?.name ?? "?") reported before its gradient was final")
            }
            // the heads' parameters are registered last and finished first
            let heads = Set(model.heads.flatMap(\.parameters).map(\.offset))
            let firstEncoder = snapshots.firstIndex { !heads.contains($0.0.lowerBound) } ?? snapshots.count
            XCTAssertEqual(firstEncoder, heads.count, "\(name): heads before the encoder: \(snapshots.map(\.0))")
        }
    }

    func testSplitBatchGradientsSumToTheWholeBatchGradient() {
        // what data parallelism relies on: per-task normalisation by the global count, and dropout
        // masks keyed by the sentence, make the sum of the halves' gradients equal the whole's
        for dropout: Float in [0, 0.3] {
            let model = makeModel(dropout: dropout, shared: 3)
            let toy = Toy()
            let tasks = [[0, 1], [0], [1], [0, 1]]
            let (_, whole) = gradient(model, toy.batch([0, 1, 2, 3], tasks: tasks, globalCounts: [3, 3]))
            let (_, first) = gradient(model, toy.batch([0, 1], tasks: tasks, globalCounts: [3, 3]))
            let (_, second) = gradient(model, toy.batch([2, 3], tasks: tasks, globalCounts: [3, 3]))
            assertClose(zip(first, second).map { $0 + $1 }, whole, atol: 1e-5, rtol: 1e-4, "dropout \(dropout)")
        }
    }

    func testOverfitsFourSentencesOnBothTasks() throws {
        let model = makeModel(shared: 6)
        let toy = Toy()
        let tasks = [[0, 1], [0, 1], [0, 1], [0, 1]]
        let batch = toy.batch([0, 1, 2, 3], tasks: tasks, globalCounts: [4, 4])
        var adam = try Adam()
        var first: Float = 0, last: Float = 0
        for step in 0..<300 {
            let (loss, _) = gradient(model, batch)
            if step == 0 { first = loss }
            last = loss
            adam.step(store: model.store, learningRate: 0.03)
        }
        XCTAssertLessThan(last, 0.02, "loss went from \(first) to \(last)")
        let predicted = try model.predict(batch, taskIndices: [0, 1])
        for s in 0..<4 {
            XCTAssertEqual(predicted[0][s], toy.pos(s), "pos of sentence \(s)")
            XCTAssertEqual(predicted[1][s], toy.ner(s), "ner of sentence \(s)")
        }
    }

    func testEqualSeedsBuildEqualParametersAndTrainingIsDeterministic() {
        let a = makeModel(dropout: 0.3), b = makeModel(dropout: 0.3)
        XCTAssertEqual(Array(a.store.values.pointer), Array(b.store.values.pointer))
        let other = makeModel(seed: 4)
        XCTAssertNotEqual(Array(other.store.values.pointer), Array(a.store.values.pointer))
        let toy = Toy()
        let batch = toy.batch([0, 1, 2, 3], tasks: [[0, 1], [0], [1], [0, 1]], globalCounts: [3, 3])
        XCTAssertEqual(gradient(a, batch).1, gradient(b, batch).1, "same seed, same gradients, bit for bit")
    }

    /// Steps on memory left behind by earlier steps, filled with NaN before each, compute what a
    /// model with a fresh workspace computes, bit for bit: reusing buffers never leaks old values.
    func testStepsOnReusedDirtyMemoryMatchFreshMemory() {
        let model = makeModel(dropout: 0.3, shared: 3)
        let toy = Toy()
        let tasks = [[0, 1], [0], [1], [0, 1]]
        let batches = [toy.batch([0, 1, 2, 3], tasks: tasks, globalCounts: [3, 3]),
                       toy.batch([3, 1], tasks: tasks, globalCounts: [2, 1]),
                       toy.batch([2, 0], tasks: tasks, globalCounts: [1, 2])]
        for (i, batch) in (batches + batches).enumerated() {
            model.workspace.fillFreeMemory(with: .nan)
            let reused = gradient(model, batch)
            let fresh = gradient(makeModel(dropout: 0.3, shared: 3), batch)
            XCTAssertEqual(reused.0, fresh.0, "loss of step \(i)")
            let differ = zip(reused.1, fresh.1).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
            XCTAssertTrue(differ.isEmpty, "step \(i): \(differ.count) gradients differ, from index \(differ.first ?? 0)")
        }
        XCTAssertLessThanOrEqual(model.workspace.allocationCount, 4, "steps reuse the workspace's memory")
    }
}
