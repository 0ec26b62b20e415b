import Checkpointing
import CoNLL
import Foundation
import MultiTask

/// The one validation path of every loader (model folder, export, checkpoint): a saved model's
/// description is checked against limits, against itself and against the stored tensor table
/// (which the caller has already checked against its file's size) before any model is built.
extension ModelMetadata {
    /// Largest size any one number of a model spec may have (vocabulary, width, tag count).
    public static let maxDimension = 1 << 24

    /// Throws `ModelError.invalidModel` naming `file` and the field when the spec, the
    /// vocabularies, the label dictionaries, the tasks and the corpora do not fit each other and
    /// limits, or when the model they describe would not have exactly the tensors `tensors`.
    public func validate(file: String, tensors: [(name: String, shape: [Int], offset: Int)]) throws {
        try validateEncoderSizes(file: file)
        if let transformer = spec.encoder.transformer { try validateTransformer(transformer, file: file) }
        try validateVocabularies(file: file)
        try validateTasks(file: file)
        try validateTensors(tensors, file: file)
    }

    /// `file`'s complaint about `field`.
    private func bad(_ file: String, _ field: String, _ reason: String) -> ModelError {
        .invalidModel(file, reason: "\(field): \(reason)")
    }

    /// Every size of the encoder and the heads within bounds, dropouts probabilities.
    private func validateEncoderSizes(file: String) throws {
        let bad = { self.bad(file, $0, $1) }
        let e = spec.encoder
        let sizes: [(String, Int)] = [
            ("spec.encoder.wordVocabularySize", e.wordVocabularySize), ("spec.encoder.wordDimension", e.wordDimension),
            ("spec.encoder.characterVocabularySize", e.characterVocabularySize),
            ("spec.encoder.characterDimension", e.characterDimension), ("spec.encoder.characterHidden", e.characterHidden),
            ("spec.encoder.caseClassCount", e.caseClassCount), ("spec.encoder.caseDimension", e.caseDimension),
            ("spec.encoder.sharedHidden", e.sharedHidden),
        ] + spec.heads.enumerated().flatMap { i, h in
            [("spec.heads[\(i)].tagCount", h.tagCount), ("spec.heads[\(i)].hidden", h.hidden)]
        }
        for (field, value) in sizes where value < 0 || value > Self.maxDimension {
            throw bad(field, "\(value), expected 0...\(Self.maxDimension)")
        }
        for (field, p) in [("spec.encoder.dropout", e.dropout), ("spec.encoder.wordDropout", e.wordDropout),
                           ("spec.encoder.lockedDropout", e.lockedDropout)] where !(p >= 0 && p < 1) {
            throw bad(field, "\(p), expected a probability in [0, 1)")
        }
        guard e.wordVocabularySize >= 1 && (e.wordDimension >= 1 || e.transformer != nil) else {
            throw bad("spec.encoder", "word vocabulary \(e.wordVocabularySize) × dimension \(e.wordDimension), expected both ≥ 1 (a dimension of 0 only next to a transformer)")
        }
    }

