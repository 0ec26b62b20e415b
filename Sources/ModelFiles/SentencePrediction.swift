import CoNLL
import Foundation
import TextIO

/// One sentence's predictions for output: per task its tags (IOB2 for span tasks), and with
/// confidence each token's probability of its tag and the spans with their scores.
public struct SentencePrediction: Equatable {
    /// One task's part.
    public struct Task: Equatable {
        public var name: String
        public var tags: [String]
        /// Empty without confidence.
        public var probabilities: [Double]
        /// Nil for tasks without spans or without confidence.
        public var spans: [PredictedSpan]?
        /// A classification task: `tags` holds the sentence's one label, `probabilities` its probability.
        public var sentenceLevel = false
        /// A dependency task: each of `tags` is a word's `HEAD<TAB>DEPREL`, `probabilities` each
        /// relation's probability at its head.
        public var dependency = false
    }

    public var tokens: [String]
    public var tasks: [Task]

    /// The `# columns = token ner pos` line that starts CoNLL output: the column names, in order.
    public static func conllHeader(taskNames: [String]) -> String {
        "# columns = " + (["token"] + taskNames).joined(separator: " ") + "\n"
    }

    /// `# task = label` and `# task.probability = p` per classification task, then
    /// `token<TAB>tag of task 1<TAB>...` per token (the other tasks; a dependency task's two
    /// columns HEAD and DEPREL), then a blank line.
    public var conll: String {
        var out = ""
        for task in tasks where task.sentenceLevel {
            out += "# \(task.name) = \(task.tags.first ?? "")\n"
            if let p = task.probabilities.first { out += "# \(task.name).probability = \(Self.number(p))\n" }
        }
        for (j, token) in tokens.enumerated() {
            out += token
            for task in tasks where !task.sentenceLevel { out += "\t" + task.tags[j] }
            out += "\n"
        }
        return out + "\n"
    }

    /// One JSON line: `{"tokens": [...], "<task>": {"tags": [...], "probabilities": [...],
    /// "spans": [{"type", "start", "end", "text", "char_start", "char_end", "score"}]}, ...}`, tasks in
    /// the model's order; `probabilities` and `spans` only with confidence, `spans` only for span tasks.
    /// A classification task writes `"<task>": {"label": "...", "probability": p}`, a dependency task
    /// `"<task>": {"heads": [2, 0, ...], "relations": ["nsubj", "root", ...], "probabilities": [...]}`
    /// (each word's head, 0 the root, its relation, and with confidence the relation's probability).
    /// Numbers are printed with 6 decimals, trailing zeros dropped.
    public var jsonLine: String {
        var out = "{\"tokens\":"
        Self.appendArray(tokens, to: &out)
        for task in tasks {
            out += ","
            appendJSONString(task.name, to: &out)
            if task.sentenceLevel {
                out += ":{\"label\":"
                appendJSONString(task.tags.first ?? "", to: &out)
                out += ",\"probability\":" + Self.number(task.probabilities.first ?? 0) + "}"
                continue
            }
            if task.dependency {
                let parts = task.tags.map(TaskInfo.dependencyParts)
                out += ":{\"heads\":[" + parts.map { String($0.head) }.joined(separator: ",") + "],\"relations\":"
                Self.appendArray(parts.map(\.relation), to: &out)
                if !task.probabilities.isEmpty {
                    out += ",\"probabilities\":[" + task.probabilities.map(Self.number).joined(separator: ",") + "]"
                }
                out += "}"
                continue
            }
            out += ":{\"tags\":"
            Self.appendArray(task.tags, to: &out)
            if !task.probabilities.isEmpty {
                out += ",\"probabilities\":[" + task.probabilities.map(Self.number).joined(separator: ",") + "]"
            }
            if let spans = task.spans {
                out += ",\"spans\":["
                for (i, span) in spans.enumerated() {
                    out += (i == 0 ? "" : ",") + "{\"type\":"
                    appendJSONString(span.type, to: &out)
                    out += ",\"start\":\(span.start),\"end\":\(span.end),\"text\":"
                    appendJSONString(span.text, to: &out)
                    out += ",\"char_start\":\(span.charStart.map(String.init) ?? "null"),\"char_end\":\(span.charEnd.map(String.init) ?? "null")"
                    out += ",\"score\":" + Self.number(span.score) + "}"
                }
                out += "]"
            }
            out += "}"
        }
        return out + "}\n"
    }

    /// `x` with 6 decimals, trailing zeros (and a bare point) dropped: `1`, `0.5`, `0.999987`.
    static func number(_ x: Double) -> String {
        var s = String(format: "%.6f", x)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    static func appendArray(_ items: [String], to out: inout String) {
        out += "["
        for (i, item) in items.enumerated() {
            if i > 0 { out += "," }
            appendJSONString(item, to: &out)
        }
        out += "]"
    }
}
