/// The highest-scoring dependency tree over a sentence's arc scores, with exactly one word attached
/// to the root: a maximum spanning arborescence found by Chu-Liu-Edmonds (non-projective trees).
///
/// Input: `scores[d][h]`, an N×N matrix (N = words + 1) whose entry is the score of the arc `h → d`
/// (head h, dependent d); index 0 is the root. Row 0 (the root has no head) and the diagonal (no word
/// heads itself) are ignored, whatever they hold. −∞ forbids an arc; NaN and +∞ elsewhere throw.
///
/// Output: `heads` with N − 1 entries, `heads[w - 1]` the head of word w (0 for the root), the CoNLL-U
/// HEAD column; among trees with one root child, none scores higher than Σ_d scores[d][heads[d-1]].
///
/// Method: Chu-Liu-Edmonds (Chu & Liu 1965; Edmonds 1967) greedily picks each word's best head,
/// contracts a cycle into one node (arcs into the cycle scored `s[d][h] − s[d][head(d)]`), repeats,
/// then expands. The one-root constraint (Dozat et al. 2017; Zmigrod et al. 2020, "Please Mind the
/// Root") runs it once unconstrained, and when the root gets several children, once per candidate
/// root child r with every other root arc forbidden, skipping an r whose upper bound
/// `s[r][0] + Σ_{d≠r} max_{h∉{0,d}} s[d][h]` cannot beat the best tree found. O(N³) per run.
///
/// Deterministic: the same scores always give the same tree (a word's tied heads go to the smaller
/// index; tied root children to the one tried first: the higher bound, then the smaller index).
public enum TreeDecoder {
    /// The largest N (words + 1) decoded; the work grows as N³ to N⁴ and the memory as N².
    public static let maxRows = 1024

    /// The best tree with one root child for `scores[dependent][head]` (N×N, index 0 the root).
    /// Throws `ParsingError` for N < 2, N > `maxRows`, a row that is not N long, a NaN or +∞ score,
    /// or when every such tree uses a −∞ arc.
    public static func decode<S: BinaryFloatingPoint>(_ scores: [[S]]) throws -> [Int] {
        let n = scores.count
        guard n >= 2 else { throw ParsingError.emptyScoreMatrix(rows: n) }
        guard n <= maxRows else { throw ParsingError.scoreMatrixTooLarge(rows: n, limit: maxRows) }
        var s = [Double](repeating: -.infinity, count: n * n)
        for d in 0..<n {
            guard scores[d].count == n else {
                throw ParsingError.nonSquareScoreMatrix(row: d, expected: n, found: scores[d].count)
            }
            guard d > 0 else { continue }
            for h in 0..<n where h != d {
                let value = Double(scores[d][h])
                guard !value.isNaN && value != .infinity else {
                    throw ParsingError.nonFiniteScore(dependent: d, head: h, value: value)
                }
                // s[d, h] = score of the arc h → d
                s[d * n + h] = value
            }
        }
        guard let heads = decodeOneRoot(s, n) else { throw ParsingError.noFiniteTree(words: n - 1) }
        return Array(heads[1...])
    }

    /// Σ_w scores[w][heads[w-1]] over the words, in Double; for tests and callers comparing trees.
    /// `heads` must come from a tree over this matrix (a precondition).
    public static func score<S: BinaryFloatingPoint>(of heads: [Int], in scores: [[S]]) -> Double {
        precondition(heads.count + 1 == scores.count, "\(heads.count) heads for a \(scores.count)-row matrix")
        var total = 0.0
        for (k, h) in heads.enumerated() { total += Double(scores[k + 1][h]) }
        return total
    }

    // MARK: - One root child

    /// The best tree with one root child over the flat matrix `s[d*n + h]`, heads[0] = -1; nil when
    /// every such tree has a −∞ arc.
    static func decodeOneRoot(_ s: [Double], _ n: Int) -> [Int]? {
        guard let free = chuLiuEdmonds(s, n) else { return nil }
        if free.filter({ $0 == 0 }).count == 1 { return free }
        // bestOther[d] = max_{h ∉ {0, d}} s[d, h]
        var bestOther = [Double](repeating: -.infinity, count: n)
        for d in 1..<n {
            for h in 1..<n where h != d { bestOther[d] = max(bestOther[d], s[d * n + h]) }
        }
        let otherSum = bestOther[1...].reduce(0, +)
        var candidates: [(root: Int, bound: Double)] = []
        for r in 1..<n where s[r * n] > -.infinity {
            // bound(r) = s[r, 0] + Σ_{d≠r} bestOther[d], computed without r's term
            let rest = bestOther[r] == -.infinity ? otherSumWithout(r, bestOther) : otherSum - bestOther[r]
            let bound = s[r * n] + rest
            if bound > -.infinity { candidates.append((r, bound)) }
        }
        candidates.sort { $0.bound > $1.bound || ($0.bound == $1.bound && $0.root < $1.root) }
        var best: (heads: [Int], score: Double)?
        var constrained = s
        for (r, bound) in candidates {
            if let found = best, bound < found.score - 1e-9 * (1 + abs(found.score)) { break }
            // only the arc 0 → r leaves the root
            for d in 1..<n { constrained[d * n] = d == r ? s[d * n] : -.infinity }
            guard let heads = chuLiuEdmonds(constrained, n) else { continue }
            let total = treeScore(heads, s, n)
            if total > (best?.score ?? -.infinity) { best = (heads, total) }
        }
        return best?.heads
    }

