import Collective
@testable import Training
import XCTest

/// What each rank's optimizers step with `sharded_update`: the slices of all ranks, split at the end
/// of the transformer's range, tile the store, every part inside its rank's slice.
final class UpdatePartsTests: XCTestCase {
    func testPartsOfEveryRanksSliceTileTheTransformerAndTheRest() throws {
        for count in [0, 1, 7, 10, 33] {
            for transformerEnd in Set([0, 1, count / 3, count]) where transformerEnd <= count {
                for world in 1...5 {
                    var transformer: [Int] = [], rest: [Int] = []
                    for rank in 0..<world {
                        let slice = shardRange(total: count, rank: rank, worldSize: world)
                        let parts = Trainer.parts(of: slice, transformer: 0..<transformerEnd, count: count)
                        let t = try XCTUnwrap(parts.transformer)
                        for part in [t, parts.rest] {
                            XCTAssertTrue(part.lowerBound >= slice.lowerBound && part.upperBound <= slice.upperBound,
                                          "\(part) outside \(slice) (count \(count), transformer ..<\(transformerEnd), W \(world))")
                        }
                        XCTAssertEqual(t.count + parts.rest.count, slice.count)
                        transformer += Array(t)
                        rest += Array(parts.rest)
                    }
                    XCTAssertEqual(transformer, Array(0..<transformerEnd), "count \(count), W \(world)")
                    XCTAssertEqual(rest, Array(transformerEnd..<count), "count \(count), W \(world)")
                }
            }
        }
        // without a transformer optimizer the main one steps the whole slice
        let whole = Trainer.parts(of: 3..<9, transformer: nil, count: 12)
        XCTAssertNil(whole.transformer)
        XCTAssertEqual(whole.rest, 3..<9)
    }

    /// A frozen word table after the transformer's range (or first): every rank's slice is tiled by
    /// its transformer part, its part of the frozen table (which no optimizer steps) and the rest.
    func testAFrozenTableIsInNoPartOfAnySlice() throws {
        for count in [1, 7, 10, 33] {
            for (transformerEnd, tableEnd) in [(0, 1), (0, count / 2), (count / 3, count / 2), (1, count)] where transformerEnd < tableEnd && tableEnd <= count {
                for world in 1...5 {
                    var covered: [Int] = []
                    for rank in 0..<world {
                        let slice = shardRange(total: count, rank: rank, worldSize: world)
                        let transformer = transformerEnd > 0 ? 0..<transformerEnd : nil
                        let parts = Trainer.parts(of: slice, transformer: transformer, frozen: transformerEnd..<tableEnd, count: count)
                        let frozen = slice.clamped(to: transformerEnd..<tableEnd)
                        XCTAssertEqual((parts.transformer?.count ?? 0) + frozen.count + parts.rest.count, slice.count)
                        covered += Array(parts.transformer ?? 0..<0) + Array(parts.rest)
                    }
                    XCTAssertEqual(covered, Array(0..<transformerEnd) + Array(tableEnd..<count), "count \(count), table \(transformerEnd)..<\(tableEnd), W \(world)")
                }
            }
        }
    }
}
