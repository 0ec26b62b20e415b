import Autodiff
import Foundation
import Layers
import TestSupport
import XCTest

/// The CRF against brute-force enumeration of all K^L paths (scored straight from the
/// definition, in Double), plus gradient checks of the fused NLL, padding invariance, and
/// numerical stability at a realistic tag-set size.
final class CRFTests: XCTestCase {
    /// A CRF with tag count `k` whose parameters are fixed random values (larger than the
    /// ±0.1 initialisation, so transitions matter).
    func makeCRF(tagCount k: Int, seed: UInt64, scale: Float = 1) -> (CRF, ParameterStore) {
        let store = ParameterStore()
        var rng = SplitMix64(seed: seed)
        let crf = CRF(tagCount: k, name: "ner.crf", store: store, rng: &rng)
        store.setScalars(randomValues(k * k, seed: seed + 1, scale: scale), of: crf.transitions)
        store.setScalars(randomValues(k, seed: seed + 2, scale: scale), of: crf.start)
        store.setScalars(randomValues(k, seed: seed + 3, scale: scale), of: crf.stop)
        return (crf, store)
    }

    func testRegistersParametersWithSmallInitialValues() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        let crf = CRF(tagCount: 5, name: "pos.crf", store: store, rng: &rng)
        XCTAssertEqual(store.parameters.map(\.name), ["pos.crf.transitions", "pos.crf.start", "pos.crf.stop"])
        XCTAssertEqual(crf.transitions.shape, [5, 5])
        XCTAssertEqual(crf.parameterCount, 25 + 5 + 5)
        let values = Array(store.values.pointer)
        XCTAssertTrue(values.allSatisfy { abs($0) <= 0.1 })
        XCTAssertTrue(values.contains { $0 != 0 })
    }

    func testSingleSentenceMatchesBruteForce() {
        checkAgainstBruteForce(tagCount: 3, steps: 4, lengths: [4], seed: 10)
    }

    func testPaddedBatchMatchesBruteForce() {
        checkAgainstBruteForce(tagCount: 3, steps: 4, lengths: [4, 2, 1], seed: 20)
    }

    func testNegativeLogLikelihoodIsLogZMinusGoldScoreAndNonNegative() {
        let k = 3, t = 4, lengths = [4, 2, 1]
        let (crf, store) = makeCRF(tagCount: k, seed: 30)
        let e = randomValues(lengths.count * t * k, seed: 31, scale: 2)
        let tags: [Int32] = [0, 2, 1, 1, 2, 0, 0, 0, 1, 0, 0, 0]
        let emissions = Tensor(shape: [3, t, k], scalars: e)
        let nll = crf.negativeLogLikelihood(emissions: emissions, tags: tags, lengths: lengths, tape: nil).item
        let logZ = crf.logPartition(emissions: emissions, lengths: lengths)
        let score = crf.score(emissions: emissions, tags: tags, lengths: lengths)
        XCTAssertEqual(nll, zip(logZ, score).map { $0 - $1 }.reduce(0, +), accuracy: 1e-4)
        XCTAssertGreaterThan(nll, 0)
        let reference = BruteForceCRF(store: store, crf: crf)
        var expected = 0.0
        for (b, len) in lengths.enumerated() {
            let gold = (0..<len).map { Int(tags[b * t + $0]) }
            let score = reference.score(e, sentence: b, steps: t, path: gold)
            XCTAssertEqual(Double(crf.score(emissions: emissions, tags: tags, lengths: lengths)[b]), score, accuracy: 1e-5)
            expected += reference.enumerate(e, sentence: b, steps: t, length: len).logZ - score
            XCTAssertGreaterThan(reference.enumerate(e, sentence: b, steps: t, length: len).logZ, score)
        }
        XCTAssertEqual(Double(nll), expected, accuracy: 1e-4)
    }

    // MARK: - Gradients

    func testGradientWithRespectToEmissions() {
        let (crf, _) = makeCRF(tagCount: 3, seed: 40)
        let tags: [Int32] = [1, 0, 2, 2, 0, 1, 0, 0, 2, 0, 0, 0]
        GradientCheck.check("crf emissions", inputs: [([3, 4, 3], randomValues(36, seed: 41))]) {
            crf.negativeLogLikelihood(emissions: $0[0], tags: tags, lengths: [4, 2, 1], tape: nil)
        }
    }

    func testGradientWithRespectToEmissionsAndAllParameters() {
        let tags: [Int32] = [1, 0, 2, 2, 0, 1, 0, 0, 2, 0, 0, 0]
        GradientCheck.check("crf all", inputs: [([3, 4, 3], randomValues(36, seed: 50)),
                                                ([3, 3], randomValues(9, seed: 51)),
                                                ([3], randomValues(3, seed: 52)),
                                                ([3], randomValues(3, seed: 53))]) {
            crfNegativeLogLikelihood(emissions: $0[0], transitions: $0[1], start: $0[2], stop: $0[3],
                                     tags: tags, lengths: [4, 2, 1])
        }
    }

    func testGradientWithFourTagsAndFullLengths() {
        let tags: [Int32] = [3, 1, 1, 0, 2, 3]
        GradientCheck.check("crf K=4", inputs: [([2, 3, 4], randomValues(24, seed: 60, scale: 2)),
                                                ([4, 4], randomValues(16, seed: 61)),
                                                ([4], randomValues(4, seed: 62)),
                                                ([4], randomValues(4, seed: 63))]) {
            crfNegativeLogLikelihood(emissions: $0[0], transitions: $0[1], start: $0[2], stop: $0[3],
                                     tags: tags, lengths: [3, 3])
        }
    }

    func testLayerGradientLandsInTheParameterStore() {
        let k = 3, lengths = [4, 2, 1]
        let (crf, store) = makeCRF(tagCount: k, seed: 70)
        let e = randomValues(36, seed: 71)
        let tags: [Int32] = [2, 2, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0]
        let tape = Tape()
        let emissions = Tensor.variable(shape: [3, 4, k], scalars: e, tape: tape)
        tape.backward(from: crf.negativeLogLikelihood(emissions: emissions, tags: tags, lengths: lengths, tape: tape))

        let tape2 = Tape()
        let xs = [Tensor.variable(shape: [3, 4, k], scalars: e, tape: tape2)]
            + crf.parameters.map { Tensor.variable(shape: $0.shape, scalars: store.scalars(of: $0), tape: tape2) }
        tape2.backward(from: crfNegativeLogLikelihood(emissions: xs[0], transitions: xs[1], start: xs[2], stop: xs[3],
                                                      tags: tags, lengths: lengths))
        assertClose(emissions.gradScalars, xs[0].gradScalars, atol: 1e-6, "dE")
        for (p, x) in zip(crf.parameters, xs.dropFirst()) {
            assertClose(store.gradScalars(of: p), x.gradScalars, atol: 1e-6, p.name)
        }
        // Σ_k dE[b,t,k] = Σ_k P(y_t = k) − 1 = 0 at every unpadded position
        let g = emissions.gradScalars
        for b in 0..<3 {
            for t in 0..<lengths[b] {
                XCTAssertEqual(g[(b * 4 + t) * k ..< (b * 4 + t + 1) * k].reduce(0, +), 0, accuracy: 1e-5)
            }
        }
    }

    // MARK: - Padding

    func testPaddingChangesNothing() {
        let k = 3, t = 5, lengths = [5, 2, 1]
        let (crf, _) = makeCRF(tagCount: k, seed: 80)
        let e = randomValues(3 * t * k, seed: 81)
        var tags: [Int32] = [0, 1, 2, 1, 0, 2, 2, 0, 0, 0, 1, 0, 0, 0, 0]
        // garbage at padding: huge emissions and out-of-range tags must be ignored
        var padded = e
        for (b, len) in lengths.enumerated() {
            for ti in len..<t {
                tags[b * t + ti] = 99
                for j in 0..<k { padded[(b * t + ti) * k + j] = 1000 }
            }
        }
        func run(_ values: [Float]) -> (Float, [Float], [Float], [[Int32]]) {
            let tape = Tape()
            let x = Tensor.variable(shape: [3, t, k], scalars: values, tape: tape)
            let nll = crf.negativeLogLikelihood(emissions: x, tags: tags, lengths: lengths, tape: tape)
            tape.backward(from: nll)
            return (nll.item, x.gradScalars, crf.logPartition(emissions: x, lengths: lengths),
                    crf.viterbi(emissions: x, lengths: lengths))
        }
        let clean = run(e), dirty = run(padded)
        XCTAssertEqual(clean.0, dirty.0)
        XCTAssertEqual(clean.1, dirty.1)
        XCTAssertEqual(clean.2, dirty.2)
        XCTAssertEqual(clean.3, dirty.3)
        for (b, len) in lengths.enumerated() {
            for ti in len..<t {
                XCTAssertEqual(Array(dirty.1[(b * t + ti) * k ..< (b * t + ti + 1) * k]), [0, 0, 0], "gradient at padding")
            }
        }

        // each sentence alone, unpadded, gives the same values
        var total: Float = 0
        for (b, len) in lengths.enumerated() {
            let x = Tensor(shape: [1, len, k], scalars: Array(e[b * t * k ..< (b * t + len) * k]))
            let y = Array(tags[b * t ..< b * t + len])
            total += crf.negativeLogLikelihood(emissions: x, tags: y, lengths: [len], tape: nil).item
            XCTAssertEqual(crf.logPartition(emissions: x, lengths: [len])[0], clean.2[b], accuracy: 1e-5)
            XCTAssertEqual(crf.viterbi(emissions: x, lengths: [len])[0], clean.3[b])
        }
        XCTAssertEqual(total, clean.0, accuracy: 1e-4)
    }

    // MARK: - Numerical stability

    func testLargeTagSetWithBigEmissionsStaysFinite() {
        let k = 17, t = 30, lengths = [30, 17, 1]
        let (crf, store) = makeCRF(tagCount: k, seed: 90, scale: 5)
        let e = randomValues(lengths.count * t * k, seed: 91, scale: 50)
        let emissions = Tensor(shape: [3, t, k], scalars: e)
        let logZ = crf.logPartition(emissions: emissions, lengths: lengths)
        let reference = BruteForceCRF(store: store, crf: crf)
        let (paths, best) = crf.viterbiWithScores(emissions: emissions, lengths: lengths)
        for (b, len) in lengths.enumerated() {
            // naive exp-space sums overflow here (e^1500); the log-space recursion must not
            let expected = reference.forwardAlgorithm(e, sentence: b, steps: t, length: len)
            XCTAssertTrue(logZ[b].isFinite)
            XCTAssertEqual(Double(logZ[b]), expected, accuracy: 1e-5 * abs(expected) + 1e-3)
            if len == t { XCTAssertGreaterThan(expected, 1000, "Z = e^\(expected) would overflow a Float") }
            // best path ≤ log Z ≤ best path + L·log K
            XCTAssertLessThanOrEqual(best[b], logZ[b] + 1e-3)
            XCTAssertLessThanOrEqual(logZ[b], best[b] + Float(len) * logf(Float(k)))
            XCTAssertEqual(Double(best[b]), reference.score(e, sentence: b, steps: t, path: paths[b].map { Int($0) }),
                           accuracy: 1e-5 * abs(expected) + 1e-3)
        }
        // shifting every emission of a sentence by c shifts log Z by L·c
        let shifted = Tensor(shape: [3, t, k], scalars: e.map { $0 + 40 })
        let logZShifted = crf.logPartition(emissions: shifted, lengths: lengths)
        for (b, len) in lengths.enumerated() {
            XCTAssertEqual(logZShifted[b], logZ[b] + 40 * Float(len), accuracy: 2e-5 * abs(logZShifted[b]))
        }
        // the marginals are probabilities and the gradient is finite
        let p = crf.marginals(emissions: emissions, lengths: lengths).scalars
        for (b, len) in lengths.enumerated() {
            for ti in 0..<len {
                let row = p[(b * t + ti) * k ..< (b * t + ti + 1) * k]
                XCTAssertEqual(row.reduce(0, +), 1, accuracy: 5e-5)
                XCTAssertTrue(row.allSatisfy { $0 >= 0 && $0 <= 1 + 5e-5 })
            }
        }
        let tape = Tape()
        let x = Tensor.variable(shape: [3, t, k], scalars: e, tape: tape)
        let tags = (0..<(3 * t)).map { Int32($0 % k) }
        let nll = crf.negativeLogLikelihood(emissions: x, tags: tags, lengths: lengths, tape: tape)
        XCTAssertTrue(nll.item.isFinite && nll.item >= 0)
        tape.backward(from: nll)
        XCTAssertTrue(x.gradScalars.allSatisfy { $0.isFinite && abs($0) <= 1 + 5e-5 })
        XCTAssertTrue(store.grads.pointer.allSatisfy { $0.isFinite })
    }

    // MARK: - Brute force

    /// Checks log Z, the Viterbi path and score, the marginals and the gold score of every
    /// sentence against enumeration.
    func checkAgainstBruteForce(tagCount k: Int, steps t: Int, lengths: [Int], seed: UInt64,
                                file: StaticString = #filePath, line: UInt = #line) {
        let (crf, store) = makeCRF(tagCount: k, seed: seed)
        let e = randomValues(lengths.count * t * k, seed: seed + 5, scale: 2)
        let emissions = Tensor(shape: [lengths.count, t, k], scalars: e)
        let reference = BruteForceCRF(store: store, crf: crf)
        let logZ = crf.logPartition(emissions: emissions, lengths: lengths)
        let (paths, scores) = crf.viterbiWithScores(emissions: emissions, lengths: lengths)
        let marginals = crf.marginals(emissions: emissions, lengths: lengths).scalars
        for (b, len) in lengths.enumerated() {
            let expected = reference.enumerate(e, sentence: b, steps: t, length: len)
            XCTAssertEqual(Double(logZ[b]), expected.logZ, accuracy: 1e-5, "log Z of sentence \(b)", file: file, line: line)
            XCTAssertEqual(paths[b].map { Int($0) }, expected.best, "Viterbi path of sentence \(b)", file: file, line: line)
            XCTAssertEqual(Double(scores[b]), expected.bestScore, accuracy: 1e-5, file: file, line: line)
            for ti in 0..<t {
                for j in 0..<k {
                    let want = ti < len ? expected.marginals[ti * k + j] : 0
                    XCTAssertEqual(Double(marginals[(b * t + ti) * k + j]), want, accuracy: 1e-5,
                                   "P(y_\(ti) = \(j)) of sentence \(b)", file: file, line: line)
                }
            }
        }
        XCTAssertEqual(crf.viterbi(emissions: emissions, lengths: lengths), paths, file: file, line: line)
    }
}

