/// The structure of a multi-task tagger: everything needed to rebuild its parameters in the
/// same order. Saved next to the parameters of a trained model.
public struct ModelSpec: Codable, Equatable, Sendable {
    public var encoder: EncoderSpec
    /// One head per task, in task order.
    public var heads: [HeadSpec]

    public init(encoder: EncoderSpec, heads: [HeadSpec]) {
        self.encoder = encoder
        self.heads = heads
    }
}

/// The shared encoder: pretrained transformer word vectors, word embedding, casing-feature
/// embedding and character BiLSTM (each optional), concatenated per token, then an optional
/// shared BiLSTM.
public struct EncoderSpec: Codable, Equatable, Sendable {
    public var wordVocabularySize: Int
    /// Width of the word embedding; 0 means none (with a transformer).
    public var wordDimension: Int
    /// Character vocabulary size; with `characterDimension == 0` there is no character encoder.
    public var characterVocabularySize: Int
    public var characterDimension: Int
    public var characterHidden: Int
    /// Number of casing classes (see `CaseFeature`); with `caseDimension == 0` no casing feature.
    public var caseClassCount: Int
    public var caseDimension: Int
    /// Hidden size per direction of a BiLSTM shared by all tasks; 0 means none.
    public var sharedHidden: Int
    /// Dropout on the token vectors and after every BiLSTM.
    public var dropout: Float
    /// Probability of zeroing a whole token vector (Flair's WordDropout).
    public var wordDropout: Float
    /// Locked (variational) dropout on the token vectors, one mask per sentence and feature.
    public var lockedDropout: Float
    /// A pretrained transformer whose word vectors come first in each token vector; nil: none.
    public var transformer: TransformerSpec?
    /// True: the word table is frozen (pretrained word vectors with `fine_tune: false`): it takes no
    /// gradient and no update, but stays in the store, so checkpoints and exports hold it. Nil (as
    /// saved by models before it existed, and written for a trained table) means trained.
    public var frozenWords: Bool?

    public init(wordVocabularySize: Int, wordDimension: Int, characterVocabularySize: Int,
                characterDimension: Int, characterHidden: Int, caseClassCount: Int, caseDimension: Int,
                sharedHidden: Int, dropout: Float, wordDropout: Float, lockedDropout: Float,
                transformer: TransformerSpec? = nil, frozenWords: Bool? = nil) {
        self.wordVocabularySize = wordVocabularySize
        self.wordDimension = wordDimension
        self.characterVocabularySize = characterVocabularySize
        self.characterDimension = characterDimension
        self.characterHidden = characterHidden
        self.caseClassCount = caseClassCount
        self.caseDimension = caseDimension
        self.sharedHidden = sharedHidden
        self.dropout = dropout
        self.wordDropout = wordDropout
        self.lockedDropout = lockedDropout
        self.transformer = transformer
        self.frozenWords = frozenWords
    }

    /// Whether the word table is frozen (`frozenWords == true`).
    public var wordsFrozen: Bool { frozenWords == true }

    /// Width of one token vector before the shared BiLSTM.
    public var tokenWidth: Int {
        (transformer?.outputWidth ?? 0) + wordDimension + (characterDimension > 0 ? 2 * characterHidden : 0) + caseDimension
    }

    /// Width of the encoder's output, the input of every head.
    public var outputWidth: Int { sharedHidden > 0 ? 2 * sharedHidden : tokenWidth }
}

/// How a head turns emissions into a loss and a decoding.
public enum HeadKind: String, Codable, Sendable, CaseIterable {
    /// Linear-chain CRF; loss: negative log-likelihood of the gold path; decoding: Viterbi.
    case crf
    /// Independent softmax per token; loss: cross-entropy summed over the tokens.
    case softmax
}

/// One task's head: its own optional BiLSTM, then either a linear map to its tags per token
/// (softmax or CRF, `TaskHead`), or, with `pooling`, one sentence vector and a softmax over the
/// sentence labels (`ClassificationHead`), or, with `parser`, biaffine arc and relation scorers
/// (`DependencyTaskHead`; `tagCount` is then the number of relations).
public struct HeadSpec: Codable, Equatable, Sendable {
    public var name: String
    public var tagCount: Int
    public var kind: HeadKind
    /// Hidden size per direction of the head's own BiLSTM; 0 means none.
    public var hidden: Int
    public var lossWeight: Float
    /// Set for a sentence classifier: how it pools the tokens. Nil for a token head (and absent
    /// from the JSON of models saved before sentence heads existed).
    public var pooling: SentencePooling?
    /// Set for a dependency parser: its MLP widths. Nil for the other heads (and absent from the
    /// JSON of models saved before parsers existed).
    public var parser: ParserSizes?

    public init(name: String, tagCount: Int, kind: HeadKind, hidden: Int, lossWeight: Float, pooling: SentencePooling? = nil,
                parser: ParserSizes? = nil) {
        self.name = name
        self.tagCount = tagCount
        self.kind = kind
        self.hidden = hidden
        self.lossWeight = lossWeight
        self.pooling = pooling
        self.parser = parser
    }
}

/// The MLP widths of a dependency head (`DependencyHead`): A for the arc scorer, Q for the relation scorer.
public struct ParserSizes: Codable, Equatable, Sendable {
    /// Width A of the arc MLPs' outputs (`tasks.<name>.arc_size`).
    public var arcSize: Int
    /// Width Q of the relation MLPs' outputs (`tasks.<name>.relation_size`).
    public var relationSize: Int

    public init(arcSize: Int, relationSize: Int) {
        self.arcSize = arcSize
        self.relationSize = relationSize
    }
}
