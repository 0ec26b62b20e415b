import Collective
import CoNLL
import Foundation
import MultiTask
import Parsing
import RunConfig

/// The score of one task on one split, from raw counts that sum across ranks.
public struct TaskEvaluation: Equatable {
    public let task: String
    public let metric: TaskInfo.Metric
    /// Span counts per type (span tasks).
    public let spans: SpanEvaluation?
    /// Token counts (accuracy tasks, and token accuracy of span tasks; lemma accuracy of lemma
    /// tasks); sentence counts of classification tasks.
    public let tokens: AccuracyCounts
    /// Per-label counts of a classification task (nil for the others).
    public var labels: LabelCounts? = nil
    /// A dependency task's attachment counts on universal relations (the CoNLL 2018 script's LAS),
    /// and with subtypes (nil for the other tasks).
    public var attachment: (universal: AttachmentScore, withSubtypes: AttachmentScore)? = nil

    /// Equal task, metric and counts (written out: `attachment` is a tuple).
    public static func == (a: TaskEvaluation, b: TaskEvaluation) -> Bool {
        a.task == b.task && a.metric == b.metric && a.spans == b.spans && a.tokens == b.tokens && a.labels == b.labels
            && a.attachment?.universal == b.attachment?.universal && a.attachment?.withSubtypes == b.attachment?.withSubtypes
    }

    /// The task's main score: micro F1 for span tasks, macro-F1 for classification tasks scored by
    /// it, LAS for dependency tasks, accuracy otherwise (fractions in [0, 1]).
    public var mainScore: Double {
        switch metric {
        case .spanF1: return spans?.f1 ?? 0
        case .macroF1: return labels?.macroF1 ?? 0
        case .las: return attachment?.universal.las ?? 0
        case .accuracy: return tokens.accuracy
        }
    }

    /// One line part for the log: `ner F1 91.20`, `upos acc 95.10`, `genre acc 80.00 macro-F1 71.00`,
    /// `deps LAS 80.10 UAS 84.00`.
    public var summary: String {
        if let attachment {
            return String(format: "%@ LAS %.2f UAS %.2f", task, 100 * attachment.universal.las, 100 * attachment.universal.uas)
        }
        if let labels {
            return String(format: "%@ acc %.2f macro-F1 %.2f", task, 100 * tokens.accuracy, 100 * labels.macroF1)
        }
        return metric == .spanF1 ? String(format: "%@ F1 %.2f", task, 100 * mainScore) : String(format: "%@ acc %.2f", task, 100 * mainScore)
    }

    /// The JSON form used by `evaluate --json` and `metrics.jsonl`.
    public var json: [String: Any] {
        if let attachment {
            return ["las": attachment.universal.las, "uas": attachment.universal.uas, "las_with_subtypes": attachment.withSubtypes.las,
                    "words": attachment.universal.words]
        }
        if let labels {
            var perLabel: [String: Any] = [:]
            for label in labels.labels {
                let c = labels.counts[label]!
                perLabel[label] = ["f1": labels.f1(of: label), "tp": c.tp, "fp": c.fp, "fn": c.fn]
            }
            return ["accuracy": tokens.accuracy, "macro_f1": labels.macroF1, "sentences": tokens.total, "per_label": perLabel]
        }
        guard metric == .spanF1, let spans else { return ["accuracy": tokens.accuracy, "tokens": tokens.total] }
        var perType: [String: Any] = [:]
        for type in spans.types {
            let c = spans.counts(for: type)
            perType[type] = ["f1": c.f1, "precision": c.precision, "recall": c.recall,
                             "tp": c.truePositives, "fp": c.falsePositives, "fn": c.falseNegatives]
        }
        return ["f1": spans.f1, "precision": spans.precision, "recall": spans.recall,
                "per_type": perType, "token_accuracy": tokens.accuracy]
    }
}

