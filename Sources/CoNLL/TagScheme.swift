/// A span-tagging scheme: how per-token tags mark typed spans (chunks, entities).
///
/// Tags are `O` or `P-TYPE` with a prefix `P` and a non-empty type, split at the first `-` as
/// conlleval does (`B-I-X` has prefix `B`, type `I-X`).
/// - `iob1`: `I-X` inside any span; `B-X` only on the first token of a span that directly follows
///   another `X` span (CoNLL-2003's original files).
/// - `iob2`: every span starts with `B-X` and continues with `I-X`.
/// - `bioes`: `B-X` (I-X)* `E-X` for spans of two or more tokens, `S-X` for single tokens.
/// Reference: Ratinov & Roth (2009), "Design challenges and misconceptions in NER", §4.
public enum TagScheme: String, Codable, Sendable, CaseIterable {
    /// IOB1: `I-` inside spans, `B-` only to split adjacent spans of one type.
    case iob1
    /// IOB2 (BIO): `B-` starts every span, `I-` continues it.
    case iob2
    /// BIOES (IOBES): `B-` begin, `I-` inside, `E-` end, `S-` single-token span.
    case bioes

    /// The prefixes a non-`O` tag may have in this scheme.
    public var prefixes: [String] {
        switch self {
        case .iob1, .iob2: return ["B", "I"]
        case .bioes: return ["B", "I", "E", "S"]
        }
    }

    /// What a tag of this scheme looks like, for messages: `O or B-/I- followed by a type (IOB2)`.
    public var tagFormDescription: String {
        let list = prefixes.map { "\($0)-" }.joined(separator: "/")
        return "O or \(list) followed by a type (\(rawValue.uppercased()))"
    }

    /// Whether `tag` is `O` or a prefix of this scheme, `-`, and a non-empty type.
    public func isWellFormed(_ tag: String) -> Bool {
        if tag == "O" { return true }
        let (prefix, type) = splitTag(tag)
        return !type.isEmpty && prefixes.contains(String(prefix))
    }

    /// The first violation of this scheme in `tags`, or nil when the sequence is valid.
    ///
    /// Checks, in order of position: every tag is well-formed (`isWellFormed`), and the sequence
    /// constraints: IOB2 `I-X` only after `B-X`/`I-X`; IOB1 `B-X` only after `B-X`/`I-X`; BIOES `I-X`/`E-X`
    /// only inside an open `B-X` span, which must be closed by `E-X` before any other tag and before
    /// the end (an unclosed span is reported at the last token).
    public func validate(_ tags: [String]) -> TagViolation? {
        var previous = "O"
        var (prevPrefix, prevType): (Substring, Substring) = ("O", "")
        for (t, tag) in tags.enumerated() {
            let (prefix, type): (Substring, Substring)
            if tag == "O" {
                (prefix, type) = ("O", "")
            } else {
                guard isWellFormed(tag) else {
                    return TagViolation(index: t, tag: tag, kind: .malformed, expected: tagFormDescription,
                                        found: "\"\(tag)\"")
                }
                (prefix, type) = splitTag(tag)
            }
            let continues = (prevPrefix == "B" || prevPrefix == "I") && prevType == type
            switch self {
            case .iob2 where prefix == "I" && !continues:
                return TagViolation(index: t, tag: tag, kind: .sequence,
                                    expected: "B-\(type) (an IOB2 span starts with B-)", found: "\(tag) after \(previous)")
            case .iob1 where prefix == "B" && !continues:
                return TagViolation(index: t, tag: tag, kind: .sequence,
                                    expected: "I-\(type) (IOB1 uses B- only to start a span right after another \(type) span)",
                                    found: "\(tag) after \(previous)")
            case .bioes:
                let open = prevPrefix == "B" || prevPrefix == "I"
                if open && !((prefix == "I" || prefix == "E") && prevType == type) {
                    return TagViolation(index: t, tag: tag, kind: .sequence,
                                        expected: "I-\(prevType) or E-\(prevType) (the open \(prevType) span must be closed by E-\(prevType))",
                                        found: "\(tag) after \(previous)")
                }
                if !open && (prefix == "I" || prefix == "E") {
                    return TagViolation(index: t, tag: tag, kind: .sequence,
                                        expected: "B-\(type) or S-\(type) (a BIOES span starts with B- or S-)",
                                        found: "\(tag) after \(previous)")
                }
            default:
                break
            }
            previous = tag
            (prevPrefix, prevType) = (prefix, type)
        }
        if self == .bioes, prevPrefix == "B" || prevPrefix == "I" {
            return TagViolation(index: tags.count - 1, tag: previous, kind: .sequence,
                                expected: "E-\(prevType) or S-\(prevType) at the end of the sentence",
                                found: "\(previous) at the end of the sentence")
        }
        return nil
    }