    /// The transformer's architecture within the bounds `config.json` is held to when first read,
    /// and the text encoder carrying its tokeniser and positions.
    private func validateTransformer(_ t: TransformerSpec, file: String) throws {
        let bad = { self.bad(file, $0, $1) }
        let c = t.config
        let bounds: [(String, Int, ClosedRange<Int>)] = [
            ("vocabularySize", c.vocabularySize, 1...1_000_000), ("hiddenSize", c.hiddenSize, 1...8192),
            ("layerCount", c.layerCount, 1...128), ("headCount", c.headCount, 1...256),
            ("intermediateSize", c.intermediateSize, 1...65536), ("maxPositions", c.maxPositions, 3...65536),
            ("typeVocabularySize", c.typeVocabularySize, c.family == .distilbert ? 0...0 : 1...1024),
            ("embeddingSize", c.embeddingSize, 1...8192), ("paddingIndex", c.paddingIndex, 0...max(0, c.vocabularySize - 1))]
        for (field, value, range) in bounds where !range.contains(value) {
            throw bad("spec.encoder.transformer.config.\(field)", "\(value), expected \(range.lowerBound)...\(range.upperBound)")
        }
        guard c.embeddingSize == c.hiddenSize || c.family == .electra else {
            throw bad("spec.encoder.transformer.config.embeddingSize", "\(c.embeddingSize) beside hidden size \(c.hiddenSize), expected them equal (only ELECTRA projects its embeddings)")
        }
        guard c.maxSequenceLength >= 3 else {
            throw bad("spec.encoder.transformer.config.paddingIndex", "\(c.paddingIndex) leaves \(c.maxSequenceLength) of \(c.maxPositions) positions, expected at least 3")
        }
        guard c.hiddenSize % c.headCount == 0, c.vocabularySize * max(c.hiddenSize, c.embeddingSize) <= 1 << 31 else {
            throw bad("spec.encoder.transformer.config", "hidden size \(c.hiddenSize), \(c.headCount) heads, vocabulary \(c.vocabularySize): expected a multiple of the heads and at most 2^31 embedding values")
        }
        for (field, p) in [("layerNormEps", c.layerNormEps), ("hiddenDropout", c.hiddenDropout),
                           ("attentionDropout", c.attentionDropout), ("dropout", t.dropout ?? 0)] where !(p >= 0 && p < 1) {
            throw bad("spec.encoder.transformer.\(field)", "\(p), expected a number in [0, 1)")
        }
        guard !t.hiddenStates.isEmpty, t.hiddenStates.allSatisfy({ (0...c.layerCount).contains($0) }) else {
            throw bad("spec.encoder.transformer.hiddenStates", "\(t.hiddenStates), expected indices in 0...\(c.layerCount)")
        }
        if c.family.isRoberta, case .wordPiece = encoder.subwordTokenizer {
            // a WordPiece vocabulary would feed a BPE or Unigram model wrong ids
            throw bad("encoder.subwordTokenizer", "a WordPiece vocabulary beside \(c.family.rawValue), expected its tokenizer.json")
        }
        guard encoder.transformerPositions == c.maxSequenceLength, let tokenizer = encoder.subwordTokenizer,
              tokenizer.idCount <= c.vocabularySize else {
            throw bad("encoder.subwordTokenizer", "expected the transformer's tokeniser (at most \(c.vocabularySize) tokens) and its \(c.maxSequenceLength) positions")
        }
    }

    /// The character encoder, casing classes and vocabularies consistent with the spec.
    private func validateVocabularies(file: String) throws {
        let bad = { self.bad(file, $0, $1) }
        let e = spec.encoder
        guard e.characterDimension == 0 || (e.characterHidden > 0 && e.characterVocabularySize > 0) else {
            throw bad("spec.encoder.characterHidden", "\(e.characterHidden) with characterDimension \(e.characterDimension) and \(e.characterVocabularySize) characters, expected both > 0 when there is a character encoder")
        }
        guard e.caseClassCount == TokenFeatures.casingCount else {
            throw bad("spec.encoder.caseClassCount", "\(e.caseClassCount), this build has \(TokenFeatures.casingCount) casing classes")
        }
        for (field, v) in [("encoder.words", encoder.words), ("encoder.characters", encoder.characters)] {
            if let problem = v.inconsistency { throw bad(field, problem) }
        }
        guard encoder.words.count == e.wordVocabularySize else {
            throw bad("encoder.words", "\(encoder.words.count) entries, spec.encoder.wordVocabularySize says \(e.wordVocabularySize)")
        }
        guard encoder.characters.count == e.characterVocabularySize else {
            throw bad("encoder.characters", "\(encoder.characters.count) entries, spec.encoder.characterVocabularySize says \(e.characterVocabularySize)")
        }
    }

