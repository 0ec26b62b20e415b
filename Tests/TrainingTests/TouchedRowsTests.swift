import Autodiff
@testable import Training
import XCTest

/// The ranges a sparse gradient sum covers: every parameter outside the embedding tables, and of
/// the tables the rows of the batch's ids, the padding id 0 and `<unk>`.
final class TouchedRowsTests: XCTestCase {
    func testRangesCoverDenseParametersAndTheBatchsRows() throws {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        store.add("encoder.words.weight", shape: [6, 2], initializer: .zeros, rng: &rng)          // 0..<12
        store.add("encoder.case.weight", shape: [3, 1], initializer: .zeros, rng: &rng)           // 12..<15
        store.add("encoder.chars.embedding.weight", shape: [5, 3], initializer: .zeros, rng: &rng) // 15..<30
        store.add("head.bias", shape: [4], initializer: .zeros, rng: &rng)                        // 30..<34
        let rows = try XCTUnwrap(TouchedRows(store: store, wordTable: "encoder.words.weight",
                                             characterTable: "encoder.chars.embedding.weight", unknownWord: 1))
        XCTAssertEqual(rows.dense, [12..<15, 30..<34])
        let sentence = EncodedSentence(wordIDs: [4, 2, 4], caseIDs: [0, 0, 0], characters: [[3], [1, 3], [3]], tags: [:])
        // words 0 (padding), 1 (<unk>), 2 and 4; characters 0 (padding), 1 and 3
        XCTAssertEqual(rows.ranges(for: [sentence]), [0..<6, 8..<10, 12..<15, 15..<21, 24..<27, 30..<34])
        XCTAssertNil(TouchedRows(store: store, wordTable: "missing", characterTable: "x", unknownWord: nil))
    }
}
