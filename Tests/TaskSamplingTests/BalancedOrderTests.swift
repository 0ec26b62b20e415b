import TaskSampling
import XCTest

/// `balancedOrder`: a permutation of the batch whose rank slices hold about equal costs.
final class BalancedOrderTests: XCTestCase {
    func testOneRankKeepsTheSamplerOrder() {
        XCTAssertEqual(balancedOrder(costs: [5, 1, 9, 3], worldSize: 1), [0, 1, 2, 3])
    }

    func testTwoRanksBySnakeOrderByHand() {
        // ranked by cost: 2 (9), 0 (5), 3 (3), 1 (1) → ranks 0, 1, 1, 0
        XCTAssertEqual(balancedOrder(costs: [5, 1, 9, 3], worldSize: 2), [1, 2, 0, 3])
    }

    /// For every rank of W = 2, 3, 4: each slice keeps `rankSlice`'s size, the slices cover the
    /// batch once, hold positions in batch order, and their costs differ by at most the largest cost.
    func testEverySliceKeepsItsSizeAndTheCostsBalance() {
        var state: UInt64 = 12345
        let costs = (0..<24).map { _ -> Int in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 59) + 1
        }
        for world in [2, 3, 4] {
            let order = balancedOrder(costs: costs, worldSize: world)
            XCTAssertEqual(order.sorted(), Array(0..<24), "W=\(world): a permutation")
            let sums = (0..<world).map { r -> Int in
                let slice = Array(order[rankSlice(batchSize: 24, rank: r, worldSize: world)])
                XCTAssertEqual(slice, slice.sorted(), "W=\(world) rank \(r): batch order")
                return slice.reduce(0) { $0 + costs[$1] }
            }
            XCTAssertLessThanOrEqual(sums.max()! - sums.min()!, costs.max()!, "W=\(world): costs \(sums)")
        }
    }
}