/// Evaluates tasks on sentences split over the ranks: rank r decodes sentences r, r+W, r+2W, …
/// (no padded duplicates), and the raw counts are summed, so the scores equal a single
/// process's exactly.
public enum Evaluator {
    /// Decodes `sentences` for every task in `taskIndices` and scores them against their gold labels;
    /// a sentence without a task's labels (its column all `_`) is not scored for that task.
    /// `observe(sentenceIndex, predictedTagsPerTask)` sees this rank's predictions in sentence order
    /// (IOB2 for span tasks, one label for a classification task, lemmas for a lemma task,
    /// `HEAD<TAB>DEPREL` per word for a dependency task), so a caller can write them without
    /// decoding twice. A dependency task is scored by `AttachmentScore` on the sentences with heads.
    public static func evaluate(model: MultiTaskModel, encoder: TextEncoder, sentences: [Sentence],
                                taskIndices: [Int], communicator: Communicator, batchSize: Int = 64,
                                observe: ((Int, [[String]]) throws -> Void)? = nil) throws -> [TaskEvaluation] {
        let mine = Swift.stride(from: communicator.rank, to: sentences.count, by: communicator.worldSize).map { $0 }
        var spanCounts = [SpanEvaluation](repeating: SpanEvaluation(), count: taskIndices.count)
        var tokenCounts = [AccuracyCounts](repeating: AccuracyCounts(), count: taskIndices.count)
        var labelCounts = [LabelCounts](repeating: LabelCounts(), count: taskIndices.count)
        var attachments = [(universal: AttachmentScore, withSubtypes: AttachmentScore)](
            repeating: (AttachmentScore(), AttachmentScore()), count: taskIndices.count)
        try forEachPrediction(model: model, encoder: encoder, sentences: sentences, indices: mine,
                              taskIndices: taskIndices, batchSize: batchSize) { s, predicted in
            try observe?(s, predicted)
            for (i, t) in taskIndices.enumerated() {
                let task = encoder.tasks[t]
                // a sentence unannotated for the task (its column all _) is not scored for it
                guard let raw = sentences[s].labels[task.label] else { continue }
                if task.taskKind == .dependency {
                    guard let heads = sentences[s].labels[TaskInfo.headLabel] else { continue }
                    let system = predicted[i].map(TaskInfo.dependencyParts)
                    for match in [AttachmentScore.RelationMatch.universal, .withSubtypes] {
                        var score = AttachmentScore()
                        score.add(goldHeads: heads.map { Int($0) ?? -1 }, goldRelations: raw, systemHeads: system.map(\.head),
                                  systemRelations: system.map(\.relation), relations: match)
                        if match == .universal { attachments[i].universal += score } else { attachments[i].withSubtypes += score }
                    }
                    continue
                }
                // a lemma task compares lemmas: a gold script outside the dictionary cannot be predicted
                let gold = task.goldTags(raw)
                tokenCounts[i].add(gold: gold, predicted: task.scored(predicted[i], gold: gold))
                if task.metric == .spanF1 { spanCounts[i].add(gold: gold, predicted: predicted[i], scheme: .iob2) }
                if task.taskKind == .classification { labelCounts[i].add(gold: gold[0], predicted: predicted[i][0]) }
            }
        }
        // sum the raw counts over ranks; span types agreed from the whole split's gold and the dictionary
        var results: [TaskEvaluation] = []
        for (i, t) in taskIndices.enumerated() {
            let task = encoder.tasks[t]
            var flat = [Double(tokenCounts[i].correct), Double(tokenCounts[i].total)]
            var types: [String] = []
            if task.metric == .spanF1 {
                types = spanTypes(task: task, sentences: sentences)
                flat += spanCounts[i].flatCounts(types: types).map(Double.init)
            }
            // classification: every label of the dictionary and of the split's gold, in one order on every rank
            let classes = task.taskKind == .classification ? sentenceLabels(task: task, sentences: sentences) : []
            flat += labelCounts[i].flatCounts(labels: classes).map(Double.init)
            let (u, w) = attachments[i]
            flat += [u.words, u.correctHeads, u.correctLabelled, w.correctLabelled].map(Double.init)
            let summed = try communicator.sum(flat)
            let tokens = AccuracyCounts(correct: Int(summed[0]), total: Int(summed[1]))
            let spans = task.metric == .spanF1
                ? SpanEvaluation(types: types, flatCounts: summed.dropFirst(2).dropLast(4).map { Int($0) }) : nil
            var result = TaskEvaluation(task: task.name, metric: task.metric, spans: spans, tokens: tokens)
            if task.taskKind == .classification {
                result.labels = LabelCounts(labels: classes, flatCounts: summed.dropFirst(2).dropLast(4).map { Int($0) })
            }
            if task.taskKind == .dependency {
                let c = summed.suffix(4).map { Int($0) }
                result.attachment = (AttachmentScore(words: c[0], correctHeads: c[1], correctLabelled: c[2]),
                                     AttachmentScore(words: c[0], correctHeads: c[1], correctLabelled: c[3]))
            }
            results.append(result)
        }
        return results
    }

