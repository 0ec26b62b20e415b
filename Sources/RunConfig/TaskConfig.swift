import CoNLL
import MultiTask
import Yams

/// One task of a run config (`tasks.<name>` in YAML): which corpus and label column it learns, its kind
/// (tagging, sentence classification, lemmas or dependency trees), head, metric and loss weight. Every key but `label` (and `corpus` when there are several corpora) has a
/// default. The total loss is `Σ_task loss_weight · (task loss summed over its sentences / its sentence count)`.
public struct TaskConfig: Codable, Equatable {
    /// What a task predicts, as written in a config: the model's `TaskKind`s.
    public enum Kind: String, Codable, CaseIterable {
        case tagging, classification, lemma, dependency

        /// The model's kind.
        public var taskKind: TaskKind {
            switch self {
            case .tagging: return .tagging
            case .classification: return .classification
            case .lemma: return .lemma
            case .dependency: return .dependency
            }
        }
    }

    // The keys, in YAML order; what each means is in `meanings` below.
    public var corpus: String
    public var label: String
    public var kind = Kind.tagging
    public var head = HeadKind.crf
    public var hidden = 256
    public var pooling: SentencePooling?
    public var arcSize: Int?
    public var relationSize: Int?
    public var metric = TaskMetric.spanF1
    public var lossWeight = 1.0
    public var inputScheme = TagScheme.iob2
    public var trainScheme = TagScheme.bioes

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case corpus, label, kind, head, hidden, pooling, arcSize = "arc_size", relationSize = "relation_size", metric, lossWeight = "loss_weight", inputScheme = "input_scheme"
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
            "A label column of that corpus (`ner`), a label of its format (`upos`, `lemma` for CoNLL-U; `label` for text_label), or one of its sentence labels (`comment_labels`, `sent_id_prefix_label`).",
        .kind:
            "What the task predicts: `tagging` (a tag per token), `classification` (one label per sentence: a column constant over the sentence, a comment label, or a text_label file's label), `lemma` (a lemma per token, as an edit script of the form; label: the lemma column) or `dependency` (a head and a relation per word, biaffine scorers and one-root trees; label: `deprel` of a conllu corpus, heads from its HEAD column).",
        .head:
            "Output layer: `crf` or `softmax` (tagging); `softmax` for classification, lemma and dependency tasks.",
        .hidden:
            "Hidden size per direction of the head's own BiLSTM (>= 0); 0 = none.",
        .pooling:
            "How a classification task pools the tokens into one vector: `mean`, `first` or `attention` (classification only; default mean).",
        .arcSize:
            "Width of a dependency task's arc MLPs, whose outputs the biaffine arc scorer reads (>= 1; dependency only; default 500, Dozat & Manning's).",
        .relationSize:
            "Width of a dependency task's relation MLPs, whose outputs the biaffine relation scorer reads (>= 1; dependency only; default 100).",
        .metric:
            "Evaluation metric: `span_f1` or `accuracy` (tagging); `accuracy` or `macro_f1` (classification; both are reported); `accuracy` (lemma); `las` (dependency: labelled attachment score on universal relations, as the CoNLL 2018 script counts it; UAS and LAS with subtypes are reported beside it). The default is span_f1 for tagging, las for dependency, accuracy otherwise.",
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

    /// `corpus` may be left out when there is exactly one corpus; a classification, lemma or
    /// dependency task's head is a softmax and its metric accuracy (las for dependency), a
    /// classification task pools by the mean, and a dependency task's MLPs are 500 and 100 wide.
    static func dependentDefaults(written: [String: Node], soleCorpus: String?) -> [String: Node] {
        var defaults = soleCorpus.map { [CodingKeys.corpus.stringValue: Node($0)] } ?? [:]
        let kind = written[CodingKeys.kind.stringValue]?.string.flatMap(Kind.init(rawValue:)) ?? .tagging
        guard kind != .tagging else { return defaults }
        defaults[CodingKeys.head.stringValue] = Node(HeadKind.softmax.rawValue)
        defaults[CodingKeys.metric.stringValue] = Node((kind == .dependency ? TaskMetric.las : .accuracy).rawValue)
        if kind == .classification { defaults[CodingKeys.pooling.stringValue] = Node(SentencePooling.mean.rawValue) }
        if kind == .dependency {
            defaults[CodingKeys.arcSize.stringValue] = Node(String(TaskConfig.defaultArcSize))
            defaults[CodingKeys.relationSize.stringValue] = Node(String(TaskConfig.defaultRelationSize))
        }
        return defaults
    }

    /// The metrics a task of `kind` may be scored by.
    static func metrics(of kind: Kind) -> [TaskMetric] {
        switch kind {
        case .tagging: return [.spanF1, .accuracy]
        case .classification: return [.accuracy, .macroF1]
        case .lemma: return [.accuracy]
        case .dependency: return [.las]
        }
    }

    /// Dozat & Manning's MLP widths, the defaults of `arc_size` and `relation_size`.
    public static let defaultArcSize = 500, defaultRelationSize = 100

    /// The ranges; whether `corpus` and `label` name a corpus and one of its labels is checked by `TrainConfig`.
    func validate(_ rules: ConfigRules<CodingKeys>) throws {
        try rules.integer(.hidden, hidden, atLeast: 0, hint: "set \(rules.keyPath(.hidden)) to a size >= 0 (0 = no head BiLSTM).")
        try rules.number(.lossWeight, lossWeight, .positive,
                         hint: "set \(rules.keyPath(.lossWeight)) > 0; remove the task to stop training it.")
        try rules.check(kind == .tagging || head == .softmax, .head, found: "\(head.rawValue) for kind \(kind.rawValue)",
                        allowed: "softmax (a CRF scores tag sequences; a \(kind.rawValue) task has none)",
                        hint: "set \(rules.keyPath(.head)): softmax, or remove the key.")
        try rules.check(pooling == nil || kind == .classification, .pooling, found: "\(pooling?.rawValue ?? "") for kind \(kind.rawValue)",
                        allowed: "pooling only with kind: classification", hint: "remove \(rules.keyPath(.pooling)).")
        for (key, size) in [(CodingKeys.arcSize, arcSize), (.relationSize, relationSize)] {
            try rules.check(size == nil || kind == .dependency, key, found: "\(key.stringValue) for kind \(kind.rawValue)",
                            allowed: "\(key.stringValue) only with kind: dependency", hint: "remove \(rules.keyPath(key)).")
            try rules.integer(key, size, atLeast: 1, hint: "set \(rules.keyPath(key)) to a width >= 1.")
        }
        let metrics = TaskConfig.metrics(of: kind)
        try rules.check(metrics.contains(metric), .metric, found: "\(metric.rawValue) for kind \(kind.rawValue)",
                        allowed: metrics.map(\.rawValue).joined(separator: " | "),
                        hint: "set \(rules.keyPath(.metric)): \(metrics[0].rawValue), or remove the key.")
    }
}
