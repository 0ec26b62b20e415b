/// One task of a run config (`tasks.<name>` in YAML): which corpus and label column it learns, its head,
/// metric and loss weight.
///
/// ```yaml
/// ner:
///   corpus: conll03        # must name a corpus; may be left out when there is exactly one corpus
///   label: ner             # required: a label column of that corpus
///   head: crf              # crf | softmax
///   hidden: 256            # the head's own BiLSTM hidden size per direction; 0 = no head BiLSTM
///   metric: span_f1        # span_f1 | accuracy
///   loss_weight: 1.0       # > 0
///   input_scheme: iob2     # iob1 | iob2: how the file's tags are written (span_f1 tasks only)
///   train_scheme: bioes    # iob2 | bioes: what the head is trained on (span_f1 tasks only)
/// ```
/// The total loss is `Σ_task loss_weight · (task loss summed over its sentences / its sentence count)`.
public struct TaskConfig: Codable, Equatable {
    /// The output layer over the task's features.
    public enum Head: String, Codable, CaseIterable {
        /// Linear-chain CRF (Lafferty et al. 2001): sequence log-likelihood, Viterbi decoding.
        case crf
        /// Independent per-token softmax with cross-entropy.
        case softmax
    }

    /// How the task is scored.
    public enum Metric: String, Codable, CaseIterable {
        /// Exact-match span F1 over BIO-style chunks (CoNLL `conlleval`).
        case spanF1 = "span_f1"
        /// Token accuracy.
        case accuracy
    }

    /// How the tags are written in the file.
    public enum InputScheme: String, Codable, CaseIterable {
        /// `B-` only where a span follows a span of the same type.
        case iob1
        /// `B-` at every span start.
        case iob2
    }

    /// The tag scheme the head is trained on.
    public enum TrainScheme: String, Codable, CaseIterable {
        /// `B-`, `I-`, `O`.
        case iob2
        /// `B-`, `I-`, `O`, `E-` (span end), `S-` (single-token span).
        case bioes
    }

    /// Name of the corpus the task reads.
    public var corpus: String
    /// Label column of that corpus.
    public var label: String
    /// Output layer.
    public var head: Head
    /// Hidden size per direction of the head's own BiLSTM; 0 = none.
    public var hidden: Int
    /// Evaluation metric.
    public var metric: Metric
    /// Weight of the task's loss in the sum (> 0).
    public var lossWeight: Double
    /// Tag scheme in the file (span_f1 tasks only).
    public var inputScheme: InputScheme
    /// Tag scheme the head is trained on (span_f1 tasks only).
    public var trainScheme: TrainScheme

    /// A task with every optional key at its default.
    public init(corpus: String, label: String, head: Head = .crf, hidden: Int = 256, metric: Metric = .spanF1,
                lossWeight: Double = 1.0, inputScheme: InputScheme = .iob2, trainScheme: TrainScheme = .bioes) {
        self.corpus = corpus
        self.label = label
        self.head = head
        self.hidden = hidden
        self.metric = metric
        self.lossWeight = lossWeight
        self.inputScheme = inputScheme
        self.trainScheme = trainScheme
    }

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case corpus, label, head, hidden, metric
        case lossWeight = "loss_weight"
        case inputScheme = "input_scheme"
        case trainScheme = "train_scheme"
    }

    /// Decodes `tasks.<name>`; `corpus` is required.
    public init(from decoder: Decoder) throws {
        try self.init(from: decoder, defaultCorpus: nil)
    }

    /// Decodes `tasks.<name>`; an absent `corpus` takes `defaultCorpus` (the only corpus, if there is one).
    init(from decoder: Decoder, defaultCorpus: String?) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let corpusExpected = "the name of a corpus under corpora (required when there are several corpora)"
        if let defaultCorpus, !section.container.contains(.corpus) {
            corpus = defaultCorpus
        } else {
            corpus = try section.required(.corpus, expected: corpusExpected)
        }
        label = try section.required(.label, expected: "a label column of the task's corpus")
        head = try section.choice(.head, default: .crf)
        hidden = try section.integer(.hidden, default: 256, atLeast: 0,
                                     hint: "set \(section.keyPath(.hidden)) to a size >= 0 (0 = no head BiLSTM).")
        metric = try section.choice(.metric, default: .spanF1)
        lossWeight = try section.number(.lossWeight, default: 1.0, .positive,
                                        hint: "set \(section.keyPath(.lossWeight)) > 0; remove the task to stop training it.")
        inputScheme = try section.choice(.inputScheme, default: .iob2)
        trainScheme = try section.choice(.trainScheme, default: .bioes)
    }

    /// Encodes every key.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(corpus, forKey: .corpus)
        try container.encode(label, forKey: .label)
        try container.encode(head, forKey: .head)
        try container.encode(hidden, forKey: .hidden)
        try container.encode(metric, forKey: .metric)
        try container.encodeNumber(lossWeight, forKey: .lossWeight)
        try container.encode(inputScheme, forKey: .inputScheme)
        try container.encode(trainScheme, forKey: .trainScheme)
    }
}
