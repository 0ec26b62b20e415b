import Autodiff
import MultiTask
import Optimizers
import TestSupport
import XCTest

/// A parser as one head of the routed model (`HeadSpec.parser`): it trains from `TaskRows.heads`
/// beside its relation ids, and decodes each row as its heads followed by its relation ids.
final class DependencyTaskHeadTests: XCTestCase {
    let toy = MultiTaskModelTests.Toy()

    /// Gold tree of toy sentence s: word 1 attached to the root, every other word to the word before it.
    func heads(_ s: Int) -> [Int32] { (0..<toy.lengths[s]).map { Int32($0) } }
    /// Gold relation ids: 0 for the root word, 1 + word % 3 for the others.
    func relations(_ s: Int) -> [Int32] { toy.words(s).enumerated().map { $0.offset == 0 ? 0 : 1 + $0.element % 3 } }

    /// A model with the toy's tagger "pos" and a parser "deps" (4 relations) over its own BiLSTM.
    func makeModel() -> MultiTaskModel {
        let encoder = EncoderSpec(wordVocabularySize: 12, wordDimension: 6, characterVocabularySize: 9,
                                  characterDimension: 4, characterHidden: 3, caseClassCount: 8, caseDimension: 2,
                                  sharedHidden: 6, dropout: 0, wordDropout: 0, lockedDropout: 0)
        return MultiTaskModel(spec: ModelSpec(encoder: encoder, heads: [
            HeadSpec(name: "pos", tagCount: 5, kind: .softmax, hidden: 0, lossWeight: 1),
            HeadSpec(name: "deps", tagCount: 4, kind: .softmax, hidden: 4, lossWeight: 1,
                     parser: ParserSizes(arcSize: 8, relationSize: 4)),
        ]), seed: 7)
    }

    /// The toy batch of all four sentences, both tasks on every row, the parser's rows with their heads.
    func batch() -> Batch {
        let tagged = toy.batch([0, 1, 2, 3], tasks: [[0, 1], [0, 1], [0, 1], [0, 1]], globalCounts: [4, 4])
        let steps = tagged.steps
        var gold = [Int32](repeating: 0, count: 4 * steps), arcs = gold
        for s in 0..<4 {
            for (j, r) in relations(s).enumerated() { gold[s * steps + j] = r }
            for (j, h) in heads(s).enumerated() { arcs[s * steps + j] = h }
        }
        return Batch(lengths: tagged.lengths, wordIDs: tagged.wordIDs, caseIDs: tagged.caseIDs, characters: tagged.characters,
                     rowKeys: tagged.rowKeys, tasks: [tagged.tasks[0], TaskRows(rows: [0, 1, 2, 3], tags: gold, heads: arcs, globalCount: 4)])
    }

    func testTheModelBuildsADependencyHeadWithItsOwnBiLSTM() {
        let names = makeModel().heads[1].parameters.map(\.name)
        XCTAssertTrue(names.contains("heads.deps.root") && names.contains("heads.deps.arc.weight"), "\(names)")
        XCTAssertTrue(names.contains { $0.hasPrefix("heads.deps.lstm.") }, "\(names)")
    }

    func testOverfitsFourTreesBesideTheTagger() throws {
        let model = makeModel(), batch = batch()
        var adam = try Adam()
        var first: Float = 0, last: Float = 0
        for step in 0..<300 {
            model.store.zeroGrad()
            let tape = Tape()
            let result = model.loss(batch, tape: tape)
            tape.backward(from: result.total)
            if step == 0 { first = result.total.item }
            last = result.total.item
            adam.step(store: model.store, learningRate: 0.03)
        }
        XCTAssertLessThan(last, 0.05, "loss went from \(first) to \(last)")
        let predicted = try model.predict(batch, taskIndices: [1])[0]
        for s in 0..<4 { XCTAssertEqual(predicted[s], heads(s) + relations(s), "sentence \(s)") }
    }
}