    /// Σ_{d ≠ r} bestOther[d], summed afresh (subtracting an infinite term would give NaN).
    private static func otherSumWithout(_ r: Int, _ bestOther: [Double]) -> Double {
        var total = 0.0
        for d in 1..<bestOther.count where d != r { total += bestOther[d] }
        return total
    }

    /// Σ_{d ≥ 1} s[d, heads[d]].
    static func treeScore(_ heads: [Int], _ s: [Double], _ n: Int) -> Double {
        var total = 0.0
        for d in 1..<n { total += s[d * n + heads[d]] }
        return total
    }

    // MARK: - Chu-Liu-Edmonds

    /// What one contraction replaced, kept to expand the contracted tree again.
    private struct Contraction {
        /// Greedy heads of the graph before contraction (the cycle's arcs among them).
        let heads: [Int]
        /// Old indices of the nodes outside the cycle, in order; the new node i is others[i] for
        /// i < others.count, and the cycle is the new node others.count.
        let others: [Int]
        /// enterFrom[j]: the cycle node whose head becomes others[j] when the cycle's head is j.
        let enterFrom: [Int]
        /// leaveTo[i]: the cycle node that heads others[i] when others[i]'s head is the cycle.
        let leaveTo: [Int]
    }

    /// The maximum spanning arborescence rooted at 0 over `s[d*n + h]` (−∞ = no arc), heads[0] = -1;
    /// nil when some node cannot be reached through finite arcs. Contractions are kept as a stack
    /// of O(n) records, so memory stays O(n²).
    static func chuLiuEdmonds(_ scores: [Double], _ size: Int) -> [Int]? {
        var s = scores
        var n = size
        var stack: [Contraction] = []
        var heads: [Int]
        while true {
            guard let greedy = greedyHeads(s, n) else { return nil }
            heads = greedy
            guard let cycle = firstCycle(heads) else { break }
            var inCycle = [Bool](repeating: false, count: n)
            for v in cycle { inCycle[v] = true }
            let others = (0..<n).filter { !inCycle[$0] }
            let m = others.count + 1
            let c = m - 1
            var t = [Double](repeating: -.infinity, count: m * m)
            var enterFrom = [Int](repeating: -1, count: m)
            var leaveTo = [Int](repeating: -1, count: m)
            for i in 1..<others.count {
                let d = others[i]
                // t[i, j] = s[d, h] between nodes outside the cycle
                for j in 0..<others.count where j != i { t[i * m + j] = s[d * n + others[j]] }
                // t[i, c] = max_{h ∈ cycle} s[d, h]
                for h in cycle where s[d * n + h] > t[i * m + c] {
                    t[i * m + c] = s[d * n + h]
                    leaveTo[i] = h
                }
            }
            for j in 0..<others.count {
                let h = others[j]
                // t[c, j] = max_{d ∈ cycle} s[d, h] − s[d, heads[d]]
                for d in cycle where s[d * n + h] > -.infinity {
                    let gain = s[d * n + h] - s[d * n + heads[d]]
                    if gain > t[c * m + j] {
                        t[c * m + j] = gain
                        enterFrom[j] = d
                    }
                }
            }
            stack.append(Contraction(heads: heads, others: others, enterFrom: enterFrom, leaveTo: leaveTo))
            s = t
            n = m
        }
        while let step = stack.popLast() {
            let c = step.others.count
            var expanded = step.heads
            for i in 1..<step.others.count {
                let j = heads[i]
                expanded[step.others[i]] = j == c ? step.leaveTo[i] : step.others[j]
            }
            let hc = heads[c]
            expanded[step.enterFrom[hc]] = step.others[hc]
            heads = expanded
        }
        return heads
    }

    /// Each node's best head (ties to the smaller index), heads[0] = -1; nil when a node has none.
    private static func greedyHeads(_ s: [Double], _ n: Int) -> [Int]? {
        var heads = [Int](repeating: -1, count: n)
        for d in 1..<n {
            var best = -Double.infinity
            for h in 0..<n where h != d && s[d * n + h] > best {
                best = s[d * n + h]
                heads[d] = h
            }
            if heads[d] < 0 { return nil }
        }
        return heads
    }

    /// The nodes of the first cycle met walking up from nodes 1, 2, … (sorted), or nil for a tree;
    /// `heads[v]` is node v's head (0 the root, `heads[0]` unused), every head within 0..<count.
    static func firstCycle(_ heads: [Int]) -> [Int]? {
        let n = heads.count
        // state: 0 unvisited, 1 on the current walk, 2 known to reach the root
        var state = [UInt8](repeating: 0, count: n)
        state[0] = 2
        for start in 1..<n where state[start] == 0 {
            var v = start
            while state[v] == 0 {
                state[v] = 1
                v = heads[v]
            }
            if state[v] == 1 {
                var cycle = [v]
                var u = heads[v]
                while u != v {
                    cycle.append(u)
                    u = heads[u]
                }
                return cycle.sorted()
            }
            v = start
            while state[v] == 1 {
                state[v] = 2
                v = heads[v]
            }
        }
        return nil
    }
}
