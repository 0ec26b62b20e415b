/// Everything that can go wrong decoding trees, reading dependency treebanks, scoring them and
/// reading lemma edit-script labels.
///
/// A file problem carries where (file, 1-based line), and its `description` reads
/// `file:line: expected …, found …. Hint: …`, e.g.
/// `dev.conllu:17: expected HEAD 0…9 (a word of the sentence or 0 for the root), found "12". Hint: …`.
public enum ParsingError: Error, CustomStringConvertible, Equatable, Sendable {
    // MARK: score matrices

    /// A score matrix with no row, or with only the root row (no word to attach).
    case emptyScoreMatrix(rows: Int)
    /// Row `row` of an N×N score matrix holds `found` entries.
    case nonSquareScoreMatrix(row: Int, expected: Int, found: Int)
    /// More than `limit` rows (words + 1).
    case scoreMatrixTooLarge(rows: Int, limit: Int)
    /// A NaN or +∞ score for the arc `head → dependent`.
    case nonFiniteScore(dependent: Int, head: Int, value: Double)
    /// Every tree with one child of the root uses an arc scored −∞.
    case noFiniteTree(words: Int)

    // MARK: files

    /// The file could not be opened or read, or is larger than the reader's limit.
    case unreadableFile(file: String, reason: String)
    /// A line that breaks the CoNLL-U rules the CoNLL 2018 evaluation script checks.
    case malformedLine(file: String, line: Int, expected: String, found: String)
    /// A sentence whose HEAD column is not a tree with exactly one word attached to the root.
    case invalidTree(file: String, line: Int, reason: String)
    /// A file that holds no sentence.
    case noSentences(file: String)

    // MARK: evaluation

    /// Gold and system files with different numbers of sentences (gold tokenisation is assumed).
    case sentenceCountMismatch(gold: String, system: String, goldCount: Int, systemCount: Int)
    /// A system sentence whose words differ from the gold sentence's (count or form).
    case wordMismatch(gold: String, system: String, sentence: String, expected: String, found: String)

    // MARK: lemma edit scripts

    /// A lemma edit-script label that `LemmaEditScript(label:)` refuses.
    case malformedLemmaLabel(label: String, reason: String)

    /// `file:line` (or `file`) where the problem is, nil when it is not about one file.
    public var location: String? {
        switch self {
        case .unreadableFile(let file, _), .noSentences(let file):
            return file
        case .malformedLine(let file, let line, _, _), .invalidTree(let file, let line, _):
            return "\(file):\(line)"
        case .wordMismatch(_, let system, _, _, _):
            return system
        default:
            return nil
        }
    }

    /// What was expected at `location`.
    public var expected: String {
        switch self {
        case .emptyScoreMatrix: return "an N×N arc score matrix with N ≥ 2 (the root and at least one word)"
        case .nonSquareScoreMatrix(_, let n, _): return "\(n) scores in every row (a square matrix)"
        case .scoreMatrixTooLarge(_, let limit): return "at most \(limit) rows (words + 1)"
        case .nonFiniteScore: return "finite scores, or −∞ for a forbidden arc"
        case .noFiniteTree: return "a tree with one child of the root whose arcs all score above −∞"
        case .unreadableFile: return "a readable CoNLL-U file"
        case .malformedLine(_, _, let expected, _): return expected
        case .invalidTree: return "a tree: every word reaches the root, exactly one word has HEAD 0"
        case .noSentences: return "at least one sentence"
        case .sentenceCountMismatch(_, _, let gold, _): return "\(gold) sentences, as in the gold file"
        case .wordMismatch(_, _, let sentence, let expected, _): return "\(expected) in sentence \(sentence)"
        case .malformedLemmaLabel:
            return "a label CASING|-K+PREFIX|-M+SUFFIX or CASING|=LEMMA, as LemmaEditScript.label writes it"
        }
    }

    /// What was found instead.
    public var found: String {
        switch self {
        case .emptyScoreMatrix(let rows): return "\(rows) rows"
        case .nonSquareScoreMatrix(let row, _, let found): return "\(found) in row \(row)"
        case .scoreMatrixTooLarge(let rows, _): return "\(rows) rows"
        case .nonFiniteScore(let d, let h, let value): return "\(value) for the arc \(h) → \(d) (scores[\(d)][\(h)])"
        case .noFiniteTree(let words): return "none among the trees over \(words) words"
        case .unreadableFile(_, let reason): return reason
        case .malformedLine(_, _, _, let found): return found
        case .invalidTree(_, _, let reason): return reason
        case .noSentences: return "none"
        case .sentenceCountMismatch(_, let system, _, let count): return "\(count) in \(system)"
        case .wordMismatch(_, _, _, _, let found): return found
        case .malformedLemmaLabel(let label, let reason): return "\"\(label.prefix(80))\": \(reason)"
        }
    }

    /// How to fix it.
    public var hint: String {
        switch self {
        case .emptyScoreMatrix, .nonSquareScoreMatrix:
            return "pass scores[dependent][head] for the root (index 0) and every word, N rows of N scores"
        case .scoreMatrixTooLarge:
            return "split the sentence; longer sentences are not decoded"
        case .nonFiniteScore:
            return "check the scorer for overflow; write -infinity (not NaN) to forbid an arc"
        case .noFiniteTree:
            return "leave at least one finite head for every word and one finite root arc"
        case .unreadableFile:
            return "name a regular CoNLL-U file this user may read, within the size limit"
        case .malformedLine:
            return "every word line has 10 tab-separated columns (ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC), "
                + "sentences end with one blank line, comments come before a sentence's first word"
        case .invalidTree:
            return "fix the HEAD column; the CoNLL 2018 evaluation script refuses this sentence too"
        case .noSentences:
            return "check that the path names a CoNLL-U file"
        case .sentenceCountMismatch, .wordMismatch:
            return "attachment scores assume gold tokenisation: the system file must hold the gold file's words, "
                + "sentence by sentence"
        case .malformedLemmaLabel:
            return "use labels written by LemmaEditScript.label (the label set of the same model)"
        }
    }

    /// `where: expected …, found …. Hint: …`.
    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)expected \(expected), found \(found). Hint: \(hint)."
    }
}
