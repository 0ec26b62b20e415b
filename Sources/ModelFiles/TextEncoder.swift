import CoNLL
import MultiTask
import Parsing
import Transformer

/// What a task is, as a trained model remembers it: its label column, how its tags are written
/// and trained, and its label dictionary.
public struct TaskInfo: Codable, Equatable, Sendable {
    /// How the task is scored (defined in `CoNLL`, below the config that names it).
    public typealias Metric = TaskMetric

    public let name: String
    public let corpus: String
    public let label: String
    public let metric: Metric
    /// How the corpus writes the tags (span tasks).
    public let inputScheme: TagScheme?
    /// What the head is trained on (span tasks): BIOES gives the CRF explicit span ends.
    public let trainScheme: TagScheme?
    /// The task's label dictionary, built from its training tags in `trainScheme` (a classification
    /// task's sentence labels, a lemma task's edit-script labels); `<unk>` at id 0.
    public let labels: Vocabulary
    /// What the task predicts; nil for tagging (so a tagger's description is what it was before
    /// task kinds existed).
    public let kind: TaskKind?

    public init(name: String, corpus: String, label: String, metric: Metric,
                inputScheme: TagScheme?, trainScheme: TagScheme?, labels: Vocabulary, kind: TaskKind = .tagging) {
        self.name = name
        self.corpus = corpus
        self.label = label
        self.metric = metric
        self.inputScheme = inputScheme
        self.trainScheme = trainScheme
        self.labels = labels
        self.kind = kind == .tagging ? nil : kind
    }

    /// What the task predicts (`kind`, tagging when nil).
    public var taskKind: TaskKind { kind ?? .tagging }

    /// The label type of the CoNLL-U HEAD column, a dependency task's gold heads (its `label` is the relation).
    public static let headLabel = "head"

    /// The labels as the head learns them from a sentence's label sequence `tags` and its `forms`:
    /// tags converted to `trainScheme` for span tasks, the one sentence label of a classification
    /// task, each token's edit-script label (`LemmaEditScript`) for a lemma task, the relations of a
    /// dependency task (its heads are read apart, `headLabel`).
    public func trainingTags(_ tags: [String], forms: [String]) -> [String] {
        switch taskKind {
        case .dependency:
            return tags
        case .classification:
            return Array(tags.prefix(1))
        case .lemma:
            return zip(forms, tags).map { LemmaEditScript(form: $0, lemma: $1).label }
        case .tagging:
            guard metric == .spanF1, let from = inputScheme, let to = trainScheme, from != to else { return tags }
            return TagScheme.convert(tags, from: from, to: to)
        }
    }

    /// Gold labels in the form they are evaluated and printed: IOB2 for span tasks, the one sentence
    /// label of a classification task, the lemmas of a lemma task.
    public func goldTags(_ tags: [String]) -> [String] {
        if taskKind == .classification { return Array(tags.prefix(1)) }
        guard metric == .spanF1, let from = inputScheme, from != .iob2 else { return tags }
        return TagScheme.convert(tags, from: from, to: .iob2)
    }

    /// `predicted` (labels in the evaluated form) as scored against `gold`: for a lemma task a
    /// word whose gold lemma is `_` (unknown; EWT's `goeswith` parts) counts as right whatever was
    /// predicted, as the CoNLL 2018 shared task's script counts lemmas; otherwise unchanged.
    public func scored(_ predicted: [String], gold: [String]) -> [String] {
        guard taskKind == .lemma else { return predicted }
        return zip(predicted, gold).map { p, g in g == "_" ? g : p }
    }

    /// Predicted ids back to labels in the evaluated form: IOB2 tags for span tasks, the lemmas the
    /// predicted scripts make of `forms` for a lemma task (the form itself where a script does not
    /// fit it, or for `<unk>`); for a dependency task, whose ids are the L heads then the L relation
    /// ids, each word's `HEAD<TAB>DEPREL` (`dependencyParts` reads it back), as the two CoNLL-U columns.
    /// `forms` may be a piece of a longer sentence that starts after its first `offset` words: a
    /// parser parses each piece as a tree of its own, whose heads other than the root are moved by
    /// `offset` into the sentence.
    public func predictedTags(_ ids: [Int32], forms: [String], offset: Int = 0) -> [String] {
        if taskKind == .dependency {
            precondition(ids.count == 2 * forms.count, "a parse of \(forms.count) words with \(ids.count) ids (heads then relations)")
            return forms.indices.map { w in "\(ids[w] == 0 ? 0 : Int(ids[w]) + offset)\t" + labels[Int(ids[forms.count + w])] }
        }
        let tags = ids.map { labels[Int($0)] }
        if taskKind == .lemma {
            return zip(forms, tags).map { form, label in
                (try? LemmaEditScript(label: label))?.apply(to: form) ?? form
            }
        }
        guard metric == .spanF1, let scheme = trainScheme, scheme != .iob2 else { return tags }
        return TagScheme.convert(tags, from: scheme, to: .iob2)
    }

