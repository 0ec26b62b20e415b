import CoNLL

/// The bound on a training sentence's length (`training.max_sentence_tokens`): a step's memory
/// grows with `batch_size` × the longest sentence in its batch (one 50,000-token sentence took
/// 9.65 GB), so longer training sentences are skipped, counted, and the first named by file:line.
/// Skipped, not cut into windows: a sentence that long is nearly always a missing blank line
/// between sentences, whose pieces would train spans cut at arbitrary places. Dev and test
/// sentences are not bounded: evaluation decodes long sentences in pieces (`Evaluator`).
enum SentenceLengthBound {
    /// `sentences` without those longer than `maxTokens`; a line for the log in `notes` when any
    /// was skipped.
    static func skipping(_ sentences: [Sentence], longerThan maxTokens: Int, corpus: String, notes: inout [String]) -> [Sentence] {
        let kept = sentences.filter { $0.tokens.count <= maxTokens }
        guard kept.count < sentences.count else { return sentences }
        let long = sentences.filter { $0.tokens.count > maxTokens }
        let longest = long.map(\.tokens.count).max() ?? 0
        notes.append("corpus \(corpus): skipped \(long.count) training sentence\(long.count == 1 ? "" : "s") longer than "
                     + "training.max_sentence_tokens (\(maxTokens) tokens; the longest has \(longest)), the first at \(long[0].source); "
                     + "a sentence that long is usually a missing blank line: fix the file, or raise training.max_sentence_tokens "
                     + "(a step's memory grows with batch_size × the longest sentence)")
        return kept
    }
}