    /// Every span type of the task's dictionary and of the split's gold labels, sorted.
    static func spanTypes(task: TaskInfo, sentences: [Sentence]) -> [String] {
        var types = Set<String>()
        for tag in task.labels.entries where tag.count > 2 && tag.dropFirst().first == "-" { types.insert(String(tag.dropFirst(2))) }
        for s in sentences {
            for span in spans(task.goldTags(s.labels[task.label] ?? []), scheme: .iob2) { types.insert(span.type) }
        }
        return types.sorted()
    }

    /// Every label of a classification task's dictionary and of the split's gold sentence labels, sorted.
    static func sentenceLabels(task: TaskInfo, sentences: [Sentence]) -> [String] {
        var labels = Set(task.labels.entries)
        for s in sentences { if let first = s.labels[task.label]?.first { labels.insert(first) } }
        return labels.sorted()
    }

    /// The most tokens of one sentence decoded in one pass. A longer sentence is decoded in
    /// consecutive pieces of at most this many tokens whose tags are joined (a span crossing a piece
    /// boundary is cut there; natural sentences are far shorter). The activations of one batch grow
    /// with batch size × its longest row, so this bounds what any input costs: `predict` on one
    /// 1 M-token line stays at the memory of a batch of 1,000-token rows (see BENCHMARKS.md).
    public static let maxTokensPerPass = 1000

    /// The padded tokens (rows × longest row) of one decoding batch by default. A batch's activations
    /// grow with its padded tokens (about 24 KB each for the shipped BiLSTM-CRF: 4,096 tokens are
    /// about 100 MB), so this, not the number of sentences, is what bounds `predict`'s memory.
    public static let defaultTokenBudget = 4096

    /// Decodes the sentences at `indices` in length-sorted batches (a sentence longer than
    /// `maxTokensPerPass` in pieces) and calls `body(sentenceIndex, predictedTagsPerTask)` for each,
    /// in index order. A batch holds at most `batchSize` pieces and at most `tokenBudget` padded
    /// tokens (pieces × its longest piece; a piece longer than the budget is decoded alone).
    public static func forEachPrediction(model: MultiTaskModel, encoder: TextEncoder, sentences: [Sentence],
                                         indices: [Int], taskIndices: [Int], batchSize: Int,
                                         tokenBudget: Int = defaultTokenBudget, _ body: (Int, [[String]]) throws -> Void) throws {
        let plan = DecodingPlan(lengths: indices.map { sentences[$0].count }, batchSize: batchSize, tokenBudget: tokenBudget)
        let pieces = plan.pieces.map { (sentence: indices[$0.sentence], tokens: $0.tokens) }
        var predictions = [[[String]]](repeating: [], count: pieces.count)
        var unknown: [String: Int] = [:]
        for chunk in plan.batches {
            let batch = BatchBuilder.inference(chunk.map { p in
                let sentence = sentences[pieces[p].sentence]
                let piece = pieces[p].tokens.count == sentence.count ? sentence
                    : Sentence(tokens: Array(sentence.tokens[pieces[p].tokens]), source: sentence.source)
                return encoder.encode(piece, taskIndices: [], unknownLabels: &unknown)
            }, packing: encoder.subwordPacking)
            let ids = try model.predict(batch, taskIndices: taskIndices)
            for (r, p) in chunk.enumerated() {
                let forms = Array(sentences[pieces[p].sentence].tokens[pieces[p].tokens])
                let offset = pieces[p].tokens.lowerBound
                predictions[p] = taskIndices.indices.map { i in
                    encoder.tasks[taskIndices[i]].predictedTags(ids[i][r], forms: forms, offset: offset)
                }
            }
        }
        // a sentence task's label is its first piece's
        let tokenLevel = taskIndices.map { !encoder.tasks[$0].taskKind.isSentenceLevel }
        var p = 0
        while p < pieces.count {
            let s = pieces[p].sentence
            var tags = predictions[p]
            p += 1
            while p < pieces.count && pieces[p].sentence == s && pieces[p].tokens.lowerBound > 0 {
                for i in tags.indices where tokenLevel[i] { tags[i] += predictions[p][i] }
                p += 1
            }
            try body(s, tags)
        }
    }

    /// The combined selection score: the mean of the tasks' main scores, or one task's.
    public static func mainScore(_ results: [TaskEvaluation], rule: TrainingConfig.MainScore) -> Double {
        switch rule {
        case .mean:
            return results.isEmpty ? 0 : results.map(\.mainScore).reduce(0, +) / Double(results.count)
        case .task(let name):
            return results.first { $0.task == name }?.mainScore ?? 0
        }
    }
}
