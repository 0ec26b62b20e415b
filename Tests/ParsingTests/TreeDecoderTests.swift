import Autodiff
@testable import Parsing
import XCTest

/// `TreeDecoder` against brute-force enumeration of every head assignment that is a tree with one
/// root child, on seeded random sentences of up to 6 words, with ties and −∞ arcs; and its input checks.
final class TreeDecoderTests: XCTestCase {
    /// The best score over all trees with one root child (nil when each has a −∞ arc), by enumeration.
    private func bruteForceBest(_ scores: [[Double]]) -> Double? {
        let words = scores.count - 1
        var heads = [Int](repeating: 0, count: words)
        var best: Double?
        while true {
            if isTreeWithOneRootChild(heads) {
                let total = TreeDecoder.score(of: heads, in: scores)
                if total > -.infinity && total > (best ?? -.infinity) { best = total }
            }
            // next assignment: heads[w] runs over 0...words (self-loops are rejected as non-trees)
            var w = 0
            while w < words && heads[w] == words {
                heads[w] = 0
                w += 1
            }
            if w == words { return best }
            heads[w] += 1
        }
    }

    /// Whether `heads` (heads[w-1] = head of word w) is a tree over the words with exactly one root child.
    private func isTreeWithOneRootChild(_ heads: [Int]) -> Bool {
        guard heads.filter({ $0 == 0 }).count == 1 else { return false }
        for start in 1...heads.count {
            var v = start
            var steps = 0
            while v != 0 {
                v = heads[v - 1]
                steps += 1
                if steps > heads.count { return false }
            }
        }
        return true
    }

    /// A random N×N matrix (N = words + 1): `value(&rng)` per arc, −∞ with probability `forbidden`.
    private func randomScores(words: Int, forbidden: Double, rng: inout SplitMix64,
                              value: (inout SplitMix64) -> Double) -> [[Double]] {
        (0...words).map { d in
            (0...words).map { h in
                if d == 0 || d == h { return 0 }
                return Double.random(in: 0..<1, using: &rng) < forbidden ? -.infinity : value(&rng)
            }
        }
    }

    /// Decodes `scores` and checks the result against brute force: a tree with one root child of the
    /// best score, or `noFiniteTree` when there is none.
    private func assertOptimal(_ scores: [[Double]], file: StaticString = #filePath, line: UInt = #line) throws {
        guard let best = bruteForceBest(scores) else {
            XCTAssertThrowsError(try TreeDecoder.decode(scores), "\(scores)", file: file, line: line) {
                XCTAssertEqual($0 as? ParsingError, .noFiniteTree(words: scores.count - 1), file: file, line: line)
            }
            return
        }
        let heads = try TreeDecoder.decode(scores)
        XCTAssertTrue(isTreeWithOneRootChild(heads), "\(heads) for \(scores)", file: file, line: line)
        XCTAssertEqual(TreeDecoder.score(of: heads, in: scores), best, accuracy: 1e-9, "\(scores)", file: file, line: line)
    }

    func testMatchesBruteForceOnRandomSentences() throws {
        var rng = SplitMix64(seed: 21)
        for k in 0..<400 {
            let scores = randomScores(words: 1 + k % 6, forbidden: 0, rng: &rng) { Double.random(in: -3..<3, using: &$0) }
            try assertOptimal(scores)
        }
    }

    func testTiesMatchBruteForceAndDecodeTheSameTreeEveryTime() throws {
        var rng = SplitMix64(seed: 2018)
        for k in 0..<300 {
            // scores in {0, 1, 2}: many trees share the best score
            let scores = randomScores(words: 1 + k % 6, forbidden: 0, rng: &rng) { Double(Int.random(in: 0...2, using: &$0)) }
            try assertOptimal(scores)
            XCTAssertEqual(try TreeDecoder.decode(scores), try TreeDecoder.decode(scores))
        }
        let flat = [[Float]](repeating: [Float](repeating: 1, count: 6), count: 6)
        let heads = try TreeDecoder.decode(flat)
        XCTAssertTrue(isTreeWithOneRootChild(heads))
        XCTAssertEqual(heads, try TreeDecoder.decode(flat))
    }

    func testMinusInfinityForbidsArcs() throws {
        var rng = SplitMix64(seed: 7)
        var withoutTree = 0
        for k in 0..<400 {
            let scores = randomScores(words: 1 + k % 6, forbidden: 0.45, rng: &rng) { Double.random(in: -2..<2, using: &$0) }
            if bruteForceBest(scores) == nil { withoutTree += 1 }
            try assertOptimal(scores)
        }
        XCTAssertGreaterThan(withoutTree, 0, "some matrices have no finite tree, so that path is tested")
    }

