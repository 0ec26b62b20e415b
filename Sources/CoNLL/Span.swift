/// A typed span of tokens `start..<end` (end exclusive), e.g. a `PER` entity over tokens 3 and 4:
/// `Span(type: "PER", start: 3, end: 5)`.
public struct Span: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The span's type (`PER`, `NP`).
    public var type: String
    /// First token, 0-based.
    public var start: Int
    /// One past the last token.
    public var end: Int

    /// A span over `start..<end`.
    public init(type: String, start: Int, end: Int) {
        self.type = type
        self.start = start
        self.end = end
    }

    /// Number of tokens, `end - start`.
    public var count: Int { end - start }

    /// `TYPE[start, end)`.
    public var description: String { "\(type)[\(start), \(end))" }
}

/// The spans in one sentence's `tags`, decoded with conlleval's rules (conlleval.pl, version
/// 2004-01-26, `startOfChunk`/`endOfChunk`), so ill-formed sequences read exactly as conlleval
/// reads them:
/// - a chunk starts at `B`; at `I` or `E` after `O`; at `E`/`I` after `E`; and at any non-`O` tag whose
///   type differs from the previous tag's type (`I-X` after `O` or after `B-Y` starts an `X` chunk);
/// - a chunk ends before `B` or `O` after `B`/`I`; before `E`/`I`/`O` after `E`; and before any tag whose
///   type differs from a previous non-`O` tag's type;
/// - the span's type is the type of its first tag; the sentence end closes any open span (conlleval
///   reads a blank line as `O`).
/// For `.bioes` the rules are extended for `S-` (conlleval predates it): a chunk also starts at every
/// `B`/`S` and at `I`/`E` after `S`/`E`, and ends after every `E`/`S` and before `S` after `B`/`I`.
/// `.iob1` and `.iob2` use the same (original) rules; they read both schemes correctly.
/// Cost: O(T).
public func spans(_ tags: [String], scheme: TagScheme) -> [Span] {
    let bioes = scheme == .bioes
    var result: [Span] = []
    var openStart = -1
    var openType: Substring = ""
    var prevPrefix: Substring = "O"
    var prevType: Substring = ""
    // Position tags.count is the sentence boundary, read as `O`.
    for t in 0...tags.count {
        let (prefix, type): (Substring, Substring) = t < tags.count ? splitTag(tags[t]) : ("O", "")
        if openStart >= 0 && chunkEnds(prevPrefix, prefix, prevType, type, bioes: bioes) {
            result.append(Span(type: String(openType), start: openStart, end: t))
            openStart = -1
        }
        if t < tags.count && chunkStarts(prevPrefix, prefix, prevType, type, bioes: bioes) {
            // A start always comes with an end for tags that have types; this guards odd
            // type-less tags so spans never overlap.
            if openStart >= 0 { result.append(Span(type: String(openType), start: openStart, end: t)) }
            openStart = t
            openType = type
        }
        prevPrefix = prefix
        prevType = type
    }
    if openStart >= 0 { result.append(Span(type: String(openType), start: openStart, end: tags.count)) }
    return result
}

/// conlleval `endOfChunk(prevTag, tag, prevType, type)`: a chunk ended between the previous and the
/// current token.
func chunkEnds(_ prevTag: Substring, _ tag: Substring, _ prevType: Substring, _ type: Substring,
               bioes: Bool) -> Bool {
    if (prevTag == "B" || prevTag == "I") && (tag == "B" || tag == "O") { return true }
    if prevTag == "E" && (tag == "E" || tag == "I" || tag == "O") { return true }
    if prevTag != "O" && prevTag != "." && prevType != type { return true }
    if prevTag == "]" || prevTag == "[" { return true }
    if bioes {
        if prevTag == "E" || prevTag == "S" { return true }
        if (prevTag == "B" || prevTag == "I") && tag == "S" { return true }
    }
    return false
}

/// conlleval `startOfChunk(prevTag, tag, prevType, type)`: a chunk started at the current token.
func chunkStarts(_ prevTag: Substring, _ tag: Substring, _ prevType: Substring, _ type: Substring,
                 bioes: Bool) -> Bool {
    if tag == "B" && (prevTag == "B" || prevTag == "I" || prevTag == "O") { return true }
    if prevTag == "O" && (tag == "I" || tag == "E") { return true }
    if prevTag == "E" && (tag == "E" || tag == "I") { return true }
    if tag != "O" && tag != "." && prevType != type { return true }
    if tag == "[" || tag == "]" { return true }
    if bioes {
        if tag == "B" || tag == "S" { return true }
        if (prevTag == "S" || prevTag == "E") && (tag == "I" || tag == "E") { return true }
    }
    return false
}
