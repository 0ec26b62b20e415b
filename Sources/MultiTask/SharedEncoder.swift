import Autodiff
import Layers
import Transformer

/// The encoder every task shares (Flair's MultitaskModel shares one embedding instance): per token
/// `[transformer word vector ; word embedding ; casing embedding ; character BiLSTM]` (each part
/// optional), word/locked/ordinary dropout, then an optional shared BiLSTM. Computed once per
/// batch: `[B, T, spec.outputWidth]`.
///
/// A fine-tuned transformer registers its parameters in the model's store as
/// `encoder.transformer.<Hugging Face name>`; a frozen one keeps them in `frozenStore`, outside the
/// gradient buffer and the all-reduce, and runs without a tape and without dropout.
public struct SharedEncoder: Module {
    public let spec: EncoderSpec
    /// The transformer's word vectors, when the spec has one.
    public let transformer: TransformerWordEmbeddings?
    /// The frozen transformer's parameters (nil when there is none or it is fine-tuned).
    public let frozenStore: ParameterStore?
    let words: Embedding?
    let cases: Embedding?
    let characters: CharEncoder?
    let lstm: BiLSTM?
    let wordDropout: Dropout
    let lockedDropout: Dropout
    let tokenDropout: Dropout
    let lstmDropout: Dropout

    public init(spec: EncoderSpec, store: ParameterStore, rng: inout SplitMix64) {
        self.spec = spec
        wordDropout = .word(probability: spec.wordDropout, site: 1)
        lockedDropout = .locked(probability: spec.lockedDropout, site: 2)
        tokenDropout = Dropout(probability: spec.dropout, site: 3)
        lstmDropout = Dropout(probability: spec.dropout, site: 4)
        if let t = spec.transformer {
            let target = t.fineTune ? store : ParameterStore()
            let model = BertModel(config: t.config, name: "encoder.transformer", hiddenDropout: t.dropout,
                                  attentionDropout: t.dropout, precision: t.precision, site: 1000, store: target, rng: &rng)
            // the mix learns in the model's store even when the transformer is frozen
            let mix = t.layerMix == .learned
                ? ScalarMix(count: t.hiddenStates.count, name: "encoder.layer_mix", store: store, rng: &rng)
                : nil
            transformer = TransformerWordEmbeddings(model: model, hiddenStates: t.hiddenStates, pooling: t.pooling, mix: mix)
            frozenStore = t.fineTune ? nil : target
        } else {
            transformer = nil
            frozenStore = nil
        }
        words = spec.wordDimension > 0
            ? Embedding(count: spec.wordVocabularySize, dimension: spec.wordDimension, name: "encoder.words", store: store, rng: &rng)
            : nil
        cases = spec.caseDimension > 0
            ? Embedding(count: spec.caseClassCount, dimension: spec.caseDimension, name: "encoder.case", store: store, rng: &rng)
            : nil
        characters = spec.characterDimension > 0
            ? CharEncoder(vocabularySize: spec.characterVocabularySize, characterDimension: spec.characterDimension,
                          hiddenSize: spec.characterHidden, name: "encoder.chars", store: store, rng: &rng)
            : nil
        lstm = spec.sharedHidden > 0
            ? BiLSTM(inputSize: spec.tokenWidth, hiddenSize: spec.sharedHidden, name: "encoder.lstm", store: store, rng: &rng)
            : nil
    }

    /// The parameters in the model's store: a frozen transformer's are not among them, its layer mix's are.
    public var parameters: [Parameter] {
        (frozenStore == nil ? transformer?.parameters ?? [] : []) + (transformer?.mix?.parameters ?? [])
            + (words?.parameters ?? []) + (cases?.parameters ?? [])
            + (characters?.parameters ?? []) + (lstm?.parameters ?? [])
    }

    /// The range of the model's flat store that a fine-tuned transformer occupies (nil otherwise),
    /// for a learning rate of its own.
    public var transformerRange: Range<Int>? {
        guard frozenStore == nil, let ps = transformer?.parameters, let first = ps.first, let last = ps.last else { return nil }
        return first.offset..<(last.offset + last.count)
    }

    /// The range of the model's flat store that a frozen word table occupies (nil when there is none
    /// or it is trained): no gradient reaches it and no optimizer updates it.
    public var frozenWordRange: Range<Int>? {
        guard spec.wordsFrozen, let table = words?.table else { return nil }
        return table.offset..<(table.offset + table.count)
    }

    /// The word table `[V, wordDimension]` (nil without one).
    public var wordTable: Parameter? { words?.table }

    /// A fine-tuned transformer's WordPiece embedding table `[V, C]` in the model's store (nil
    /// otherwise): a batch reads, and back-propagates into, only the rows of its subword ids.
    public var subwordTable: Parameter? {
        frozenStore == nil ? transformer?.model.embeddings.words : nil
    }

    /// Fills the transformer's parameters from its pretrained weights (in the model's store when
    /// fine-tuned, in `frozenStore` otherwise).
    public func loadTransformer(from file: any TensorSource, store: ParameterStore) throws {
        guard let transformer else { return }
        try transformer.model.load(from: file, into: frozenStore ?? store)
    }

    /// The batch's token representations `[B, T, outputWidth]`. With `training`, dropout masks
    /// are drawn per row from `batch.rowKeys`.
    public func callAsFunction(_ batch: Batch, tape: Tape?, training: Bool) -> Tensor {
        let b = batch.size, t = batch.steps
        var parts: [Tensor] = []
        if let transformer {
            guard let subwords = batch.subwords else { preconditionFailure("an encoder with a transformer needs the batch's subwords") }
            let fineTune = frozenStore == nil
            // one vector per real token, laid out as a padded batch
            parts.append(transformer(subwords, training: training, tape: tape, fineTune: fineTune)
                .paddedSequences(lengths: batch.lengths, steps: t))
        }
        // a frozen table is read without the tape: no gradient reaches it
        if let words { parts.append(words(batch.wordIDs, batch: b, steps: t, tape: spec.wordsFrozen ? nil : tape)) }
        if let cases { parts.append(cases(batch.caseIDs, batch: b, steps: t, tape: tape)) }
        if let characters {
            // one vector per real token, laid out as a padded batch
            parts.append(characters(words: batch.characters, tape: tape).paddedSequences(lengths: batch.lengths, steps: t))
        }
        var x = parts.count == 1 ? parts[0] : concatLastAxis(parts)
        // masks keyed by the sentence (row key) and the layer (site), never by the rank
        x = wordDropout(x, keys: batch.rowKeys, training: training)
        x = lockedDropout(x, keys: batch.rowKeys, training: training)
        x = tokenDropout(x, keys: batch.rowKeys, training: training)
        if let lstm {
            x = lstmDropout(lstm(x, lengths: batch.lengths, tape: tape), keys: batch.rowKeys, training: training)
        }
        return x
    }
}