    func testBoundSkipsNoBetterRootChildOnLongerSentences() throws {
        // sentences too long to enumerate: the pruned search over root children equals trying every one
        var rng = SplitMix64(seed: 44)
        for k in 0..<40 {
            let n = 8 + k
            var s = [Double](repeating: -.infinity, count: n * n)
            for d in 1..<n {
                for h in 0..<n where h != d { s[d * n + h] = Double.random(in: -1..<1, using: &rng) + (h == 0 ? 0.8 : 0) }
            }
            var best = -Double.infinity
            for r in 1..<n {
                var constrained = s
                for d in 1..<n where d != r { constrained[d * n] = -.infinity }
                if let heads = TreeDecoder.chuLiuEdmonds(constrained, n) {
                    best = max(best, TreeDecoder.treeScore(heads, s, n))
                }
            }
            let heads = try XCTUnwrap(TreeDecoder.decodeOneRoot(s, n))
            XCTAssertEqual(heads.filter { $0 == 0 }.count, 1)
            XCTAssertNil(DependencyTree.treeProblem(Array(heads[1...])))
            XCTAssertEqual(TreeDecoder.treeScore(heads, s, n), best, accuracy: 1e-9)
        }
    }

    func testOneRootChildEvenWhenTheRootScoresBest() throws {
        // every word prefers the root; the unconstrained tree has three root children
        let scores: [[Float]] = [
            [0, 0, 0, 0],
            [0, 0, 1, 1],
            [9, 2, 0, 1],
            [9, 1, 3, 0],
        ]
        let heads = try TreeDecoder.decode(scores)
        XCTAssertEqual(heads.filter { $0 == 0 }.count, 1)
        XCTAssertEqual(heads, [2, 0, 2])
    }

    func testNonProjectiveTree() throws {
        // arcs 0→2, 2→4, 4→1, 2→3 cross (1 is attached over 2 and 3): a non-projective tree
        var scores = [[Double]](repeating: [Double](repeating: 0, count: 5), count: 5)
        scores[1][4] = 10
        scores[2][0] = 10
        scores[3][2] = 10
        scores[4][2] = 10
        XCTAssertEqual(try TreeDecoder.decode(scores), [4, 0, 2, 2])
    }

    func testIgnoresTheRootRowAndTheDiagonal() throws {
        let scores: [[Double]] = [[.nan, .infinity, .nan], [1, .nan, 0], [0, 2, .infinity]]
        XCTAssertEqual(try TreeDecoder.decode(scores), [0, 1])
        XCTAssertEqual(try TreeDecoder.decode([[0, 0], [-5, 0]] as [[Float]]), [0])
    }

    func testRefusesMalformedMatrices() {
        func error(_ scores: [[Double]]) -> ParsingError? {
            do {
                _ = try TreeDecoder.decode(scores)
                return nil
            } catch {
                return error as? ParsingError
            }
        }
        XCTAssertEqual(error([]), .emptyScoreMatrix(rows: 0))
        XCTAssertEqual(error([[0]]), .emptyScoreMatrix(rows: 1))
        XCTAssertEqual(error([[0, 0], [0]]), .nonSquareScoreMatrix(row: 1, expected: 2, found: 1))
        XCTAssertEqual(error([[0, 0, 0], [0, 0, 0]]), .nonSquareScoreMatrix(row: 0, expected: 2, found: 3))
        XCTAssertEqual(error([[0, 0, 0], [1, 0, 0], [0, .infinity, 0]]),
                       .nonFiniteScore(dependent: 2, head: 1, value: .infinity))
        if case .nonFiniteScore(2, 0, let value)? = error([[0, 0, 0], [1, 0, 0], [.nan, 0, 0]]) {
            XCTAssertTrue(value.isNaN)
        } else {
            XCTFail("NaN score not refused")
        }
        XCTAssertEqual(error([[0, 0], [-.infinity, 0]]), .noFiniteTree(words: 1))
        let n = TreeDecoder.maxRows + 1
        XCTAssertEqual(error([[Double]](repeating: [], count: n)), .scoreMatrixTooLarge(rows: n, limit: TreeDecoder.maxRows))
        let message = String(describing: ParsingError.nonSquareScoreMatrix(row: 1, expected: 2, found: 1))
        XCTAssertTrue(message.contains("row 1") && message.contains("Hint: "), message)
    }
}
