import Autodiff
import ModelFiles
@testable import Training
import Transformer
import XCTest

/// The ranges a sparse gradient sum covers: every parameter outside the embedding tables, and of
/// the tables the rows of the batch's ids, the padding id 0 and `<unk>` (words), the padding id
/// (characters), [CLS] and [SEP] (a transformer's WordPiece table).
final class TouchedRowsTests: XCTestCase {
    func testRangesCoverDenseParametersAndTheBatchsRows() throws {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        store.add("encoder.words.weight", shape: [6, 2], initializer: .zeros, rng: &rng)          // 0..<12
        store.add("encoder.case.weight", shape: [3, 1], initializer: .zeros, rng: &rng)           // 12..<15
        store.add("encoder.chars.embedding.weight", shape: [5, 3], initializer: .zeros, rng: &rng) // 15..<30
        store.add("head.bias", shape: [4], initializer: .zeros, rng: &rng)                        // 30..<34
        let rows = try XCTUnwrap(TouchedRows(store: store, tables: [("encoder.words.weight", .words(unknown: 1)),
                                                                    ("encoder.chars.embedding.weight", .characters)]))
        XCTAssertEqual(rows.dense, [12..<15, 30..<34])
        let sentence = EncodedSentence(wordIDs: [4, 2, 4], caseIDs: [0, 0, 0], characters: [[3], [1, 3], [3]], tags: [:])
        // words 0 (padding), 1 (<unk>), 2 and 4; characters 0 (padding), 1 and 3
        XCTAssertEqual(rows.ranges(for: [sentence]), [0..<6, 8..<10, 12..<15, 15..<21, 24..<27, 30..<34])
        XCTAssertNil(TouchedRows(store: store, tables: [("missing", .characters), ("head.bias", .characters)]))
    }

    func testSubwordTableRowsAreTheBatchsWordPiecesAndClassAndSeparator() throws {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        store.add("encoder.transformer.embeddings.word_embeddings.weight", shape: [8, 2], initializer: .zeros, rng: &rng) // 0..<16
        store.add("encoder.transformer.embeddings.position_embeddings.weight", shape: [4, 2], initializer: .zeros, rng: &rng) // 16..<24
        store.add("encoder.case.weight", shape: [3, 1], initializer: .zeros, rng: &rng) // 24..<27
        let packing = SubwordPacking(maxPositions: 4, classID: 2, separatorID: 3)
        let rows = try XCTUnwrap(TouchedRows(store: store, tables: [("encoder.words.weight", .words(unknown: 1)),
                                                                    ("encoder.transformer.embeddings.word_embeddings.weight", .subwords(packing))]))
        XCTAssertEqual(rows.dense, [16..<27])
        let a = EncodedSentence(wordIDs: [0, 0], caseIDs: [0, 0], characters: [[1], [1]], tags: [:],
                                subwords: SubwordSentence(ids: [6, 7, 6], wordStarts: [0, 2, 3]))
        let b = EncodedSentence(wordIDs: [0], caseIDs: [0], characters: [[1]], tags: [:],
                                subwords: SubwordSentence(ids: [1], wordStarts: [0, 1]))
        // rows 1 ([UNK] as a word piece), 2 ([CLS]), 3 ([SEP]), 6, 7; never row 0 ([PAD]) or 4, 5
        XCTAssertEqual(rows.ranges(for: [a, b]), [2..<8, 12..<16, 16..<27])
    }
}
