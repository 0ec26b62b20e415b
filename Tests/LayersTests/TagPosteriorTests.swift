import Autodiff
import Foundation
import Layers
import TestSupport
import XCTest

/// CRF and softmax posteriors (marginals and span scores) against brute-force enumeration of all
/// K^L paths, scored from the definition in Double.
final class TagPosteriorTests: XCTestCase {
    struct Case {
        let k: Int, length: Int
        let emissions: [Float], transitions: [Float], start: [Float], stop: [Float]
    }

    func makeCase(k: Int, length: Int, seed: UInt64, scale: Float = 2) -> Case {
        Case(k: k, length: length, emissions: randomValues(length * k, seed: seed, scale: scale),
             transitions: randomValues(k * k, seed: seed + 1, scale: scale), start: randomValues(k, seed: seed + 2, scale: scale),
             stop: randomValues(k, seed: seed + 3, scale: scale))
    }

    /// Every path with its probability under the CRF (`softmax: false`) or the independent softmax.
    func enumerate(_ c: Case, softmax: Bool) -> [([Int], Double)] {
        var paths: [([Int], Double)] = []
        var path = [Int](repeating: 0, count: c.length)
        while true {
            var s = 0.0
            if softmax {
                for (t, y) in path.enumerated() {
                    let row = (0..<c.k).map { Double(c.emissions[t * c.k + $0]) }
                    let norm = log(row.map { exp($0) }.reduce(0, +))
                    s += row[y] - norm
                }
            } else {
                s = Double(c.start[path[0]]) + Double(c.stop[path[c.length - 1]])
                for (t, y) in path.enumerated() { s += Double(c.emissions[t * c.k + y]) }
                for t in 1..<c.length { s += Double(c.transitions[path[t - 1] * c.k + path[t]]) }
            }
            paths.append((path, s))
            var i = c.length - 1
            while i >= 0 && path[i] == c.k - 1 { path[i] = 0; i -= 1 }
            if i < 0 { break }
            path[i] += 1
        }
        XCTAssertEqual(paths.count, Int(pow(Double(c.k), Double(c.length))))
        let top = paths.map(\.1).max()!
        let logZ = top + log(paths.map { exp($0.1 - top) }.reduce(0, +))
        return paths.map { ($0.0, exp($0.1 - logZ)) }
    }

    func check(_ posterior: TagPosterior, _ c: Case, softmax: Bool, seed: UInt64) {
        let paths = enumerate(c, softmax: softmax)
        for t in 0..<c.length {
            for k in 0..<c.k {
                let want = paths.filter { $0.0[t] == k }.map(\.1).reduce(0, +)
                XCTAssertEqual(posterior.marginal(position: t, tag: k), want, accuracy: 1e-9, "K=\(c.k) L=\(c.length) t=\(t) k=\(k)")
            }
        }
        var rng = SplitMix64(seed: seed)
        for start in 0..<c.length {
            for end in (start + 1)...c.length {
                for _ in 0..<3 {
                    let tags = (0..<c.length).map { _ in Int32(rng.next() % UInt64(c.k)) }
                    let before = (0..<c.k).map { _ in rng.next() % 3 != 0 }
                    let after = (0..<c.k).map { _ in rng.next() % 3 != 0 }
                    let want = paths.filter { path, _ in
                        (start..<end).allSatisfy { path[$0] == Int(tags[$0]) }
                            && (start == 0 || before[path[start - 1]]) && (end == c.length || after[path[end]])
                    }.map(\.1).reduce(0, +)
                    let got = posterior.spanProbability(tags: tags, start: start, end: end, before: before, after: after)
                    XCTAssertEqual(got, want, accuracy: 1e-9, "K=\(c.k) L=\(c.length) span \(start)..<\(end)")
                    let unmasked = paths.filter { path, _ in (start..<end).allSatisfy { path[$0] == Int(tags[$0]) } }.map(\.1)
                    XCTAssertEqual(posterior.spanProbability(tags: tags, start: start, end: end, before: nil, after: nil),
                                   unmasked.reduce(0, +), accuracy: 1e-9)
                }
            }
        }
    }

    func testCRFPosteriorMatchesBruteForce() {
        for k in 3...5 {
            for length in 1...5 where Int(pow(Double(k), Double(length))) <= 3125 {
                let c = makeCase(k: k, length: length, seed: UInt64(100 * k + length))
                let posterior = CRFPosterior(emissions: c.emissions[...], length: length, transitions: c.transitions,
                                             start: c.start, stop: c.stop)
                check(posterior, c, softmax: false, seed: UInt64(k * 7 + length))
            }
        }
    }

    func testSoftmaxPosteriorMatchesBruteForce() {
        for k in 3...5 {
            for length in 1...4 {
                let c = makeCase(k: k, length: length, seed: UInt64(300 * k + length))
                check(SoftmaxPosterior(logits: c.emissions[...], length: length, tagCount: k), c, softmax: true, seed: UInt64(k + length))
            }
        }
    }

    /// A span excluded by its masks has probability 0, not NaN; the decoded path's span is positive.
    func testEmptyMasksGiveZero() {
        let c = makeCase(k: 3, length: 4, seed: 5)
        let posterior = CRFPosterior(emissions: c.emissions[...], length: 4, transitions: c.transitions, start: c.start, stop: c.stop)
        let none = [false, false, false]
        XCTAssertEqual(posterior.spanProbability(tags: [0, 1, 2, 0], start: 1, end: 3, before: none, after: nil), 0)
        XCTAssertEqual(posterior.spanProbability(tags: [0, 1, 2, 0], start: 1, end: 3, before: nil, after: none), 0)
        XCTAssertGreaterThan(posterior.spanProbability(tags: [0, 1, 2, 0], start: 0, end: 4, before: none, after: none), 0)
    }

    /// A long sentence with large scores: finite, rows sum to 1, and equal to the CRF layer's own
    /// forward–backward marginals (Float kernels).
    func testLongSentenceIsStableAndAgreesWithTheLayer() {
        let k = 9, length = 400
        let store = ParameterStore()
        var rng = SplitMix64(seed: 3)
        let crf = CRF(tagCount: k, name: "crf", store: store, rng: &rng)
        store.setScalars(randomValues(k * k, seed: 4, scale: 20), of: crf.transitions)
        store.setScalars(randomValues(k, seed: 5, scale: 20), of: crf.start)
        store.setScalars(randomValues(k, seed: 6, scale: 20), of: crf.stop)
        let emissions = Tensor(shape: [2, length, k], scalars: randomValues(2 * length * k, seed: 7, scale: 30))
        let lengths = [length, length / 2]
        let posteriors = crf.posteriors(emissions: emissions, lengths: lengths)
        let layer = crf.marginals(emissions: emissions, lengths: lengths).scalars
        for (b, posterior) in posteriors.enumerated() {
            XCTAssertTrue(posterior.logPartition.isFinite)
            for t in 0..<lengths[b] {
                var sum = 0.0
                for j in 0..<k {
                    let p = posterior.marginal(position: t, tag: j)
                    XCTAssertTrue(p.isFinite && p >= 0 && p <= 1 + 1e-12)
                    XCTAssertEqual(p, Double(layer[(b * length + t) * k + j]), accuracy: 1e-4)
                    sum += p
                }
                XCTAssertEqual(sum, 1, accuracy: 1e-6)
            }
            let tags = crf.viterbi(emissions: emissions, lengths: lengths)[b]
            let span = posterior.spanProbability(tags: tags, start: 10, end: 20, before: nil, after: nil)
            XCTAssertTrue(span.isFinite && span > 0 && span <= 1)
        }
    }
}