    /// One head per task, in order, each with its label dictionary, weight and corpus; the main score's task.
    private func validateTasks(file: String) throws {
        let bad = { self.bad(file, $0, $1) }
        guard !spec.heads.isEmpty else { throw bad("spec.heads", "empty, expected one head per task") }
        guard spec.heads.count == encoder.tasks.count else {
            throw bad("encoder.tasks", "\(encoder.tasks.count) tasks (\(encoder.tasks.map(\.name).joined(separator: ", "))) but \(spec.heads.count) heads (\(spec.heads.map(\.name).joined(separator: ", ")))")
        }
        guard Set(spec.heads.map(\.name)).count == spec.heads.count else { throw bad("spec.heads", "a task name appears twice") }
        guard Set(corpusOrder) == Set(corpora.keys) && corpusOrder.count == corpora.count else {
            throw bad("corpus_order", "\(corpusOrder), the corpora are \(corpora.keys.sorted())")
        }
        for (i, (head, task)) in zip(spec.heads, encoder.tasks).enumerated() {
            guard head.name == task.name else { throw bad("encoder.tasks[\(i)].name", "'\(task.name)', head \(i) is '\(head.name)'") }
            if let problem = task.labels.inconsistency { throw bad("encoder.tasks[\(i)].labels", problem) }
            guard head.tagCount == task.labels.count && head.tagCount >= 1 else {
                throw bad("encoder.tasks[\(i)].labels", "\(task.labels.count) labels, head '\(head.name)' has \(head.tagCount) tags")
            }
            guard (head.pooling != nil) == task.taskKind.isSentenceLevel else {
                throw bad("spec.heads[\(i)].pooling", "\(head.pooling?.rawValue ?? "none") for a \(task.taskKind.rawValue) task: "
                          + "a classification task's head pools the sentence, every other head labels tokens")
            }
            guard (head.parser != nil) == (task.taskKind == .dependency) else {
                throw bad("spec.heads[\(i)].parser", "\(head.parser == nil ? "none" : "parser sizes") for a \(task.taskKind.rawValue) task: "
                          + "a dependency task's head, and only it, has parser sizes")
            }
            if let sizes = head.parser, sizes.arcSize < 1 || sizes.relationSize < 1 || head.pooling != nil {
                throw bad("spec.heads[\(i)].parser", "arc size \(sizes.arcSize), relation size \(sizes.relationSize), expected ≥ 1 and no pooling")
            }
            guard head.pooling == nil || head.kind == .softmax else {
                throw bad("spec.heads[\(i)].kind", "\(head.kind.rawValue) for a sentence head, expected softmax")
            }
            guard head.lossWeight.isFinite && head.lossWeight >= 0 else {
                throw bad("spec.heads[\(i)].lossWeight", "\(head.lossWeight), expected finite and ≥ 0")
            }
            guard corpora[task.corpus] != nil else {
                throw bad("encoder.tasks[\(i)].corpus", "'\(task.corpus)', not one of the corpora \(corpusOrder)")
            }
        }
        guard mainScore == "mean" || spec.heads.contains(where: { $0.name == mainScore }) else {
            throw bad("main_score", "'\(mainScore)', expected mean or a task name")
        }
    }

    /// The stored tensor table equal to the one this description builds.
    private func validateTensors(_ tensors: [(name: String, shape: [Int], offset: Int)], file: String) throws {
        let bad = { self.bad(file, $0, $1) }
        // the tensors this description builds, computed without allocating them
        let built = MultiTaskModel.parameterLayout(of: spec)
        for (i, p) in built.enumerated() {
            guard i < tensors.count else {
                throw bad("tensors", "\(tensors.count) stored, the model described has \(built.count) (first missing: \(p.name) \(p.shape.dims))")
            }
            let t = tensors[i]
            guard t.name == p.name && t.shape == p.shape.dims && t.offset == p.offset else {
                throw bad("tensors[\(i)]", "stored \(t.name) \(t.shape) at \(t.offset), the model described has \(p.name) \(p.shape.dims) at \(p.offset)")
            }
        }
        guard tensors.count == built.count else {
            throw bad("tensors", "\(tensors.count) stored, the model described has \(built.count) (first extra: \(tensors[built.count].name)); does the task list match the stored heads?")
        }
    }
}
