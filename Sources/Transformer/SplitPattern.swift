import Foundation

/// What `tokenizer.json` splits or replaces on: a literal string, a regular expression, or a
/// class of scalars (whitespace, punctuation, digits), and how the pieces around a match are kept
/// (`SplitPattern.Behavior`, tokenizers' `SplitDelimiterBehavior`). Positions are scalar indices.
///
/// Regular expressions run on ICU (`NSRegularExpression`), where tokenizers runs Oniguruma; the
/// patterns tokenizer files carry (GPT-2's, `\w+|[^\w\s]+`, ` {2,}`) mean the same in both.
public enum SplitPattern: Sendable {
    case literal([Unicode.Scalar])
    case regex(TokenizerRegex)
    /// Every scalar for which the predicate holds is a match of its own.
    case scalars(@Sendable (Unicode.Scalar) -> Bool)

    /// How matches and the text between them become pieces.
    public enum Behavior: String, Sendable, CaseIterable {
        case removed = "Removed", isolated = "Isolated", mergedWithPrevious = "MergedWithPrevious"
        case mergedWithNext = "MergedWithNext", contiguous = "Contiguous"
    }

    /// The pattern of a `{"String": …}` or `{"Regex": …}` object.
    init(_ fields: TokenizerFields) throws {
        if let s = try fields.optionalString("String") {
            self = .literal(Array(s.unicodeScalars))
        } else if let r = try fields.optionalString("Regex") {
            self = .regex(try TokenizerRegex(r) { fields.error("Regex", $0) })
        } else {
            throw fields.error(nil, "expected {\"String\": …} or {\"Regex\": …}")
        }
    }

    /// The text cut into consecutive segments covering all of it, each marked as a match or not
    /// (tokenizers' `Pattern::find_matches`); one unmatched empty segment for empty text.
    func segments(_ text: [Unicode.Scalar]) -> [(Range<Int>, Bool)] {
        guard !text.isEmpty else { return [(0..<0, false)] }
        var matches: [Range<Int>] = []
        switch self {
        case .literal(let needle):
            guard !needle.isEmpty else { break }
            var i = 0
            while i + needle.count <= text.count {
                if text[i..<(i + needle.count)].elementsEqual(needle) { matches.append(i..<(i + needle.count)); i += needle.count } else { i += 1 }
            }
        case .regex(let regex):
            matches = regex.matches(text)
        case .scalars(let predicate):
            for (i, s) in text.enumerated() where predicate(s) { matches.append(i..<(i + 1)) }
        }
        var out: [(Range<Int>, Bool)] = []
        var previous = 0
        for m in matches {
            if previous < m.lowerBound { out.append((previous..<m.lowerBound, false)) }
            out.append((m, true))
            previous = m.upperBound
        }
        if previous < text.count { out.append((previous..<text.count, false)) }
        return out
    }

    /// The ranges of the pieces `text` is split into (tokenizers' `NormalizedString::split`), none
    /// empty; `invert` swaps what counts as a match.
    func split(_ text: [Unicode.Scalar], behavior: Behavior, invert: Bool = false) -> [Range<Int>] {
        let segments = self.segments(text).map { ($0.0, $0.1 != invert) }
        var pieces: [Range<Int>] = []
        var previousMatch = false
        switch behavior {
        case .removed:
            pieces = segments.filter { !$0.1 }.map(\.0)
        case .isolated:
            pieces = segments.map(\.0)
        case .mergedWithPrevious:
            for (r, isMatch) in segments {
                if isMatch && !previousMatch, let last = pieces.last { pieces[pieces.count - 1] = last.lowerBound..<r.upperBound } else { pieces.append(r) }
                previousMatch = isMatch
            }
        case .mergedWithNext:
            for (r, isMatch) in segments.reversed() {
                if isMatch && !previousMatch, let last = pieces.last { pieces[pieces.count - 1] = r.lowerBound..<last.upperBound } else { pieces.append(r) }
                previousMatch = isMatch
            }
            pieces.reverse()
        case .contiguous:
            for (r, isMatch) in segments {
                if isMatch == previousMatch, let last = pieces.last { pieces[pieces.count - 1] = last.lowerBound..<r.upperBound } else { pieces.append(r) }
                previousMatch = isMatch
            }
        }
        return pieces.filter { !$0.isEmpty }
    }

    /// `text` with every match replaced by `content`.
    func replacing(in text: [Unicode.Scalar], with content: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(text.count)
        for (r, isMatch) in segments(text) {
            if isMatch { out.append(contentsOf: content) } else { out.append(contentsOf: text[r]) }
        }
        return out
    }
}

/// A compiled regular expression of `tokenizer.json` (immutable, so shared across threads).
public final class TokenizerRegex: @unchecked Sendable {
    public let pattern: String
    private let regex: NSRegularExpression
    /// The longest pattern compiled.
    static let maxPatternLength = 4096

    init(_ pattern: String, fail: (String) -> TransformerError) throws {
        guard pattern.utf16.count <= TokenizerRegex.maxPatternLength else {
            throw fail("a pattern of \(pattern.utf16.count) UTF-16 units, at most \(TokenizerRegex.maxPatternLength) are compiled")
        }
        do { regex = try NSRegularExpression(pattern: pattern) } catch {
            throw fail("not a regular expression this build compiles (ICU syntax): \(error.localizedDescription)")
        }
        self.pattern = pattern
    }

    /// The non-empty matches, left to right, as scalar ranges.
    func matches(_ text: [Unicode.Scalar]) -> [Range<Int>] {
        var string = String.UnicodeScalarView()
        string.append(contentsOf: text)
        let ns = String(string) as NSString
        // utf16Start[k] = UTF-16 offset of scalar k; offsets between scalars never occur in matches
        var scalarAt: [Int: Int] = [:]
        var u = 0
        for (k, s) in text.enumerated() { scalarAt[u] = k; u += s.utf16.count }
        scalarAt[u] = text.count
        var out: [Range<Int>] = []
        for m in regex.matches(in: String(string), range: NSRange(location: 0, length: ns.length)) where m.range.length > 0 {
            guard let a = scalarAt[m.range.location], let b = scalarAt[m.range.location + m.range.length] else { continue }
            out.append(a..<b)
        }
        return out
    }
}
