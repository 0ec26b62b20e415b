/// A span a tagger predicted, for output: its type, tokens `start..<end`, its text, its offsets in
/// the input text when known, and its score (see `predictedSpans`).
public struct PredictedSpan: Equatable, Sendable {
    /// The span's type (`PER`).
    public var type: String
    /// First token, 0-based.
    public var start: Int
    /// One past the last token.
    public var end: Int
    /// The span's text: the input text between its offsets, else its tokens joined by spaces.
    public var text: String
    /// Offset of the span's first character in the input text (the unit of `tokenOffsets`), or nil.
    public var charStart: Int?
    /// Offset one past the span's last character, or nil.
    public var charEnd: Int?
    /// The probability of the span as decoded, in `0...1`.
    public var score: Double

    /// A span with every field given.
    public init(type: String, start: Int, end: Int, text: String, charStart: Int?, charEnd: Int?, score: Double) {
        self.type = type
        self.start = start
        self.end = end
        self.text = text
        self.charStart = charStart
        self.charEnd = charEnd
        self.score = score
    }
}

/// The tags, by label index, that may stand around `span` so that it remains the span it is in
/// `tags` (read with conlleval's rules, as `spans(_:scheme:)` reads them): `before[k]` says the span's
/// first tag still starts a span after `labels[k]`; `after[k]` says `labels[k]` after the span's
/// last tag does not continue it. With the span's own tags fixed, the paths whose tags at
/// `span.start − 1` and `span.end` lie in these masks are exactly the paths that hold this span with
/// these tags. `labels` is the head's label dictionary (index → tag).
public func spanBoundaryMasks(of span: Span, tags: [String], labels: [String], scheme: TagScheme)
    -> (before: [Bool], after: [Bool]) {
    precondition(span.start >= 0 && span.start < span.end && span.end <= tags.count, "span \(span) outside \(tags.count) tags")
    let bioes = scheme == .bioes
    let (firstPrefix, firstType) = splitTag(tags[span.start])
    let (lastPrefix, lastType) = splitTag(tags[span.end - 1])
    let before = labels.map { label -> Bool in
        let (prefix, type) = splitTag(label)
        return chunkStarts(prefix, firstPrefix, type, firstType, bioes: bioes)
    }
    let after = labels.map { label -> Bool in
        let (prefix, type) = splitTag(label)
        return chunkEnds(lastPrefix, prefix, lastType, type, bioes: bioes)
    }
    return (before, after)
}

/// The spans of one sentence's decoded `tags` (conlleval's reading, `spans(_:scheme:)`), each with
/// its text, offsets and score.
///
/// - `tokens`: the sentence's tokens; `tokenOffsets`: each token's `start..<end` in `text` (Unicode
///   scalars, as `TextSegmentation` gives them), or nil for pre-tokenised input without offsets.
/// - `score`: the span's probability given the span and its boundary masks
///   (`spanBoundaryMasks`), e.g. `TagPosterior.spanProbability` in Layers.
public func predictedSpans(tags: [String], scheme: TagScheme, labels: [String], tokens: [String],
                           tokenOffsets: [Range<Int>]?, text: String?,
                           score: (Span, _ before: [Bool], _ after: [Bool]) -> Double) -> [PredictedSpan] {
    precondition(tokens.count == tags.count && (tokenOffsets?.count ?? tags.count) == tags.count,
                 "\(tags.count) tags for \(tokens.count) tokens and \(tokenOffsets?.count ?? -1) offsets")
    let scalars = text.map { Array($0.unicodeScalars) }
    return spans(tags, scheme: scheme).map { span in
        let masks = spanBoundaryMasks(of: span, tags: tags, labels: labels, scheme: scheme)
        var charStart: Int?
        var charEnd: Int?
        var spanText = tokens[span.start..<span.end].joined(separator: " ")
        if let offsets = tokenOffsets {
            charStart = offsets[span.start].lowerBound
            charEnd = offsets[span.end - 1].upperBound
            if let scalars, let from = charStart, let to = charEnd, from <= to, to <= scalars.count {
                spanText = String(String.UnicodeScalarView(scalars[from..<to]))
            }
        }
        return PredictedSpan(type: span.type, start: span.start, end: span.end, text: spanText,
                             charStart: charStart, charEnd: charEnd, score: score(span, masks.before, masks.after))
    }
}
