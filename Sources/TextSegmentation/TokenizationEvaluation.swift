/// The tokenizer scored against a treebank's gold tokens and sentences on the treebank's own raw
/// text, as the CoNLL 2018 shared task scored systems that start from raw text (its Tokens and
/// Sentences metrics; a multi-word token such as `don't` is one token).
public struct TokenizationEvaluation: Sendable {
    /// Surface tokens.
    public let tokens: SegmentationScore
    /// Sentences: a sentence is correct when its first token starts and its last token ends where
    /// a gold sentence's do.
    public let sentences: SegmentationScore

    /// Tokenizes `treebank.text` with `tokenizer` and scores the result.
    public init(treebank: RawTextTreebank, tokenizer: TextTokenizer = TextTokenizer()) {
        let predicted = tokenizer.sentences(in: treebank.text)
        // scalar offset in the text → offset among its non-white-space scalars
        var squeezed: [Int] = []
        var count = 0
        for c in treebank.text.unicodeScalars {
            squeezed.append(count)
            if !c.properties.isWhitespace { count += 1 }
        }
        squeezed.append(count)
        var systemTokens: [Range<Int>] = []
        var systemSentences: [Range<Int>] = []
        for sentence in predicted {
            for token in sentence.tokens { systemTokens.append(squeezed[token.start]..<squeezed[token.end]) }
            systemSentences.append(squeezed[sentence.start]..<squeezed[sentence.end])
        }
        var goldTokens: [Range<Int>] = []
        var goldSentences: [Range<Int>] = []
        var at = 0
        for sentence in treebank.sentences {
            let first = at
            for form in sentence {
                let length = form.unicodeScalars.reduce(0) { $0 + ($1.properties.isWhitespace ? 0 : 1) }
                goldTokens.append(at..<(at + length))
                at += length
            }
            goldSentences.append(first..<at)
        }
        tokens = SegmentationScore(gold: goldTokens, system: systemTokens)
        sentences = SegmentationScore(gold: goldSentences, system: systemSentences)
    }
}

extension TokenizationEvaluation {
    /// Two lines in the CoNLL 2018 script's layout, percentages to two decimals:
    /// `Tokens     |  99.12 |  98.70 |  98.91 |` (precision, recall, F1) with the counts after.
    public var report: String {
        func row(_ name: String, _ s: SegmentationScore) -> String {
            let cells = [s.precision, s.recall, s.f1].map { percent($0) }
            return name.padding(toLength: 11, withPad: " ", startingAt: 0) + "| " + cells.joined(separator: " | ")
                + " | gold \(s.gold), system \(s.system), correct \(s.correct)\n"
        }
        return "Metric     | Precision |    Recall |  F1 Score |\n" + row("Tokens", tokens) + row("Sentences", sentences)
    }
}

/// `x` (a fraction) as a percentage, two decimals, right-aligned in 9 characters.
private func percent(_ x: Double) -> String {
    let hundredths = Int((x * 10_000).rounded())
    let text = "\(hundredths / 100)." + (hundredths % 100 < 10 ? "0" : "") + "\(hundredths % 100)"
    return String(repeating: " ", count: max(0, 9 - text.count)) + text
}
