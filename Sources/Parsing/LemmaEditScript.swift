/// The shortest prefix/suffix edit that turns a word form into its lemma, with a casing rule: what a
/// lemmatiser predicts as a class instead of the lemma itself (UDPipe 2: Straka 2018, "UDPipe 2.0
/// Prototype at CoNLL 2018 UD Shared Task"; MaChAmp's lemma task: van der Goot et al. 2021), so
/// `running → run` and `sitting → sit` share the class "strip 4 characters". Simpler than UDPipe's
/// rule (which cases runs of the lemma separately and edits character by character inside the
/// affixes): one casing for the whole lemma, and affixes stripped by count and added as text.
///
/// Applying a script to a form (counted in Characters):
///   source = form lowercased (or the form itself when casing is `keep`)
///   core   = source with `stripPrefix` characters dropped from the start and `stripSuffix` from the end
///   lemma  = casing(addPrefix + core + addSuffix), or casing(text) for `.replace(text)`
/// `init(form:lemma:)` keeps the longest common substring of source and lemma as the core, so the
/// edit (characters dropped plus characters added) is the shortest of this kind; among cores of equal
/// length it takes the one with the smallest prefix edit (languages like English inflect at the end).
/// A form and lemma with no character in common get `.replace(lemma)`.
public struct LemmaEditScript: Hashable, Sendable {
    /// How the lemma is cased from the edited, lowercased form.
    public enum Casing: String, CaseIterable, Sendable {
        /// All lowercase: `The → the`.
        case lower
        /// First character uppercase, the rest lowercase: `PARIS → Paris`.
        case title
        /// All uppercase: `Nasa → NASA`.
        case upper
        /// The form's own casing, the edit applied to the form as written: `McDonald's → McDonald`.
        case keep
    }

    /// What is done to the (cased) form's characters.
    public enum Edit: Hashable, Sendable {
        /// lemma = addPrefix + source[stripPrefix ..< count − stripSuffix] + addSuffix.
        case affixes(stripPrefix: Int, addPrefix: String, stripSuffix: Int, addSuffix: String)
        /// lemma = the text, whatever the form (`went → go`).
        case replace(String)
    }

    /// The casing rule.
    public var casing: Casing
    /// The edit.
    public var edit: Edit

    /// A script; strip counts must not be negative (a precondition).
    public init(casing: Casing, edit: Edit) {
        if case .affixes(let k, _, let m, _) = edit {
            precondition(k >= 0 && m >= 0, "LemmaEditScript: negative strip counts \(k), \(m)")
        }
        self.casing = casing
        self.edit = edit
    }

    /// The shortest script with `apply(to: form) == lemma`: the first casing of lower, title and upper
    /// that the lemma has and under which the edit round-trips, else `keep`.
    public init(form: String, lemma: String) {
        for casing in [Casing.lower, .title, .upper] where Self.cased(lemma, casing) == lemma {
            let script = LemmaEditScript(casing: casing, edit: Self.shortestEdit(from: form.lowercased(), to: lemma.lowercased()))
            // lowercasing can change a string's characters (`İ`); such words keep their casing
            if script.apply(to: form) == lemma {
                self = script
                return
            }
        }
        self.init(casing: .keep, edit: Self.shortestEdit(from: form, to: lemma))
    }

    /// The lemma this script makes of `form`, or nil when the script does not fit (it strips more
    /// characters than the form has).
    public func apply(to form: String) -> String? {
        switch edit {
        case .replace(let text):
            return Self.cased(text, casing)
        case .affixes(let k, let prefix, let m, let suffix):
            let source = Array(casing == .keep ? form : form.lowercased())
            guard k + m <= source.count else { return nil }
            return Self.cased(prefix + String(source[k..<(source.count - m)]) + suffix, casing)
        }
    }

    /// `text` cased by `casing`.
    static func cased(_ text: String, _ casing: Casing) -> String {
        switch casing {
        case .lower: return text.lowercased()
        case .upper: return text.uppercased()
        case .keep: return text
        case .title:
            guard let first = text.first else { return text }
            return first.uppercased() + text.dropFirst().lowercased()
        }
    }

    /// The edit keeping the longest common substring of `source` and `target` (Characters); ties go
    /// to the smallest prefix edit (characters stripped + added), then to the fewest stripped.
    static func shortestEdit(from source: String, to target: String) -> Edit {
        let f = Array(source)
        let l = Array(target)
        var best = (length: 0, i: 0, j: 0)
        for i in f.indices {
            for j in l.indices where f[i] == l[j] {
                var length = 1
                while i + length < f.count && j + length < l.count && f[i + length] == l[j + length] { length += 1 }
                let better = length > best.length
                    || (length == best.length && (i + j < best.i + best.j || (i + j == best.i + best.j && i < best.i)))
                if better { best = (length, i, j) }
            }
        }
        guard best.length > 0 else { return .replace(target) }
        return .affixes(stripPrefix: best.i, addPrefix: String(l[..<best.j]),
                        stripSuffix: f.count - best.i - best.length, addSuffix: String(l[(best.j + best.length)...]))
    }
}
