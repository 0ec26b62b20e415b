import CoNLL
import Foundation
import ModelFiles
import MultiTask
import RunConfig
import TaskSampling
import Transformer
import WordVectors

/// Everything training reads, loaded and checked before the first step: the corpora, the routing
/// of sentences to tasks, the vocabularies and the encoded training sentences.
public final class TrainingData {
    public let resolved: ResolvedConfig
    /// Corpus names and settings, config order.
    public let corpusNames: [String]
    public let corpusConfigs: [CorpusConfig]
    /// Training sentences per corpus.
    public let train: [[Sentence]]
    /// Development sentences per corpus (nil when the corpus has no dev file).
    public let dev: [[Sentence]?]
    /// Test sentences per corpus (nil when the corpus has no test file): read and checked with the
    /// rest before the first collective, scored with the best model at the end of training.
    public let test: [[Sentence]?]
    public let routing: TaskRouting
    public let encoder: TextEncoder
    /// Training sentences per corpus, encoded with the gold tags of the tasks they train.
    public let encodedTrain: [[EncodedSentence]]
    /// Per word id: true when the word occurs once in the training data (candidates for
    /// `unk_replacement`).
    public let singletonWords: [Bool]
    /// Things the run should tell the user (repaired tags, skipped separators, unseen labels).
    public let notes: [String]
    /// The pretrained transformer of `encoder.transformer` (nil without one): its folder, architecture,
    /// layers and pooling, checked against its `config.json`, `vocab.txt` and safetensors header.
    public let transformer: TransformerSpec?

    /// The pretrained vectors of `encoder.word_vectors` read for this run, a row per word id (nil
    /// without them, and on a resume or `plan`, which do not read the file).
    public let wordVectors: PretrainedVectors?

