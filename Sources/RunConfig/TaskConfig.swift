import CoNLL
import MultiTask
import Yams

/// One task of a run config (`tasks.<name>` in YAML): which corpus and label column it learns, its head,
/// metric and loss weight. Every key but `label` (and `corpus` when there are several corpora) has a
/// default. The total loss is `Σ_task loss_weight · (task loss summed over its sentences / its sentence count)`.
public struct TaskConfig: Codable, Equatable {
    // The keys, in YAML order; what each means is in `meanings` below.
    public var corpus: String
    public var label: String
    public var head = HeadKind.crf
    public var hidden = 256
    public var metric = TaskMetric.spanF1
    public var lossWeight = 1.0
    public var inputScheme = TagScheme.iob2
    public var trainScheme = TagScheme.bioes

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case corpus, label, head, hidden, metric, lossWeight = "loss_weight", inputScheme = "input_scheme"
        case trainScheme = "train_scheme"
    }
}

extension TaskConfig: ConfigSection {
    /// What each key means: the text `mtl-dist config reference` and docs/CONFIG.md print beside
    /// its type and default (the one place it is written).
    static let meanings: [CodingKeys: String] = [
        .corpus:
            "Name of the corpus the task reads (may be left out when there is exactly one corpus).",
        .label:
            "A label column of that corpus (`ner`), or a label of its format (`upos` for CoNLL-U).",
        .head:
            "Output layer: `crf` or `softmax`.",
        .hidden:
            "Hidden size per direction of the head's own BiLSTM (>= 0); 0 = none.",
        .metric:
            "Evaluation metric: `span_f1` or `accuracy`.",
        .lossWeight:
            "Weight of the task's loss in the sum (> 0).",
        .inputScheme:
            "How the file writes the tags: `iob1`, `iob2` or `bioes` (span_f1 tasks only).",
        .trainScheme:
            "What the head is trained on: `iob1`, `iob2` or `bioes` (span_f1 tasks only).",
    ]
    static let defaults = TaskConfig(corpus: "", label: "")
    static let required: [CodingKeys: String] = [.label: "a label column of the task's corpus",
                                                  .corpus: "the name of a corpus under corpora (required when there are several corpora)"]

    /// `corpus` may be left out when there is exactly one corpus.
    static func dependentDefaults(written: [String: Node], soleCorpus: String?) -> [String: Node] {
        soleCorpus.map { [CodingKeys.corpus.stringValue: Node($0)] } ?? [:]
    }

    /// The ranges; whether `corpus` and `label` name a corpus and one of its labels is checked by `TrainConfig`.
    func validate(_ rules: ConfigRules<CodingKeys>) throws {
        try rules.integer(.hidden, hidden, atLeast: 0, hint: "set \(rules.keyPath(.hidden)) to a size >= 0 (0 = no head BiLSTM).")
        try rules.number(.lossWeight, lossWeight, .positive,
                         hint: "set \(rules.keyPath(.lossWeight)) > 0; remove the task to stop training it.")
    }
}
