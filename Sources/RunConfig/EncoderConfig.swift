import CoNLL

/// The shared encoder of a run config (`encoder:` in YAML): an optional pretrained transformer
/// (`transformer:`, see `TransformerConfig`), word, character and casing embeddings, an optional
/// shared BiLSTM, and dropout.
///
/// Token features, `[T, C]` per sentence with `C = transformer width + word_dim + 2·char_hidden (if
/// char_dim > 0) + case_dim`, then, when `shared_hidden > 0`, a BiLSTM to `[T, 2·shared_hidden]` that
/// every task head reads.
public struct EncoderConfig: Codable, Equatable {
    // The keys, in YAML order; what each means is in `meanings` below.
    public var wordDim = 100
    public var wordMinCount = 1
    public var lowercaseWords = true
    public var normalizeDigits = true
    public var charDim = 25
    public var charHidden = 25
    public var caseDim = 4
    public var sharedHidden = 0
    public var dropout = 0.5
    public var wordDropout = 0.05
    public var unkReplacement = 0.0
    public var lockedDropout = 0.0
    public var transformer = TransformerConfig()
    public var wordVectors = WordVectorsConfig()

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case wordDim = "word_dim", wordMinCount = "word_min_count", lowercaseWords = "lowercase_words"
        case normalizeDigits = "normalize_digits", charDim = "char_dim", charHidden = "char_hidden", caseDim = "case_dim"
        case sharedHidden = "shared_hidden", dropout, wordDropout = "word_dropout", unkReplacement = "unk_replacement"
        case lockedDropout = "locked_dropout", transformer, wordVectors = "word_vectors"
    }
}

extension EncoderConfig: ConfigSection {
    /// What each key means: the text `mtl-dist config reference` and docs/CONFIG.md print beside
    /// its type and default (the one place it is written).
    static let meanings: [CodingKeys: String] = [
        .wordDim:
            "Word embedding width (> 0; 0 = none, with a transformer).",
        .wordMinCount:
            "Minimum training count for a word to get its own embedding (words seen fewer times map to `<unk>`).",
        .lowercaseWords:
            "Lowercase words before the vocabulary lookup.",
        .normalizeDigits:
            "Replace every digit with `0` before the vocabulary lookup.",
        .charDim:
            "Character embedding width; 0 disables the character encoder.",
        .charHidden:
            "Character BiLSTM hidden size per direction (> 0 when `char_dim > 0`).",
        .caseDim:
            "Casing-feature embedding width; 0 disables.",
        .sharedHidden:
            "Shared BiLSTM hidden size per direction; 0 = none.",
        .dropout:
            "Dropout probability on the features; every probability here lies in [0, 1).",
        .wordDropout:
            "Probability of zeroing a whole token vector during training (Flair's `WordDropout`).",
        .unkReplacement:
            "Probability of replacing a word seen once in training by `<unk>`, which trains `<unk>` (Lample et al. 2016).",
        .lockedDropout:
            "Locked dropout probability: one mask per sentence over all timesteps (Gal & Ghahramani 2016).",
        .transformer:
            "A pretrained transformer whose word vectors come first; its `path` is null when there is none.",
        .wordVectors:
            "Pretrained word vectors (GloVe, fastText, word2vec) that fill the word table; its `path` is null when there are none.",
    ]
    /// C, the width of a token vector; and the width of the encoder's output, the input of every head.
    var tokenWidth: Int { wordDim + (charDim > 0 ? 2 * charHidden : 0) + caseDim }
    var outputWidth: Int { sharedHidden > 0 ? 2 * sharedHidden : tokenWidth }

    static let defaults = EncoderConfig()
    static let children: [CodingKeys: ConfigSchema] = [.transformer: .section(TransformerConfig.self),
                                                       .wordVectors: .section(WordVectorsConfig.self)]

    func validate(_ rules: ConfigRules<CodingKeys>) throws {
        // the least memory of each width: its parameters and their gradients, 8 bytes each, with every
        // vocabulary at its smallest (2 entries) and every other width at 1
        try rules.integer(.wordDim, wordDim, atLeast: transformer.path == nil ? 1 : 0,
                          hint: transformer.path == nil ? nil : "set \(rules.keyPath(.wordDim)) >= 0 (0: no word embedding next to the transformer).")
        try rules.size(.wordDim, wordDim, bytes: { 16 * $0 }, for: "the word embedding and its gradient")
        try rules.integer(.wordMinCount, wordMinCount, atLeast: 1)
        try rules.integer(.charDim, charDim, atLeast: 0, hint: "set \(rules.keyPath(.charDim)) >= 0 (0 disables the character encoder).")
        try rules.integer(.charHidden, charHidden, atLeast: charDim > 0 ? 1 : 0,
                          hint: "set \(rules.keyPath(.charHidden)) > 0, or char_dim: 0 to disable characters.")
        try rules.size(.charDim, charDim, bytes: { 80 * $0 }, for: "the character embedding, the character BiLSTM's input weights and their gradients")
        try rules.size(.charHidden, charHidden, bytes: { 64 * $0 * ($0 + 1) }, for: "the character BiLSTM's weights and their gradients")
        try rules.integer(.caseDim, caseDim, atLeast: 0, hint: "set \(rules.keyPath(.caseDim)) >= 0 (0 disables casing features).")
        try rules.size(.caseDim, caseDim, bytes: { 8 * Double(TokenFeatures.casingCount) * $0 },
                       for: "the casing embedding and its gradient")
        try rules.integer(.sharedHidden, sharedHidden, atLeast: 0, hint: "set \(rules.keyPath(.sharedHidden)) >= 0 (0 = no shared BiLSTM).")
        try rules.size(.sharedHidden, sharedHidden, bytes: { 64 * $0 * (Double(tokenWidth) + $0 + 1) },
                       for: "the shared BiLSTM's weights and their gradients")
        try rules.number(.dropout, dropout, .probability)
        try rules.number(.wordDropout, wordDropout, .probability)
        try rules.number(.unkReplacement, unkReplacement, .probability)
        try rules.number(.lockedDropout, lockedDropout, .probability)
        try transformer.validate(rules.nested(.transformer))
        try wordVectors.validate(rules.nested(.wordVectors))
        let vectors: ConfigRules<WordVectorsConfig.CodingKeys> = rules.nested(.wordVectors)
        try vectors.check(wordVectors.path == nil || wordDim > 0, .path, found: wordVectors.path ?? "",
                          allowed: "a file only when \(rules.keyPath(.wordDim)) > 0 (the vectors fill the word table)",
                          hint: "set \(rules.keyPath(.wordDim)) to the file's width, or \(vectors.keyPath(.path)): null.")
        // the added rows, their gradients and two optimizer moments
        try vectors.size(.maxWords, wordVectors.maxWords, bytes: { 16 * $0 * Double(max(wordDim, 1)) },
                         for: "the added rows of the word table (\(wordDim) wide), their gradients and optimizer state")
    }
}
