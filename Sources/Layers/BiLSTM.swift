import Autodiff

/// A one-layer bidirectional LSTM over a padded batch, PyTorch's `nn.LSTM(bidirectional=True,
/// batch_first=True)`: `x [B, T, C]`, `lengths[b] ≤ T` → `[B, T, 2H]` with
///
///     out[b, t, :] = [ →h_t ; ←h_t ]
///
/// where →h runs the forward LSTM left to right and ←h runs the backward LSTM right to left
/// within each sequence's own length (so its first step reads `x[b, lengths[b] − 1]`, not a
/// padded position). Padded steps are zero and influence nothing. Parameters:
/// `<name>.forward.{weight_ih, weight_hh, bias}` and `<name>.backward.{…}` (see `LSTM`).
public struct BiLSTM: Module {
    /// C, the width of each input step.
    public let inputSize: Int
    /// H, the state width of each direction.
    public let hiddenSize: Int
    /// Reads each sequence left to right.
    public let forwardLSTM: LSTM
    /// Reads each sequence right to left.
    public let backwardLSTM: LSTM

    /// Registers the two directions under `<name>.forward` and `<name>.backward`.
    public init(inputSize: Int, hiddenSize: Int, name: String, store: ParameterStore, rng: inout SplitMix64) {
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        forwardLSTM = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, name: qualifiedName(name, "forward"),
                           store: store, rng: &rng)
        backwardLSTM = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, name: qualifiedName(name, "backward"),
                            store: store, rng: &rng)
    }

    /// The forward direction's parameters, then the backward direction's.
    public var parameters: [Parameter] { forwardLSTM.parameters + backwardLSTM.parameters }

    /// Width of the output, 2H.
    public var outputSize: Int { 2 * hiddenSize }

    /// `x [B, T, inputSize]`, `lengths` (B of them, each in `0...T`) → `[B, T, 2·hiddenSize]`,
    /// zero at padded steps.
    public func callAsFunction(_ x: Tensor, lengths: [Int], tape: Tape?) -> Tensor {
        precondition(x.shape.rank == 3 && x.shape[2] == inputSize,
                     "BiLSTM(\(inputSize)→\(hiddenSize)) needs [B, T, \(inputSize)], got \(x.shape)")
        // [→h_t ; ←h_t], ←h_t = LSTM_backward(reverse(x))[lengths[b] − 1 − t], in one op
        return LSTM.fused(x, lengths: lengths,
                          directions: [forwardLSTM.direction(reversed: false, tape: tape),
                                       backwardLSTM.direction(reversed: true, tape: tape)],
                          output: .sequence)
    }
}
