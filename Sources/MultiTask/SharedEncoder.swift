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

    public init(spec: EncoderSpec, store: ParameterStore, rng: inout SplitMix64) {
        self.spec = spec
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
        if training {
            x = applyDropout(x, probability: spec.wordDropout, kind: .word, site: 1, keys: batch.rowKeys)
            x = applyDropout(x, probability: spec.lockedDropout, kind: .locked, site: 2, keys: batch.rowKeys)
            x = applyDropout(x, probability: spec.dropout, kind: .element, site: 3, keys: batch.rowKeys)
        }
        if let lstm {
            x = lstm(x, lengths: batch.lengths, tape: tape)
            if training { x = applyDropout(x, probability: spec.dropout, kind: .element, site: 4, keys: batch.rowKeys) }
        }
        return x
    }
}

/// Dropout with the mask of each row drawn from (row key, site): the same sentence gets the same
/// mask at a site whichever batch or rank it is in, and different sites get unrelated masks.
func applyDropout(_ x: Tensor, probability: Float, kind: DropoutKind, site: UInt64, keys: [UInt64]) -> Tensor {
    guard probability > 0, x.shape[0] > 0 else { return x }
    return x.dropout(probability: probability, kind: kind, keys: keys.map { SplitMix64.mix($0 ^ SplitMix64.mix(site)) })
}
