import Autodiff
import Layers

/// A BERT-family encoder, transformers' `BertModel` without the pooler: `TransformerEmbeddings`
/// then a `TransformerEncoder`, over packed sequences (each `[CLS] … [SEP]` or `<s> … </s>`, at
/// most `config.maxSequenceLength` long). The family (`config.family`) decides the rest:
///
/// - BERT: `embeddings.*`, `encoder.layer.N.*` (`TransformerLayerNames.bert`), positions from 0.
/// - RoBERTa, XLM-RoBERTa, CamemBERT: BERT's names; positions from `pad_token_id + 1`
///   (transformers' `create_position_ids_from_input_ids`), one token type.
/// - DistilBERT: `embeddings.*` without token types, `transformer.layer.N.*`
///   (`TransformerLayerNames.distilbert`).
/// - ELECTRA: embedding tables of width E, then `embeddings_project` (`[C, E]`) when E ≠ C.
///
/// Its parameters carry the Hugging Face names after a prefix: `<name>.embeddings.word_embeddings.weight`,
/// `<name>.encoder.layer.0.attention.self.query.weight`, ... so `originalName(of:)` recovers the
/// name in `model.safetensors`, and `load(from:into:)` fills them from that file.
public struct BertModel: Module {
    public let config: BertConfig
    /// The prefix of every parameter name ("" for none).
    public let name: String
    public let embeddings: TransformerEmbeddings
    /// ELECTRA's projection of the embeddings from E to C (nil when they are C wide).
    public let embeddingProjection: Linear?
    public let encoder: TransformerEncoder
    /// The arithmetic of the linear maps (embedding projection, query/key/value, attention output,
    /// feed-forward) in forward and backward, whatever scope the caller runs in; attention's
    /// per-head products stay fp32.
    public let precision: MatmulPrecision

    /// Registers the parameters (random; `load` overwrites them). Dropout probabilities default to
    /// the config's; dropout sites are `site ..< site + 1 + 3 · layers`.
    public init(config: BertConfig, name: String, hiddenDropout: Float? = nil, attentionDropout: Float? = nil,
                precision: MatmulPrecision = .fp32, site: UInt64, store: ParameterStore, rng: inout SplitMix64) {
        self.config = config
        self.name = name
        self.precision = precision
        embeddings = TransformerEmbeddings(vocabularySize: config.vocabularySize, maxPositions: config.maxPositions,
                                           typeCount: config.typeVocabularySize, width: config.embeddingSize,
                                           layerNormEps: config.layerNormEps, dropout: hiddenDropout ?? config.hiddenDropout,
                                           paddingIndex: config.family.isRoberta ? Int32(config.paddingIndex) : nil,
                                           site: site, name: qualifiedName(name, "embeddings"), store: store, rng: &rng)
        embeddingProjection = config.embeddingSize == config.hiddenSize ? nil
            : Linear(inputSize: config.embeddingSize, outputSize: config.hiddenSize, name: qualifiedName(name, "embeddings_project"),
                     store: store, rng: &rng)
        let distil = config.family == .distilbert
        encoder = TransformerEncoder(layerCount: config.layerCount, width: config.hiddenSize, headCount: config.headCount,
                                     intermediateSize: config.intermediateSize, layerNormEps: config.layerNormEps,
                                     hiddenDropout: hiddenDropout ?? config.hiddenDropout,
                                     attentionDropout: attentionDropout ?? config.attentionDropout,
                                     site: site + 1, name: qualifiedName(name, distil ? "transformer" : "encoder"),
                                     names: distil ? .distilbert : .bert, store: store, rng: &rng)
    }

    public var parameters: [Parameter] { embeddings.parameters + (embeddingProjection?.parameters ?? []) + encoder.parameters }

    /// The hidden states of packed sequences `ids` (lengths `lengths`, one dropout key each):
    /// the embedding output first, then the output of each layer, `[N, C]` each (transformers'
    /// `output_hidden_states`). `through` stops after that many layers (all by default). With
    /// `lastRows`, the last layer run (when one runs) computes only those rows: the last state is then
    /// `[lastRows.rows.count, C]`, each row equal to its row of the whole state.
    public func callAsFunction(_ ids: [Int32], lengths: [Int], keys: [UInt64], training: Bool, tape: Tape?,
                               through layerCount: Int? = nil, lastRows: PackedRows? = nil) -> [Tensor] {
        MatmulPrecision.$current.withValue(precision) {
            var h = embeddings(ids, lengths: lengths, keys: keys, training: training, tape: tape)
            if let embeddingProjection { h = embeddingProjection(h, tape: tape) }
            var states = [h]
            let running = encoder.layers.prefix(layerCount ?? encoder.layers.count)
            for (i, layer) in running.enumerated() {
                h = layer(h, lengths: lengths, keys: keys, training: training, tape: tape,
                          outputRows: i == running.count - 1 ? lastRows : nil)
                states.append(h)
            }
            return states
        }
    }

