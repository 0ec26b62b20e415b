import Autodiff
import Layers

/// A head's own optional BiLSTM over the shared encoding (`HeadSpec.hidden > 0`) with dropout after
/// it, the first layer of every head: `[R, T, C]` → `[R, T, 2·hidden]`, or the input itself without one.
struct HeadLSTM {
    let lstm: BiLSTM?
    let dropout: Dropout
    /// The width of what it returns.
    let outputWidth: Int

    /// Registers `heads.<name>.lstm` in `store` (when `spec.hidden > 0`); head `index` draws its
    /// dropout masks from its own site.
    init(spec: HeadSpec, index: Int, inputWidth: Int, dropout: Float, store: ParameterStore, rng: inout SplitMix64) {
        self.dropout = Dropout(probability: dropout, site: 100 + UInt64(index))
        lstm = spec.hidden > 0
            ? BiLSTM(inputSize: inputWidth, hiddenSize: spec.hidden, name: "heads.\(spec.name).lstm", store: store, rng: &rng)
            : nil
        outputWidth = spec.hidden > 0 ? 2 * spec.hidden : inputWidth
    }

    var parameters: [Parameter] { lstm?.parameters ?? [] }

    /// `dropout(BiLSTM(x))` for the rows `x [R, T, C]`, or `x` without a BiLSTM.
    func callAsFunction(_ x: Tensor, lengths: [Int], keys: [UInt64], tape: Tape?, training: Bool) -> Tensor {
        guard let lstm else { return x }
        return dropout(lstm(x, lengths: lengths, tape: tape), keys: keys, training: training)
    }
}
