import WordVectors

/// Pretrained word vectors for the word table (`encoder.word_vectors:` in YAML), as Flair's
/// `WordEmbeddings` uses GloVe, fastText or word2vec files: rows of the vocabulary's words are
/// filled from the file when training starts, and the table is then saved with the model like any
/// other parameter (a resume or a saved model never reads the file again).
public struct WordVectorsConfig: Codable, Equatable {
    // The keys, in YAML order; what each means is in `meanings` below.
    public var path: String?
    public var format = VectorFileFormat.text
    public var fineTune = false
    public var lowercaseFallback = true
    public var maxWords = 0

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case path, format, fineTune = "fine_tune", lowercaseFallback = "lowercase_fallback", maxWords = "max_words"
    }

    /// The most words `max_words` may add.
    public static let maxWordsLimit = 10_000_000
}

extension WordVectorsConfig: ConfigSection {
    /// What each key means: the text `mtl-dist config reference` and docs/CONFIG.md print beside
    /// its type and default (the one place it is written).
    static let meanings: [CodingKeys: String] = [
        .path:
            "A word vectors file (GloVe .txt, fastText .vec, word2vec .bin), relative to the config file's folder; read when training starts, never on resume; `null` = none.",
        .format:
            "`text` (GloVe, or fastText .vec with its optional `count dim` first line) or `word2vec_binary`.",
        .fineTune:
            "Train the word table with the taggers; `false` freezes it (no gradient, no update), as Flair's WordEmbeddings does by default.",
        .lowercaseFallback:
            "A word the file lacks takes the vector of its lowercase, then of its digits as `#`, then as `0` (Flair's lookup); `false`: the word alone.",
        .maxWords:
            "Also add the file's first (most frequent) N words to the vocabulary, beside the corpora's words (0 = the corpora's words only).",
    ]
    static let defaults = WordVectorsConfig()

    func validate(_ rules: ConfigRules<CodingKeys>) throws {
        try rules.path(.path, path, allowed: "a word vectors file, or null for none",
                       hint: "set \(rules.keyPath(.path)) to a GloVe, fastText .vec or word2vec file, or null.")
        try rules.integer(.maxWords, maxWords, atLeast: 0, atMost: WordVectorsConfig.maxWordsLimit,
                          hint: "set \(rules.keyPath(.maxWords)) to an integer from 0 to \(WordVectorsConfig.maxWordsLimit).")
    }
}
