@testable import ModelFiles
import XCTest

/// The predictions a rank sends rank 0 (`PiecePrediction.encode` / `decode`): read back exactly,
/// whatever the piece indices, and refused when damaged.
final class PiecePredictionTransferTests: XCTestCase {
    private let piece = PiecePrediction(tags: [[3, 1, 4], [1]], probabilities: [[0.5, 0.25, 1], []], spanScores: [[0.75], []])

    /// A rank that decoded one batch late in a block sends few bytes and high piece indices: they
    /// are indices into the block, not counts, and must not be held to the message's length (np = 3
    /// predict failed so on a slow machine: "count 1453 exceeds the 11496 bytes received").
    func testFewPredictionsOfHighPiecesRoundTrip() throws {
        let sent = [1453: piece, 1999: PiecePrediction(tags: [[7]], probabilities: [[]], spanScores: [[]])]
        let bytes = PiecePrediction.encode(sent)
        XCTAssertLessThan(bytes.count / 8, 1453, "the case that failed: the indices exceed the message's words")
        XCTAssertEqual(try PiecePrediction.decode(bytes, pieces: 2000), sent)
    }

    func testAPieceOutsideTheBlockIsRefused() {
        let bytes = PiecePrediction.encode([5: piece])
        XCTAssertThrowsError(try PiecePrediction.decode(bytes, pieces: 5)) { error in
            XCTAssertEqual("\(error)", "predictions received from another rank are damaged: piece 5 is not one of the block's 5. "
                           + "Hint: run every rank with the same mtl-dist build")
        }
    }

    func testCutShortOrInflatedCountsAreRefused() {
        let bytes = PiecePrediction.encode([0: piece, 1: piece])
        for cut in [1, 8, bytes.count / 2, bytes.count - 1] {
            XCTAssertThrowsError(try PiecePrediction.decode(Array(bytes.prefix(cut)), pieces: 2), "cut to \(cut) bytes")
        }
        var inflated = bytes
        inflated[0] = 0xFF  // the number of predictions, far beyond the bytes
        XCTAssertThrowsError(try PiecePrediction.decode(inflated, pieces: 2))
    }
}
