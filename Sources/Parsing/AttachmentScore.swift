/// Unlabelled and labelled attachment scores (UAS, LAS) as integer counts, counted as the CoNLL 2018
/// shared task's evaluation script (`conll18_ud_eval.py`) counts them under gold tokenisation.
///
/// With the gold file's words in the system file, the script aligns word w with word w, so over the
/// W words of a treebank:
///   UAS = #{w : head_sys(w) = head_gold(w)} / W
///   LAS = #{w : head_sys(w) = head_gold(w) ∧ rel_sys(w) = rel_gold(w)} / W
/// where rel is DEPREL without its subtype (`nmod` for `nmod:poss`), or the whole DEPREL with
/// `RelationMatch.withSubtypes`. Every word counts, punctuation and the root word included; the
/// script's precision, recall and F1 all equal these ratios here. Multi-word token lines and empty
/// nodes are not words (`DependencyTreebank` skips them). Counts add across sentences, batches and
/// ranks with `+`.
public struct AttachmentScore: Hashable, Sendable {
    /// How relations are compared for LAS.
    public enum RelationMatch: Sendable {
        /// The universal relation only, the part before `:` (the CoNLL 2018 script's LAS).
        case universal
        /// The whole DEPREL, subtype included.
        case withSubtypes
    }

    /// Words scored.
    public var words: Int
    /// Words whose system head is the gold head.
    public var correctHeads: Int
    /// Words whose system head and relation are the gold ones.
    public var correctLabelled: Int

    /// Counts.
    public init(words: Int = 0, correctHeads: Int = 0, correctLabelled: Int = 0) {
        self.words = words
        self.correctHeads = correctHeads
        self.correctLabelled = correctLabelled
    }

    /// UAS = correctHeads / words, 0 when no word was scored.
    public var uas: Double { words > 0 ? Double(correctHeads) / Double(words) : 0 }
    /// LAS = correctLabelled / words, 0 when no word was scored.
    public var las: Double { words > 0 ? Double(correctLabelled) / Double(words) : 0 }

    /// Adds one sentence: gold and system heads (`heads[w - 1]` the head of word w, 0 the root) and
    /// relations, all of length W (checked by precondition: callers pair a sentence with itself).
    public mutating func add(goldHeads: [Int], goldRelations: [String], systemHeads: [Int], systemRelations: [String],
                             relations: RelationMatch = .universal) {
        precondition(goldHeads.count == goldRelations.count && systemHeads.count == systemRelations.count
                     && goldHeads.count == systemHeads.count,
                     "AttachmentScore.add: gold \(goldHeads.count) heads, \(goldRelations.count) relations; "
                     + "system \(systemHeads.count) heads, \(systemRelations.count) relations")
        for w in goldHeads.indices where goldHeads[w] == systemHeads[w] {
            correctHeads += 1
            if Self.sameRelation(goldRelations[w], systemRelations[w], relations) { correctLabelled += 1 }
        }
        words += goldHeads.count
    }

    /// Scores the `system` treebank against the `gold` one, sentence by sentence. Throws
    /// `ParsingError.sentenceCountMismatch` or `.wordMismatch` (naming the sentence) when the system
    /// file does not hold the gold file's words: a different number of sentences, of words in a
    /// sentence, or another FORM (spaces removed, as the script compares its characters).
    public init(gold: DependencyTreebank, system: DependencyTreebank, relations: RelationMatch = .universal) throws {
        self.init()
        guard gold.sentences.count == system.sentences.count else {
            throw ParsingError.sentenceCountMismatch(gold: gold.file, system: system.file,
                                                     goldCount: gold.sentences.count, systemCount: system.sentences.count)
        }
        for (g, s) in zip(gold.sentences, system.sentences) {
            try Self.checkSameWords(gold: g, system: s)
            add(goldHeads: g.heads, goldRelations: g.words.map(\.relation),
                systemHeads: s.heads, systemRelations: s.words.map(\.relation), relations: relations)
        }
    }

    /// Reads both CoNLL-U files (`DependencyTreebank(contentsOf:)`) and scores them.
    public init(goldFile: String, systemFile: String, relations: RelationMatch = .universal) throws {
        try self.init(gold: DependencyTreebank(contentsOf: goldFile), system: DependencyTreebank(contentsOf: systemFile),
                      relations: relations)
    }

    /// Whether two DEPRELs match under `relations`.
    static func sameRelation(_ gold: String, _ system: String, _ relations: RelationMatch) -> Bool {
        switch relations {
        case .withSubtypes:
            return gold == system
        case .universal:
            return DependencyWord.universalRelation(of: gold) == DependencyWord.universalRelation(of: system)
        }
    }

    private static func checkSameWords(gold: DependencyTree, system: DependencyTree) throws {
        let place = "\(system.file):\(system.line)"
        guard gold.words.count == system.words.count else {
            throw ParsingError.wordMismatch(gold: gold.file, system: place, sentence: gold.name,
                                            expected: "\(gold.words.count) words", found: "\(system.words.count) words")
        }
        if let w = gold.words.indices.first(where: { gold.words[$0].form != system.words[$0].form }) {
            throw ParsingError.wordMismatch(gold: gold.file, system: place, sentence: gold.name,
                                            expected: "word \(w + 1) \"\(gold.words[w].form)\"",
                                            found: "\"\(system.words[w].form)\"")
        }
    }

    /// Element-wise sum.
    public static func + (a: AttachmentScore, b: AttachmentScore) -> AttachmentScore {
        AttachmentScore(words: a.words + b.words, correctHeads: a.correctHeads + b.correctHeads,
                        correctLabelled: a.correctLabelled + b.correctLabelled)
    }

    /// In-place element-wise sum.
    public static func += (a: inout AttachmentScore, b: AttachmentScore) { a = a + b }
}
