import Autodiff
import Layers

/// The encoder every task shares (Flair's MultitaskModel shares one embedding instance): per token
/// `[word embedding ; casing embedding ; character BiLSTM]`, word/locked/ordinary dropout, then an
/// optional shared BiLSTM. Computed once per batch: `[B, T, spec.outputWidth]`.
public struct SharedEncoder: Module {
    public let spec: EncoderSpec
    let words: Embedding
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
        words = Embedding(count: spec.wordVocabularySize, dimension: spec.wordDimension,
                          name: "encoder.words", store: store, rng: &rng)
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

    public var parameters: [Parameter] {
        words.parameters + (cases?.parameters ?? []) + (characters?.parameters ?? []) + (lstm?.parameters ?? [])
    }

    /// The batch's token representations `[B, T, outputWidth]`. With `training`, dropout masks
    /// are drawn per row from `batch.rowKeys`.
    public func callAsFunction(_ batch: Batch, tape: Tape?, training: Bool) -> Tensor {
        let b = batch.size, t = batch.steps
        var parts = [words(batch.wordIDs, batch: b, steps: t, tape: tape)]
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
