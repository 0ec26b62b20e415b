import CoNLL
import Foundation
import Layers

/// What decoding one piece of a sentence gives, per task: the head's tag ids and, with confidence,
/// each token's probability of its tag and the score of each span the tags hold (in the order
/// `spans(_:scheme:)` reads them from the head's tags). Sent from the rank that decoded it to rank 0
/// as bytes (`encode`/`init(bytes:)`, values kept bit for bit).
public struct PiecePrediction: Equatable, Sendable {
    /// Per task: the head's tag ids.
    public var tags: [[Int32]]
    /// Per task: `P(y_t = tags[t] | x)` for each token (empty without confidence).
    public var probabilities: [[Double]]
    /// Per task: the spans' scores (`TagPosterior.spanProbability`; empty for tasks without spans).
    public var spanScores: [[Double]]

    public init(tags: [[Int32]], probabilities: [[Double]], spanScores: [[Double]]) {
        self.tags = tags
        self.probabilities = probabilities
        self.spanScores = spanScores
    }

    /// The prediction of one piece for `task` from its tags and posterior: the probability of each
    /// decoded tag is its marginal (`TagPosterior.marginal`, the head's own tag: `S-PER` for a
    /// printed `B-PER` of a head trained on BIOES), and a span's score the posterior probability that
    /// exactly that labelled segment appears, with the tags decoded and boundaries that keep it a
    /// span (`TagPosterior`, `spanBoundaryMasks`).
    /// A parser's tags are its words' heads then their relations, and its posterior is over each
    /// word's relations at its decoded head: the probability of a word is that of its relation.
    static func confidence(task: TaskInfo, tags: [Int32], posterior: TagPosterior) -> (probabilities: [Double], spanScores: [Double]) {
        if task.taskKind == .dependency {
            let n = tags.count / 2
            return ((0..<n).map { posterior.marginal(position: $0, tag: Int(tags[n + $0])) }, [])
        }
        let probabilities = tags.indices.map { posterior.marginal(position: $0, tag: Int(tags[$0])) }
        guard task.metric == .spanF1 else { return (probabilities, []) }
        let labels = task.labels.entries
        let names = tags.map { labels[Int($0)] }
        let scheme = task.headScheme
        let scores = spans(names, scheme: scheme).map { span -> Double in
            let masks = spanBoundaryMasks(of: span, tags: names, labels: labels, scheme: scheme)
            return posterior.spanProbability(tags: tags, start: span.start, end: span.end, before: masks.before, after: masks.after)
        }
        return (probabilities, scores)
    }

    /// The bytes of `predictions` keyed by piece index: little-endian counts, ids and Double bit patterns.
    static func encode(_ predictions: [Int: PiecePrediction]) -> [UInt8] {
        var out: [UInt8] = []
        func put(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        put(UInt64(predictions.count))
        for (piece, p) in predictions.sorted(by: { $0.key < $1.key }) {
            put(UInt64(piece))
            put(UInt64(p.tags.count))
            for i in p.tags.indices {
                for list in [p.tags[i].map { UInt64(UInt32(bitPattern: $0)) }, p.probabilities[i].map(\.bitPattern),
                             p.spanScores[i].map(\.bitPattern)] {
                    put(UInt64(list.count))
                    for v in list { put(v) }
                }
            }
        }
        return out
    }

    /// Reads what `encode` wrote, for a block of `pieces` pieces. Throws `ModelError.transfer` when
    /// the bytes are cut short, a count exceeds them, or a piece index is not one of the block's (a
    /// broken transfer, not user input). A piece index is no count: a rank that decoded one batch late
    /// in the block sends few bytes and high indices.
    static func decode(_ bytes: [UInt8], pieces: Int) throws -> [Int: PiecePrediction] {
        var at = 0
        func next() throws -> UInt64 {
            guard at + 8 <= bytes.count else { throw ModelError.transfer("piece predictions cut short at byte \(at) of \(bytes.count)") }
            var v: UInt64 = 0
            for k in 0..<8 { v |= UInt64(bytes[at + k]) << (8 * UInt64(k)) }
            at += 8
            return v
        }
        func count() throws -> Int {
            let n = try next()
            guard n <= UInt64(bytes.count / 8) else { throw ModelError.transfer("count \(n) exceeds the \(bytes.count) bytes received") }
            return Int(n)
        }
        var result: [Int: PiecePrediction] = [:]
        for _ in 0..<(try count()) {
            let index = try next()
            guard index < UInt64(max(pieces, 0)) else {
                throw ModelError.transfer("piece \(index) is not one of the block's \(pieces)")
            }
            let piece = Int(index)
            var p = PiecePrediction(tags: [], probabilities: [], spanScores: [])
            for _ in 0..<(try count()) {
                p.tags.append(try (0..<(try count())).map { _ in Int32(bitPattern: UInt32(truncatingIfNeeded: try next())) })
                p.probabilities.append(try (0..<(try count())).map { _ in Double(bitPattern: try next()) })
                p.spanScores.append(try (0..<(try count())).map { _ in Double(bitPattern: try next()) })
            }
            result[piece] = p
        }
        return result
    }
}

extension TaskInfo {
    /// The scheme of the head's own tags: `trainScheme` for span tasks trained on another scheme,
    /// else the corpus's (IOB2 when unknown).
    public var headScheme: TagScheme { trainScheme ?? inputScheme ?? .iob2 }
}
