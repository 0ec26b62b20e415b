/// How a task is scored: exact-match span F1 over BIO-style chunks (CoNLL `conlleval`, see
/// `SpanCounts`), accuracy (of tokens, lemmas or sentence labels), or the macro-F1 of a sentence
/// classifier's labels (`LabelCounts`), or the labelled attachment score of a dependency task.
/// Written as `metric:` in a task's config (`span_f1 | accuracy | macro_f1 | las`) and stored with a trained model's tasks.
public enum TaskMetric: String, Codable, Sendable, CaseIterable {
    /// Exact-match span F1 over BIO-style chunks (CoNLL `conlleval`).
    case spanF1 = "span_f1"
    /// Token accuracy (sentence accuracy for a classification task).
    case accuracy
    /// The unweighted mean over labels of each label's F1 (classification tasks).
    case macroF1 = "macro_f1"
    /// Labelled attachment score (dependency tasks): words with the gold head and relation, counted
    /// as the CoNLL 2018 script counts them (`AttachmentScore`); UAS is reported beside it.
    case las
}