    /// The name of `p` in a Hugging Face checkpoint: its name without this model's prefix.
    public func originalName(of p: Parameter) -> String {
        name.isEmpty ? p.name : String(p.name.dropFirst(name.count + 1))
    }

    /// Tensors of a BertModel checkpoint that this encoder does not use and may be left out.
    public static let unusedTensors: Set<String> = ["pooler.dense.weight", "pooler.dense.bias",
                                                    "embeddings.position_ids", "embeddings.token_type_ids"]

    /// The prefix of the encoder's tensors in a checkpoint of the base model with a head
    /// (`RobertaForMaskedLM`'s `roberta.`, ...).
    static func checkpointPrefix(_ family: BertConfig.Family) -> String {
        switch family {
        case .bert: return "bert."
        case .roberta, .xlmRoberta, .camembert: return "roberta."
        case .distilbert: return "distilbert."
        case .electra: return "electra."
        }
    }

    /// Tensors of a `family` checkpoint that this encoder does not use: `unusedTensors` and, beside
    /// BERT, the pretraining heads the published checkpoints ship (`lm_head.*`, DistilBERT's
    /// `vocab_*`, ELECTRA's `discriminator_predictions.*`).
    static func isUnused(_ bare: String, family: BertConfig.Family) -> Bool {
        if unusedTensors.contains(bare) { return true }
        let heads: [String]
        switch family {
        case .bert: return false
        case .roberta, .xlmRoberta, .camembert: heads = ["lm_head."]
        case .distilbert: heads = ["vocab_transform.", "vocab_layer_norm.", "vocab_projector."]
        case .electra: heads = ["discriminator_predictions."]
        }
        return heads.contains { bare.hasPrefix($0) }
    }

    /// Fills this model's parameters in `store` from `file`. Every parameter must be present with
    /// its exact shape (names may carry the family's prefix, `bert.`, `roberta.`, ..., and LayerNorm `gamma`/`beta` stand for
    /// `weight`/`bias`, as in older checkpoints); a tensor that is neither a parameter nor one of
    /// `unusedTensors` is refused. Everything is checked (`tensorPlan(in:)`) before any value is read.
    public func load(from file: any TensorSource, into store: ParameterStore) throws {
        for (p, tensorName) in try tensorPlan(in: file) {
            try file.read(tensorName, into: UnsafeMutableBufferPointer(start: store.values.base + p.offset, count: p.count))
        }
    }

    /// Which tensor of `file` fills each parameter, after checking names, shapes and dtypes (see
    /// `load`; the prefix is the family's: `roberta.`, `distilbert.`, `electra.`). Reads only the
    /// header, and needs only the parameters' layout: a model built in a
    /// layout-only store checks a file before anything is allocated for it.
    public func tensorPlan(in file: any TensorSource) throws -> [(Parameter, String)] {
        let headPrefix = BertModel.checkpointPrefix(config.family)
        let filePrefix = file.entries["embeddings.word_embeddings.weight"] == nil
            && file.entries[headPrefix + "embeddings.word_embeddings.weight"] != nil ? headPrefix : ""
        var plan: [(Parameter, String)] = []
        var used = Set<String>()
        for p in parameters {
            let original = originalName(of: p)
            var candidates = [filePrefix + original]
            if original.hasSuffix("LayerNorm.weight") {
                candidates.append(filePrefix + String(original.dropLast("weight".count)) + "gamma")
            } else if original.hasSuffix("LayerNorm.bias") {
                candidates.append(filePrefix + String(original.dropLast("bias".count)) + "beta")
            }
            guard let found = candidates.first(where: { file.entries[$0] != nil }), let entry = file.entries[found] else {
                throw TransformerError.missingTensor(file: file.path, tensor: candidates[0], expectedShape: p.shape.dims)
            }
            guard entry.shape == p.shape.dims else {
                throw TransformerError.tensorShape(file: file.path, tensor: found, expected: p.shape.dims, found: entry.shape)
            }
            guard [.f32, .f16, .bf16].contains(entry.dtype) else {
                throw TransformerError.unsupportedDType(file: file.path, tensor: found, dtype: entry.dtype.rawValue)
            }
            plan.append((p, found))
            used.insert(found)
        }
        for extra in file.names where !used.contains(extra) {
            let bare = extra.hasPrefix(filePrefix) ? String(extra.dropFirst(filePrefix.count)) : extra
            guard BertModel.isUnused(bare, family: config.family) else {
                throw TransformerError.unexpectedTensor(file: file.path, tensor: extra)
            }
        }
        return plan
    }
}
