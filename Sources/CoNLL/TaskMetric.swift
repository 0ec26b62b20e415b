/// How a sequence-labelling task is scored: exact-match span F1 over BIO-style chunks (CoNLL
/// `conlleval`, see `SpanCounts`) or token accuracy. Written as `metric:` in a task's config
/// (`span_f1 | accuracy`) and stored with a trained model's tasks.
public enum TaskMetric: String, Codable, Sendable, CaseIterable {
    /// Exact-match span F1 over BIO-style chunks (CoNLL `conlleval`).
    case spanF1 = "span_f1"
    /// Token accuracy.
    case accuracy
}