    /// Tags of this scheme for `spans` over `count` tokens (spans must not overlap; checked by
    /// precondition). Tokens outside every span get `O`.
    public func encode(_ spans: [Span], count: Int) -> [String] {
        var tags = [String](repeating: "O", count: count)
        var previousEnd = -1
        var previousType = ""
        for span in spans.sorted(by: { $0.start < $1.start }) {
            precondition(span.start >= 0 && span.start < span.end && span.end <= count && span.start >= previousEnd,
                         "encode: span \(span) overlaps a previous span or lies outside 0..<\(count)")
            for t in span.start..<span.end { tags[t] = "I-\(span.type)" }
            switch self {
            case .iob1:
                // B- only where the span touches a previous span of the same type.
                if span.start == previousEnd && span.type == previousType { tags[span.start] = "B-\(span.type)" }
            case .iob2:
                tags[span.start] = "B-\(span.type)"
            case .bioes:
                if span.count == 1 {
                    tags[span.start] = "S-\(span.type)"
                } else {
                    tags[span.start] = "B-\(span.type)"
                    tags[span.end - 1] = "E-\(span.type)"
                }
            }
            previousEnd = span.end
            previousType = span.type
        }
        return tags
    }

    /// Converts `tags` from scheme `from` to scheme `to` (IOB1→IOB2, IOB2→BIOES, BIOES→IOB2, …):
    /// decodes the spans with `spans(_:scheme:)` (conlleval's reading) and encodes them in `to`.
    /// Ill-formed input is therefore repaired the way conlleval reads it.
    public static func convert(_ tags: [String], from: TagScheme, to: TagScheme) -> [String] {
        to.encode(spans(tags, scheme: from), count: tags.count)
    }

    /// Rewrites ill-formed sequences of well-formed tags to the spans conlleval reads from them
    /// (IOB2: `I-X` after `O` or after `B-Y`/`I-Y` becomes `B-X`; BIOES: `B-X O` becomes `S-X O`),
    /// returning the new tags and how many tags changed. Valid sequences come back unchanged.
    public func repair(_ tags: [String]) -> (tags: [String], repairs: Int) {
        let repaired = encode(spans(tags, scheme: self), count: tags.count)
        var repairs = 0
        for t in tags.indices where tags[t] != repaired[t] { repairs += 1 }
        return (repaired, repairs)
    }
}

/// The first place where a tag sequence breaks its scheme (see `TagScheme.validate`).
public struct TagViolation: Equatable, Sendable {
    /// Malformed tag (no repair possible) or well-formed tag in the wrong place (repairable).
    public enum Kind: Equatable, Sendable {
        /// Not a tag of the scheme (`PER`, `X-PER`, `B-`): cannot be repaired.
        case malformed
        /// A well-formed tag where the scheme does not allow it (`I-PER` after `O` in IOB2): repairable.
        case sequence
    }

    /// 0-based token position of the offending tag.
    public var index: Int
    /// The offending tag.
    public var tag: String
    /// Which kind of violation.
    public var kind: Kind
    /// What the scheme allows at `index`, for messages.
    public var expected: String
    /// What is there, for messages (`I-PER after O`).
    public var found: String
}

/// Splits a tag at its first `-` as conlleval does: `B-PER` → (`B`, `PER`), `O` → (`O`, ``).
func splitTag(_ tag: String) -> (prefix: Substring, type: Substring) {
    if tag == "O" { return ("O", "") }
    guard let dash = tag.firstIndex(of: "-") else { return (tag[...], "") }
    return (tag[..<dash], tag[tag.index(after: dash)...])
}