    /// Reads and checks every corpus of `resolved` and builds the vocabularies; `wordVectors` says
    /// whether a vectors file is read (see `WordVectorSource`).
    public init(resolved: ResolvedConfig, wordVectors source: WordVectorSource = .file) throws {
        self.resolved = resolved
        let config = resolved.config
        var names: [String] = [], configs: [CorpusConfig] = []
        for (name, corpus) in config.corpora { names.append(name); configs.append(corpus) }
        corpusNames = names
        corpusConfigs = configs
        let taskList = Array(config.tasks)
        let taskLabels = Set(taskList.map(\.value.label))

        var notes: [String] = []
        var train: [[Sentence]] = [], dev: [[Sentence]?] = [], test: [[Sentence]?] = []
        for (c, name) in names.enumerated() {
            let files = resolved.corpusFiles[name]!
            // span tasks of this corpus's label columns are validated in their input scheme
            var schemes: [String: TagScheme] = [:]
            for (_, task) in taskList where task.metric == .spanF1 { schemes[task.label] = task.inputScheme }
            // classification tasks' label columns hold one label per sentence (in every corpus: use_all_tasks routes by label)
            let sentenceLabels = taskList.filter { $0.value.kind == .classification }.map(\.value.label)
            let reader = CorpusFiles.reader(for: configs[c], spanSchemes: schemes, sentenceLabels: Set(sentenceLabels))
            let parsers = taskList.contains { $0.value.kind == .dependency }
            let read = { (url: URL) throws -> [Sentence] in
                let result = try CorpusFiles.read(url, with: reader, corpus: name, maxBytes: configs[c].maxFileBytes)
                notes += CorpusFiles.notes(result.report, file: url, corpus: name, taskLabels: taskLabels)
                // a parser's gold must be trees (use_all_tasks routes every corpus's heads to it)
                if parsers { try CorpusFiles.checkTrees(result.sentences, corpus: name) }
                return result.sentences
            }
            train.append(SentenceLengthBound.skipping(try read(files.train), longerThan: config.training.maxSentenceTokens,
                                                      corpus: name, notes: &notes))
            dev.append(try files.dev.map(read))
            test.append(try files.test.map(read))
        }
        self.train = train
        self.dev = dev
        self.test = test

        // a parser trains on the sentences with relations and heads
        let routingTasks = taskList.map {
            TaskRouting.Task(name: $0.name, corpus: $0.value.corpus, label: $0.value.label,
                             alsoRequires: $0.value.kind == .dependency ? [TaskInfo.headLabel] : [])
        }
        routing = try TaskRouting(
            tasks: routingTasks,
            corpora: names.indices.map { c in
                TaskRouting.Corpus(name: names[c], split: "train",
                                   labelTypes: train[c].map { Set($0.labels.keys) },
                                   locations: train[c].map { $0.source.description })
            },
            useAllTasks: config.useAllTasks)

        for (c, n) in routing.untrainedPerCorpus.enumerated() where n > 0 {
            notes.append("corpus \(names[c]): \(n) training sentences are unannotated for every task and are left out")
        }

        // vocabularies from the training data only
        let enc = config.encoder
        let keyed = train.joined().map { s in
            s.tokens.map { TokenFeatures.wordKey($0, lowercase: enc.lowercaseWords, normalizeDigits: enc.normalizeDigits) }
        }
        let trainingWords = Vocabulary(counting: keyed, minCount: enc.wordMinCount, order: .frequency)
        // with word vectors: the corpora's other words and the file's most frequent ones after those
        let (words, vectors) = try TrainingData.wordVectors(resolved, words: trainingWords, corpora: [train.map { Optional($0) }, dev, test],
                                                            source: source, notes: &notes)
        wordVectors = vectors
        var counts: [String: Int] = [:]
        for sentence in keyed { for w in sentence { counts[w, default: 0] += 1 } }
        singletonWords = words.entries.enumerated().map { id, w in id >= words.specials.count && counts[w] == 1 }
        // the characters the encoder reads (at most TokenFeatures.maxCharacters per token)
        let characters = Vocabulary(counting: train.joined().lazy.flatMap(\.tokens).map {
            TokenFeatures.encodedCharacters($0).map(String.init)
        }, order: .frequency)
        let tasks = TrainingData.taskInfos(taskList, train: train, routing: routing)
        // the transformer, checked on every rank before the first collective
        let checked = try TrainingData.checkedTransformer(resolved)
        let transformer = checked?.0, tokenizer = checked?.1
        self.transformer = transformer
        let textEncoder = TextEncoder(words: words, characters: characters, lowercaseWords: enc.lowercaseWords,
                                      normalizeDigits: enc.normalizeDigits, tasks: tasks, subwordTokenizer: tokenizer,
                                      transformerPositions: transformer?.config.maxSequenceLength)
        encoder = textEncoder
        let assignments = routing.assignments
        var unknown: [String: Int] = [:]
        encodedTrain = names.indices.map { c in
            train[c].enumerated().map { s, sentence in
                textEncoder.encode(sentence, taskIndices: assignments[c][s], unknownLabels: &unknown)
            }
        }
        // labels of dev sentences that training never saw: they can only be scored as errors
        if let note = TrainingData.unseenDevLabels(tasks: tasks, corpusNames: names, dev: dev) { notes.append(note) }
        self.notes = notes
    }

    /// Number of training sentences per task.
    public var sentencesPerTask: [Int] { routing.sentencesPerTask }

