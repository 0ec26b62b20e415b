/// One syntactic word of a CoNLL-U sentence: the columns a parser and a lemmatiser are scored on.
public struct DependencyWord: Hashable, Sendable {
    /// FORM, as written in the file.
    public var form: String
    /// LEMMA (`_` when the treebank has none).
    public var lemma: String
    /// HEAD: the 1-based index of the word's head in its sentence, 0 for the root.
    public var head: Int
    /// DEPREL, with its subtype if any (`nmod:poss`).
    public var relation: String

    /// A word.
    public init(form: String, lemma: String, head: Int, relation: String) {
        self.form = form
        self.lemma = lemma
        self.head = head
        self.relation = relation
    }

    /// The universal relation: DEPREL without its subtype (`nmod` for `nmod:poss`), as the CoNLL 2018
    /// evaluation script compares relations.
    public var universalRelation: Substring { Self.universalRelation(of: relation) }

    /// The part of `relation` before its first `:` (all of it when there is none).
    public static func universalRelation(of relation: String) -> Substring {
        relation.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).first ?? Substring(relation)
    }
}

/// One sentence of a dependency treebank: its syntactic words (multi-word token lines and empty nodes
/// left out, as the CoNLL 2018 evaluation script leaves them out) forming a tree with one root word.
public struct DependencyTree: Hashable, Sendable {
    /// The W words, in order; `words[w - 1]` is word w.
    public var words: [DependencyWord]
    /// The file the sentence was read from (its last path component).
    public var file: String
    /// 1-based line of the sentence's first line (its first comment, or its first token line).
    public var line: Int
    /// The `# sent_id = …` comment's value, if any.
    public var id: String?

    /// A sentence; `words` must form a tree (checked by the reader, not here).
    public init(words: [DependencyWord], file: String, line: Int, id: String? = nil) {
        self.words = words
        self.file = file
        self.line = line
        self.id = id
    }

    /// The HEAD column: `heads[w - 1]` is the head of word w (0 for the root).
    public var heads: [Int] { words.map(\.head) }

    /// `sent_id X (file:line)`, or `file:line`, naming the sentence in messages.
    public var name: String {
        id.map { "\($0) (\(file):\(line))" } ?? "\(file):\(line)"
    }

    /// Why `heads` (heads[w - 1] the head of word w) is not a tree over its words with exactly one
    /// word attached to the root, or nil when it is one: a head outside 0…W, a number of root words
    /// other than one, or a cycle. The CoNLL 2018 evaluation script refuses the same sentences.
    public static func treeProblem(_ heads: [Int]) -> String? {
        let count = heads.count
        if let w = heads.firstIndex(where: { $0 < 0 || $0 > count }) {
            return "word \(w + 1) has HEAD \(heads[w]), outside 0…\(count)"
        }
        let roots = heads.indices.filter { heads[$0] == 0 }
        guard roots.count == 1 else {
            return "\(roots.count) words with HEAD 0" + (roots.isEmpty ? "" : " (words \(roots.map { String($0 + 1) }.joined(separator: ", ")))")
        }
        if let cycle = TreeDecoder.firstCycle([-1] + heads) {
            return "a cycle through words " + cycle.map(String.init).joined(separator: ", ")
        }
        return nil
    }
}
