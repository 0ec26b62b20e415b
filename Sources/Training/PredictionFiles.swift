import CoNLL
import Foundation
import ModelFiles

/// The predictions of one split for the tasks of one corpus, written as
/// `predictions/<split>.<task>.conll`, one file per task in the layout conlleval reads:
///
///     token gold predicted      (single spaces, a token per line, a blank line after each sentence)
///
/// Tags are in the evaluated form (IOB2 for span tasks, as the corpus writes them otherwise).
/// Whitespace inside a token (a CoNLL-U form may hold a space) becomes `_`, so every line has
/// exactly three fields. A sentence without the task's labels (its column all `_`) is not written
/// to that task's file, as it is not scored. A classification task's file has one line per sentence:
/// its words joined by `_`, the gold and the predicted label. A dependency task's file has per word
/// `token goldHEAD goldDEPREL predictedHEAD predictedDEPREL`, for the sentences with gold heads.
struct PredictionFiles {
    let split: String
    let tasks: [TaskInfo]
    /// The text of each task's file so far.
    private(set) var texts: [String]

    init(split: String, tasks: [TaskInfo]) {
        self.split = split
        self.tasks = tasks
        texts = [String](repeating: "", count: tasks.count)
    }

    /// The file of `task` in `folder`.
    static func url(split: String, task: String, in folder: URL) -> URL {
        folder.appendingPathComponent("\(split).\(task).conll")
    }

    /// Adds one sentence with its predicted tags (one list per task, in `tasks` order).
    mutating func add(_ sentence: Sentence, predicted: [[String]]) {
        precondition(predicted.count == tasks.count, "\(predicted.count) predicted tag lists for \(tasks.count) tasks")
        for (i, task) in tasks.enumerated() {
            guard let raw = sentence.labels[task.label] else { continue }
            let gold = task.goldTags(raw)
            if task.taskKind.isSentenceLevel {
                // one line per sentence: its words joined by `_`, the gold and the predicted label
                precondition(gold.count == 1 && predicted[i].count == 1, "\(gold.count) gold and \(predicted[i].count) predicted sentence labels")
                texts[i] += Self.field(sentence.tokens.joined(separator: " ")) + " " + Self.field(gold[0]) + " " + Self.field(predicted[i][0]) + "\n"
                continue
            }
            precondition(gold.count == sentence.count && predicted[i].count == sentence.count,
                         "\(sentence.count) tokens, \(gold.count) gold and \(predicted[i].count) predicted tags")
            if task.taskKind == .dependency {
                guard let heads = sentence.labels[TaskInfo.headLabel] else { continue }
                for (t, token) in sentence.tokens.enumerated() {
                    let system = TaskInfo.dependencyParts(predicted[i][t])
                    texts[i] += Self.field(token) + " " + heads[t] + " " + gold[t] + " \(system.head) " + system.relation + "\n"
                }
                texts[i] += "\n"
                continue
            }
            for (t, token) in sentence.tokens.enumerated() {
                texts[i] += Self.field(token) + " " + gold[t] + " " + predicted[i][t] + "\n"
            }
            texts[i] += "\n"
        }
    }

    /// Writes every task's file into `folder` (each replaced atomically).
    func write(to folder: URL) throws {
        for (i, task) in tasks.enumerated() {
            let url = Self.url(split: split, task: task.name, in: folder)
            do {
                try Data(texts[i].utf8).write(to: url, options: .atomic)
            } catch {
                throw TrainingError.cannotWrite(url.path, reason: "\(error)")
            }
        }
    }

    /// `token` with every whitespace character replaced by `_` (one field of a space-separated line).
    static func field(_ token: String) -> String {
        token.contains(where: \.isWhitespace) ? String(token.map { $0.isWhitespace ? "_" : $0 }) : token
    }
}
