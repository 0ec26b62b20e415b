import Autodiff

/// One post-LayerNorm transformer encoder layer, BERT's `BertLayer`, over packed sequences
/// `x [N, C]`:
///
///     a   = LayerNorm(x + dropout(MultiHeadAttention(x)))
///     out = LayerNorm(a + dropout(W_2 · GELU(W_1 · a + b_1) + b_2))
///
/// with the exact (erf) GELU. Parameters in BERT's names under `<name>`: `attention.*` (see
/// `MultiHeadAttention`), `attention.output.LayerNorm`, `intermediate.dense` (`[I, C]`),
/// `output.dense` (`[C, I]`), `output.LayerNorm`, or DistilBERT's (`TransformerLayerNames`).
/// Dropout sites: `site` (attention probabilities), `site + 1` (attention branch), `site + 2`
/// (feed-forward branch).
public struct TransformerEncoderLayer: Module {
    public let attention: MultiHeadAttention
    public let attentionNorm: LayerNorm
    public let intermediate: Linear
    public let output: Linear
    public let outputNorm: LayerNorm
    let attentionDropout: Dropout
    let outputDropout: Dropout

    public init(width: Int, headCount: Int, intermediateSize: Int, layerNormEps: Float,
                hiddenDropout: Float, attentionDropout: Float, site: UInt64,
                name: String, names: TransformerLayerNames = .bert, store: ParameterStore, rng: inout SplitMix64) {
        attention = MultiHeadAttention(width: width, headCount: headCount, dropout: attentionDropout, site: site,
                                       name: qualifiedName(name, "attention"), projectionNames: names.attention,
                                       store: store, rng: &rng)
        attentionNorm = LayerNorm(width: width, eps: layerNormEps, name: qualifiedName(name, names.attentionNorm),
                                  store: store, rng: &rng)
        intermediate = Linear(inputSize: width, outputSize: intermediateSize, name: qualifiedName(name, names.intermediate),
                              store: store, rng: &rng)
        output = Linear(inputSize: intermediateSize, outputSize: width, name: qualifiedName(name, names.output),
                        store: store, rng: &rng)
        outputNorm = LayerNorm(width: width, eps: layerNormEps, name: qualifiedName(name, names.outputNorm),
                               store: store, rng: &rng)
        self.attentionDropout = Dropout(probability: hiddenDropout, site: site + 1)
        outputDropout = Dropout(probability: hiddenDropout, site: site + 2)
    }

    public var parameters: [Parameter] {
        attention.parameters + attentionNorm.parameters + intermediate.parameters + output.parameters + outputNorm.parameters
    }

    /// `x [N, C]` packed by `lengths` → `[N, C]`. With `outputRows`, only those rows are computed
    /// (every row still serves as a key and value of attention), `[outputRows.rows.count, C]`, each
    /// equal to its row of the whole output (dropout too): what a last layer needs when only some
    /// rows are read, for a fraction of the feed-forward and output projections' work.
    public func callAsFunction(_ x: Tensor, lengths: [Int], keys: [UInt64], training: Bool, tape: Tape?,
                               outputRows: PackedRows? = nil) -> Tensor {
        let selection = outputRows.flatMap { $0.isAll ? nil : $0 }
        func dropout(_ d: Dropout, _ y: Tensor) -> Tensor {
            selection.map { d(y, rows: $0, keys: keys, training: training) } ?? d(y, lengths: lengths, keys: keys, training: training)
        }
        let attended = attention(x, lengths: lengths, keys: keys, training: training, tape: tape, queries: selection)
        let residual = selection.map { x.selectingRows($0.rows) } ?? x
        let a = attentionNorm(residual + dropout(attentionDropout, attended), tape: tape)
        let f = output(intermediate(a, tape: tape).gelu(), tape: tape)
        return outputNorm(a + dropout(outputDropout, f), tape: tape)
    }
}

/// The parameter names of one encoder layer, relative to the layer: BERT's (also RoBERTa's and
/// ELECTRA's) or DistilBERT's.
public struct TransformerLayerNames: Equatable, Sendable {
    /// Query, key, value and output projections, relative to `attention`.
    public let attention: [String]
    public let attentionNorm: String
    public let intermediate: String
    public let output: String
    public let outputNorm: String

    /// transformers' `BertLayer`.
    public static let bert = TransformerLayerNames(attention: MultiHeadAttention.bertProjectionNames,
                                                   attentionNorm: "attention.output.LayerNorm", intermediate: "intermediate.dense",
                                                   output: "output.dense", outputNorm: "output.LayerNorm")
    /// transformers' DistilBERT `TransformerBlock`.
    public static let distilbert = TransformerLayerNames(attention: ["q_lin", "k_lin", "v_lin", "out_lin"],
                                                         attentionNorm: "sa_layer_norm", intermediate: "ffn.lin1",
                                                         output: "ffn.lin2", outputNorm: "output_layer_norm")
}
