import Collective
import CoNLL
import MultiTask

/// How well a task's token probabilities match how often its tags are right, from raw counts that
/// sum across ranks.
///
/// Each token scored contributes its **confidence** `p`, the probability the head gives the tag it
/// decoded (`PiecePrediction.confidence`: the CRF marginal, or the softmax), and whether that tag
/// is **correct** (equal to the gold tag, both in the head's own scheme: BIOES for a head trained on
/// it). Tokens fall into `B` equal-width bins, bin `b` holding `b/B ≤ p < (b+1)/B` (`p = 1` in the
/// last). The **expected calibration error** is
/// `ECE = Σ_b (n_b / N) · |acc_b − conf_b|`, with `n_b` the bin's tokens, `acc_b` the share of them
/// correct and `conf_b` their mean confidence (Guo et al. 2017, "On Calibration of Modern Neural
/// Networks", §2; Naeini et al. 2015). 0 is perfect calibration.
public struct Calibration: Equatable, Sendable {
    /// B, the number of bins.
    public let binCount: Int
    /// Per bin: tokens, summed confidence, correct tokens.
    public private(set) var counts: [Double]
    public private(set) var confidenceSums: [Double]
    public private(set) var correct: [Double]

    /// Empty counts over `bins` bins (1...1000).
    public init(bins: Int) {
        precondition((1...1000).contains(bins), "\(bins) calibration bins")
        binCount = bins
        counts = [Double](repeating: 0, count: bins)
        confidenceSums = counts
        correct = counts
    }

    /// Counts one token of confidence `p` in `0...1`.
    public mutating func add(confidence p: Double, correct isCorrect: Bool) {
        let b = min(max(Int(p * Double(binCount)), 0), binCount - 1)
        counts[b] += 1
        confidenceSums[b] += p
        if isCorrect { correct[b] += 1 }
    }

    /// N, the tokens counted.
    public var total: Double { counts.reduce(0, +) }

    /// The expected calibration error defined above (0 with no token).
    public var expectedCalibrationError: Double {
        let n = total
        guard n > 0 else { return 0 }
        var ece = 0.0
        for b in 0..<binCount where counts[b] > 0 {
            ece += counts[b] / n * abs(correct[b] / counts[b] - confidenceSums[b] / counts[b])
        }
        return ece
    }

    /// The counts summed over all ranks. Collective.
    public func summed(over communicator: Communicator) throws -> Calibration {
        let all = try communicator.sum(counts + confidenceSums + correct)
        var result = Calibration(bins: binCount)
        result.counts = Array(all[0..<binCount])
        result.confidenceSums = Array(all[binCount..<(2 * binCount)])
        result.correct = Array(all[(2 * binCount)...])
        return result
    }

    /// `{"ece", "tokens", "bins": [{"lower", "upper", "tokens", "confidence", "accuracy"}]}`.
    public var json: [String: Any] {
        var bins: [[String: Any]] = []
        for b in 0..<binCount {
            let n = counts[b]
            let confidence: Double = n > 0 ? confidenceSums[b] / n : 0
            let accuracy: Double = n > 0 ? correct[b] / n : 0
            var bin: [String: Any] = ["tokens": Int(n), "confidence": confidence, "accuracy": accuracy]
            bin["lower"] = Double(b) / Double(binCount)
            bin["upper"] = Double(b + 1) / Double(binCount)
            bins.append(bin)
        }
        return ["ece": expectedCalibrationError, "tokens": Int(total), "bins": bins]
    }
}

extension Evaluator {
    /// The calibration of each task in `taskIndices` on `sentences` (those carrying its labels),
    /// decoded as `evaluate` decodes (rank r takes sentences r, r+W, …; counts summed over ranks).
    public static func calibration(model: MultiTaskModel, encoder: TextEncoder, sentences: [Sentence], taskIndices: [Int],
                                   communicator: Communicator, bins: Int, batchSize: Int = 64) throws -> [Calibration] {
        let mine = Swift.stride(from: communicator.rank, to: sentences.count, by: communicator.worldSize).map { sentences[$0] }
        let plan = DecodingPlan(lengths: mine.map(\.count), batchSize: batchSize, tokenBudget: defaultTokenBudget)
        var result = taskIndices.map { _ in Calibration(bins: bins) }
        var unknown: [String: Int] = [:]
        for chunk in plan.batches {
            let batch = BatchBuilder.inference(chunk.map { p in
                let piece = plan.pieces[p]
                return encoder.encode(Sentence(tokens: Array(mine[piece.sentence].tokens[piece.tokens]), source: mine[piece.sentence].source),
                                      taskIndices: [], unknownLabels: &unknown)
            }, packing: encoder.subwordPacking)
            let decoded = try model.predictWithPosteriors(batch, taskIndices: taskIndices)
            for (r, p) in chunk.enumerated() {
                let piece = plan.pieces[p]
                for (i, t) in taskIndices.enumerated() {
                    let task = encoder.tasks[t]
                    guard let raw = mine[piece.sentence].labels[task.label] else { continue }
                    // a sentence task's one label comes from the sentence's first piece
                    let sentenceLevel = task.taskKind.isSentenceLevel
                    if sentenceLevel && piece.tokens.lowerBound > 0 { continue }
                    let gold = task.trainingTags(raw, forms: mine[piece.sentence].tokens)
                    let (tags, posterior) = decoded[i][r]
                    if task.taskKind == .dependency {
                        // a parser's confidence: its relation's probability at the decoded head; correct: head and relation
                        guard let heads = mine[piece.sentence].labels[TaskInfo.headLabel] else { continue }
                        let n = tags.count / 2, offset = piece.tokens.lowerBound
                        for j in 0..<n {
                            let relation = Int(tags[n + j]), head = tags[j] == 0 ? 0 : Int(tags[j]) + offset
                            result[i].add(confidence: posterior.marginal(position: j, tag: relation),
                                          correct: heads[offset + j] == String(head) && task.labels[relation] == gold[offset + j])
                        }
                        continue
                    }
                    let labels = task.labels.entries, offset = sentenceLevel ? 0 : piece.tokens.lowerBound
                    for (j, tag) in tags.enumerated() {
                        result[i].add(confidence: posterior.marginal(position: j, tag: Int(tag)),
                                      correct: labels[Int(tag)] == gold[offset + j])
                    }
                }
            }
        }
        return try result.map { try $0.summed(over: communicator) }
    }
}