    /// What each task is, with its label dictionary built from the tags of the training sentences
    /// routed to it, in the scheme its head trains on.
    static func taskInfos(_ taskList: [(name: String, value: TaskConfig)], train: [[Sentence]], routing: TaskRouting) -> [TaskInfo] {
        var tasks: [TaskInfo] = []
        for (t, (name, task)) in taskList.enumerated() {
            let span = task.metric == .spanF1
            let input = span ? task.inputScheme : nil, trained = span ? task.trainScheme : nil
            let kind = task.kind.taskKind
            let probe = TaskInfo(name: name, corpus: task.corpus, label: task.label, metric: task.metric,
                                 inputScheme: input, trainScheme: trained, labels: Vocabulary(), kind: kind)
            var sequences: [[String]] = []
            for c in train.indices {
                for (s, ids) in routing.assignments[c].enumerated() where ids.contains(t) {
                    sequences.append(probe.trainingTags(train[c][s].labels[task.label]!, forms: train[c][s].tokens))
                }
            }
            // a sentence label outside the dictionary is scored wrong, never predicted: no `<unk>` class
            let labels = kind == .classification
                ? Vocabulary(counting: sequences, order: .firstSeen, specials: [], unknown: nil)
                : Vocabulary(counting: sequences, order: .firstSeen)
            tasks.append(TaskInfo(name: name, corpus: task.corpus, label: task.label, metric: probe.metric,
                                  inputScheme: input, trainScheme: trained, labels: labels, kind: kind))
        }
        return tasks
    }

    /// The transformer of `encoder.transformer` and its tokeniser (nil without one), checked on
    /// every rank before the first collective: its folder, weights and layer indices.
    static func checkedTransformer(_ resolved: ResolvedConfig) throws -> (TransformerSpec, SubwordTokenizer)? {
        guard let folder = resolved.transformerFolder else { return nil }
        let bert: PretrainedBert
        do {
            bert = try PretrainedBert(folder: folder)
            _ = try bert.checkedWeights()
        } catch let error as TransformerError {
            throw ConfigError.invalidValue(file: resolved.file?.lastPathComponent ?? "built-in default config",
                                           keyPath: "encoder.transformer.path", found: folder.path,
                                           allowed: "a transformer folder: config.json (bert, roberta, xlm-roberta, camembert, distilbert or electra), tokenizer.json or vocab.txt, model.safetensors",
                                           hint: "\(error)")
        }
        let t = resolved.config.encoder.transformer
        let states: [Int]
        do { states = try t.layers.hiddenStates(layerCount: bert.config.layerCount) } catch {
            throw ConfigError.invalidValue(file: resolved.file?.lastPathComponent ?? "built-in default config",
                                           keyPath: "encoder.transformer.layers", found: "\(t.layers)",
                                           allowed: "layer indices in \(-(bert.config.layerCount + 1))...\(bert.config.layerCount), each once, or all",
                                           hint: "\(error)")
        }
        let transformer = TransformerSpec(path: folder.path, config: bert.config, hiddenStates: states, pooling: t.pooling,
                                          fineTune: t.fineTune, dropout: t.dropout.map(Float.init), layerMix: t.layerMix,
                                          precision: t.precision)
        return (transformer, bert.tokenizer)
    }

    /// A note counting the dev labels training never saw (nil when there are none): for a lemma
    /// task, the edit scripts of its dev lemmas that no training lemma has.
    static func unseenDevLabels(tasks: [TaskInfo], corpusNames: [String], dev: [[Sentence]?]) -> String? {
        var unseen: [String: Int] = [:]
        for (t, task) in tasks.enumerated() {
            guard let c = corpusNames.firstIndex(of: task.corpus), let sentences = dev[c] else { continue }
            for s in sentences {
                for tag in task.trainingTags(s.labels[task.label] ?? [], forms: s.tokens) where !task.labels.contains(tag) {
                    unseen["\(tasks[t].name): \(tag)", default: 0] += 1
                }
            }
        }
        guard !unseen.isEmpty else { return nil }
        // a lemma task's unseen edit scripts can number hundreds: the first 20, then how many more
        let sorted = unseen.sorted { $0.key < $1.key }, shown = 20
        var list = sorted.prefix(shown).map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
        if sorted.count > shown { list += " and \(sorted.count - shown) more" }
        return "dev labels never seen in training (no head predicts them: always scored wrong): \(list)"
    }
}
