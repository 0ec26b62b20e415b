/// The shared encoder of a run config (`encoder:` in YAML): word, character and casing embeddings, an
/// optional shared BiLSTM, and dropout.
///
/// Token features, `[T, C]` per sentence with `C = word_dim + 2·char_hidden (if char_dim > 0) + case_dim`,
/// then, when `shared_hidden > 0`, a BiLSTM to `[T, 2·shared_hidden]` that every task head reads.
/// ```yaml
/// encoder:
///   word_dim: 100          # > 0
///   word_min_count: 1      # words seen fewer times in train map to <unk>
///   lowercase_words: true
///   normalize_digits: true # every digit → 0 before the word lookup
///   char_dim: 25           # 0 disables the character encoder
///   char_hidden: 25        # character BiLSTM hidden size per direction (> 0 when char_dim > 0)
///   case_dim: 4            # casing-feature embedding width; 0 disables
///   shared_hidden: 0       # shared BiLSTM hidden size per direction; 0 = none
///   dropout: 0.5           # in [0, 1)
///   word_dropout: 0.05     # probability of zeroing a whole token vector (Flair's WordDropout)
///   unk_replacement: 0.0   # probability of replacing a word seen once in train by <unk> (Lample et al. 2016)
///   locked_dropout: 0.0    # one mask per sentence over all timesteps (Gal & Ghahramani 2016)
/// ```
public struct EncoderConfig: Codable, Equatable {
    /// Word embedding width.
    public var wordDim: Int = 100
    /// Minimum training count for a word to get its own embedding.
    public var wordMinCount: Int = 1
    /// Lowercase words before the vocabulary lookup.
    public var lowercaseWords: Bool = true
    /// Replace every digit with `0` before the vocabulary lookup.
    public var normalizeDigits: Bool = true
    /// Character embedding width; 0 disables the character encoder.
    public var charDim: Int = 25
    /// Character BiLSTM hidden size per direction.
    public var charHidden: Int = 25
    /// Casing-feature embedding width; 0 disables.
    public var caseDim: Int = 4
    /// Shared BiLSTM hidden size per direction; 0 = none.
    public var sharedHidden: Int = 0
    /// Dropout probability on the features.
    public var dropout: Double = 0.5
    /// Probability of zeroing a whole token vector during training (Flair's `WordDropout`).
    public var wordDropout: Double = 0.05
    /// Probability of replacing a word seen only once in training by `<unk>` (Lample et al. 2016),
    /// so the `<unk>` embedding is trained for the unseen words of test data.
    public var unkReplacement: Double = 0.0
    /// Locked (variational) dropout probability.
    public var lockedDropout: Double = 0.0

    /// The defaults above.
    public init() {}

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case wordDim = "word_dim"
        case wordMinCount = "word_min_count"
        case lowercaseWords = "lowercase_words"
        case normalizeDigits = "normalize_digits"
        case charDim = "char_dim"
        case charHidden = "char_hidden"
        case caseDim = "case_dim"
        case sharedHidden = "shared_hidden"
        case dropout
        case wordDropout = "word_dropout"
        case unkReplacement = "unk_replacement"
        case lockedDropout = "locked_dropout"
    }

    /// Decodes `encoder:`, rejecting unknown keys and impossible values.
    public init(from decoder: Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = EncoderConfig()
        wordDim = try section.integer(.wordDim, default: defaults.wordDim, atLeast: 1)
        wordMinCount = try section.integer(.wordMinCount, default: defaults.wordMinCount, atLeast: 1)
        lowercaseWords = try section.value(.lowercaseWords, default: defaults.lowercaseWords)
        normalizeDigits = try section.value(.normalizeDigits, default: defaults.normalizeDigits)
        charDim = try section.integer(.charDim, default: defaults.charDim, atLeast: 0,
                                      hint: "set \(section.keyPath(.charDim)) >= 0 (0 disables the character encoder).")
        charHidden = try section.integer(.charHidden, default: defaults.charHidden, atLeast: charDim > 0 ? 1 : 0,
                                         hint: "set \(section.keyPath(.charHidden)) > 0, or char_dim: 0 to disable characters.")
        caseDim = try section.integer(.caseDim, default: defaults.caseDim, atLeast: 0,
                                      hint: "set \(section.keyPath(.caseDim)) >= 0 (0 disables casing features).")
        sharedHidden = try section.integer(.sharedHidden, default: defaults.sharedHidden, atLeast: 0,
                                           hint: "set \(section.keyPath(.sharedHidden)) >= 0 (0 = no shared BiLSTM).")
        dropout = try section.number(.dropout, default: defaults.dropout, .probability)
        wordDropout = try section.number(.wordDropout, default: defaults.wordDropout, .probability)
        unkReplacement = try section.number(.unkReplacement, default: defaults.unkReplacement, .probability)
        lockedDropout = try section.number(.lockedDropout, default: defaults.lockedDropout, .probability)
    }

    /// Encodes every key.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(wordDim, forKey: .wordDim)
        try container.encode(wordMinCount, forKey: .wordMinCount)
        try container.encode(lowercaseWords, forKey: .lowercaseWords)
        try container.encode(normalizeDigits, forKey: .normalizeDigits)
        try container.encode(charDim, forKey: .charDim)
        try container.encode(charHidden, forKey: .charHidden)
        try container.encode(caseDim, forKey: .caseDim)
        try container.encode(sharedHidden, forKey: .sharedHidden)
        try container.encodeNumber(dropout, forKey: .dropout)
        try container.encodeNumber(wordDropout, forKey: .wordDropout)
        try container.encodeNumber(unkReplacement, forKey: .unkReplacement)
        try container.encodeNumber(lockedDropout, forKey: .lockedDropout)
    }
}
