import Autodiff

/// Multi-head self-attention with its projections, as BERT's `BertSelfAttention` +
/// `BertSelfOutput.dense`: over packed sequences `x [N, C]` (see `packedSelfAttention`; the three
/// input projections run as one `gemm`),
///
///     out = (attention(x·W_qᵀ + b_q, x·W_kᵀ + b_k, x·W_vᵀ + b_v)) · W_oᵀ + b_o
///
/// Parameters, in BERT's names under `<name>`: `self.query`, `self.key`, `self.value` and
/// `output.dense` (each `.weight [C, C]`, `.bias [C]`), or the four names `projectionNames` gives
/// (DistilBERT's `q_lin`, `k_lin`, `v_lin`, `out_lin`). Dropout on the attention probabilities
/// is drawn at `site`, keyed per sequence like every other dropout.
public struct MultiHeadAttention: Module {
    public let width: Int
    public let headCount: Int
    public let query: Linear
    public let key: Linear
    public let value: Linear
    public let output: Linear
    /// Dropout on the attention probabilities.
    public let probabilityDropout: Dropout

    /// BERT's names of the query, key, value and output projections.
    public static let bertProjectionNames = ["self.query", "self.key", "self.value", "output.dense"]

    public init(width: Int, headCount: Int, dropout: Float = 0, site: UInt64 = 0,
                name: String, projectionNames: [String] = MultiHeadAttention.bertProjectionNames,
                store: ParameterStore, rng: inout SplitMix64) {
        precondition(headCount > 0 && width % headCount == 0, "MultiHeadAttention: width \(width) is not a multiple of \(headCount) heads")
        precondition(projectionNames.count == 4, "MultiHeadAttention: projection names \(projectionNames), expected query, key, value, output")
        self.width = width
        self.headCount = headCount
        query = Linear(inputSize: width, outputSize: width, name: qualifiedName(name, projectionNames[0]), store: store, rng: &rng)
        key = Linear(inputSize: width, outputSize: width, name: qualifiedName(name, projectionNames[1]), store: store, rng: &rng)
        value = Linear(inputSize: width, outputSize: width, name: qualifiedName(name, projectionNames[2]), store: store, rng: &rng)
        output = Linear(inputSize: width, outputSize: width, name: qualifiedName(name, projectionNames[3]), store: store, rng: &rng)
        probabilityDropout = Dropout(probability: dropout, site: site)
    }

    public var parameters: [Parameter] { query.parameters + key.parameters + value.parameters + output.parameters }

    /// `x [N, width]` packed by `lengths` → `[N, width]`; `keys` holds one dropout key per sequence.
    /// With `queries`, only those rows attend (to every row of their sequence): `[queries.rows.count, width]`.
    public func callAsFunction(_ x: Tensor, lengths: [Int], keys: [UInt64], training: Bool, tape: Tape?,
                               queries: PackedRows? = nil) -> Tensor {
        let dropping = training && probabilityDropout.probability > 0
        let salt = SplitMix64.mix(probabilityDropout.site)
        // [q ; k ; v] per row, one GEMM over the three weights
        let projections = [query, key, value]
        let qkv = linear(x, weights: projections.map { $0.weightTensor(tape: tape) },
                         biases: projections.compactMap { $0.biasTensor(tape: tape) })
        let context = packedSelfAttention(qkv, heads: headCount, lengths: lengths,
                                          dropout: dropping ? probabilityDropout.probability : 0,
                                          keys: dropping ? keys.map { SplitMix64.mix($0 ^ salt) } : [], queries: queries)
        return output(context, tape: tape)
    }
}