/// The CRF by definition, in Double: a path's score summed term by term, and log Z, the best
/// path and the marginals by enumerating all K^L paths.
struct BruteForceCRF {
    let k: Int
    let transitions: [Double], start: [Double], stop: [Double]

    init(store: ParameterStore, crf: CRF) {
        k = crf.tagCount
        transitions = store.scalars(of: crf.transitions).map(Double.init)
        start = store.scalars(of: crf.start).map(Double.init)
        stop = store.scalars(of: crf.stop).map(Double.init)
    }

    /// `start[y_0] + Σ_t E[b,t,y_t] + Σ_{t≥1} trans[y_{t−1},y_t] + stop[y_{L−1}]`.
    func score(_ e: [Float], sentence b: Int, steps t: Int, path: [Int]) -> Double {
        var s = start[path[0]] + stop[path[path.count - 1]]
        for (ti, y) in path.enumerated() { s += Double(e[(b * t + ti) * k + y]) }
        for ti in 1..<path.count { s += transitions[path[ti - 1] * k + path[ti]] }
        return s
    }

    func enumerate(_ e: [Float], sentence b: Int, steps t: Int, length: Int)
        -> (logZ: Double, best: [Int], bestScore: Double, marginals: [Double]) {
        var scores: [([Int], Double)] = []
        var path = [Int](repeating: 0, count: length)
        while true {
            scores.append((path, score(e, sentence: b, steps: t, path: path)))
            // next path in lexicographic order
            var i = length - 1
            while i >= 0 && path[i] == k - 1 { path[i] = 0; i -= 1 }
            if i < 0 { break }
            path[i] += 1
        }
        XCTAssertEqual(scores.count, Int(pow(Double(k), Double(length))))
        let top = scores.max { $0.1 < $1.1 }!
        let logZ = top.1 + log(scores.map { exp($0.1 - top.1) }.reduce(0, +))
        var marginals = [Double](repeating: 0, count: length * k)
        for (p, s) in scores {
            for (ti, y) in p.enumerated() { marginals[ti * k + y] += exp(s - logZ) }
        }
        return (logZ, top.0, top.1, marginals)
    }

    /// log Z by the forward recursion in Double, for lengths too long to enumerate.
    func forwardAlgorithm(_ e: [Float], sentence b: Int, steps t: Int, length: Int) -> Double {
        func logSumExp(_ xs: [Double]) -> Double {
            let m = xs.max()!
            return m + log(xs.map { exp($0 - m) }.reduce(0, +))
        }
        var alpha = (0..<k).map { start[$0] + Double(e[b * t * k + $0]) }
        for ti in 1..<length {
            alpha = (0..<k).map { j in
                logSumExp((0..<k).map { alpha[$0] + transitions[$0 * k + j] }) + Double(e[(b * t + ti) * k + j])
            }
        }
        return logSumExp((0..<k).map { alpha[$0] + stop[$0] })
    }
}
