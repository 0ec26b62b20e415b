/// What a task predicts, and so which head, label dictionary and metric it has. Written as `kind:`
/// in a task's config (`tagging | classification | lemma | dependency`) and stored with a trained model's tasks.
public enum TaskKind: String, Codable, Sendable, CaseIterable {
    /// A tag per token from a label column (softmax or CRF head): NER, POS, chunks.
    case tagging
    /// One label per sentence (a column constant over the sentence, a `# key = value` comment, or
    /// the label of a `text_label` file): pooled encoder output and a softmax; accuracy and macro-F1.
    case classification
    /// A lemma per token, predicted as the class of its edit script from the form
    /// (`LemmaEditScript`); accuracy of the lemmas the scripts make.
    case lemma
    /// A head and a relation per word (the CoNLL-U HEAD and DEPREL columns): biaffine arc and
    /// relation scores, decoded as one-root trees; labelled and unlabelled attachment scores.
    case dependency

    /// Whether the task has one label per sentence rather than one per token.
    public var isSentenceLevel: Bool { self == .classification }
}