    /// A dependency task's predicted word `HEAD<TAB>DEPREL` (`predictedTags`) as its head and relation.
    public static func dependencyParts(_ tag: String) -> (head: Int, relation: String) {
        let parts = tag.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, let head = Int(parts[0]) else { preconditionFailure("\"\(tag)\" is not a predicted HEAD<TAB>DEPREL") }
        return (head, String(parts[1]))
    }
}

/// Turns sentences into ids with the vocabularies of a model; saved with the model so that
/// `evaluate` and `predict` encode text exactly as training did.
public struct TextEncoder: Codable, Equatable, Sendable {
    public let words: Vocabulary
    public let characters: Vocabulary
    public let lowercaseWords: Bool
    public let normalizeDigits: Bool
    public let tasks: [TaskInfo]
    /// The transformer's tokeniser, when the model has one: every sentence is also encoded as subwords.
    public let subwordTokenizer: SubwordTokenizer?
    /// The transformer's positions, with `subwordTokenizer`.
    public let transformerPositions: Int?

    public init(words: Vocabulary, characters: Vocabulary, lowercaseWords: Bool, normalizeDigits: Bool, tasks: [TaskInfo],
                subwordTokenizer: SubwordTokenizer? = nil, transformerPositions: Int? = nil) {
        precondition((subwordTokenizer == nil) == (transformerPositions == nil), "a transformer needs its tokenizer and positions")
        self.words = words
        self.characters = characters
        self.lowercaseWords = lowercaseWords
        self.normalizeDigits = normalizeDigits
        self.tasks = tasks
        self.subwordTokenizer = subwordTokenizer
        self.transformerPositions = transformerPositions
    }

    /// How batches of this encoder's sentences are packed for the transformer (nil without one).
    public var subwordPacking: SubwordPacking? {
        guard let subwordTokenizer, let transformerPositions else { return nil }
        return subwordTokenizer.packing(maxPositions: transformerPositions)
    }

    /// The word-vocabulary key of a token.
    public func wordKey(_ token: String) -> String {
        TokenFeatures.wordKey(token, lowercase: lowercaseWords, normalizeDigits: normalizeDigits)
    }

    /// Encodes `sentence`, with gold tag ids for the tasks `taskIndices` whose labels it carries.
    /// Labels missing from a task's dictionary map to `<unk>` and are counted in `unknownLabels`.
    /// Characters: those of `TokenFeatures.encodedCharacters` (at most `TokenFeatures.maxCharacters`
    /// per token), so one huge token costs the character encoder no more than a long word.
    public func encode(_ sentence: Sentence, taskIndices: [Int], unknownLabels: inout [String: Int]) -> EncodedSentence {
        let unk = Int32(words.unknownID ?? 0)
        let wordIDs = sentence.tokens.map { words.id(of: wordKey($0)).map(Int32.init) ?? unk }
        let caseIDs = sentence.tokens.map { TokenFeatures.casing($0).rawValue }
        let charUnk = Int32(characters.unknownID ?? 0)
        let chars = sentence.tokens.map { token in
            TokenFeatures.encodedCharacters(token).map { characters.id(of: String($0)).map(Int32.init) ?? charUnk }
        }
        var tags: [Int: [Int32]] = [:], heads: [Int: [Int32]] = [:]
        for t in taskIndices {
            let task = tasks[t]
            guard let raw = sentence.labels[task.label] else { continue }
            if task.taskKind == .dependency {
                // routing gives a parser only sentences with heads; the reader checked each in 0…words
                guard let gold = sentence.labels[TaskInfo.headLabel] else { continue }
                heads[t] = gold.map { Int32($0) ?? 0 }
            }
            let labelUnk = Int32(task.labels.unknownID ?? 0)
            tags[t] = task.trainingTags(raw, forms: sentence.tokens).map { tag in
                if let id = task.labels.id(of: tag), id != task.labels.unknownID { return Int32(id) }
                unknownLabels["\(task.name):\(tag)", default: 0] += 1
                return labelUnk
            }
        }
        return EncodedSentence(wordIDs: wordIDs, caseIDs: caseIDs, characters: chars, tags: tags, heads: heads,
                               subwords: subwordTokenizer?.subwords(words: sentence.tokens))
    }
}
