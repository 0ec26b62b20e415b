import Autodiff

// Thin layers over `Tensor.dropout(probability:kind:keys:)` on `[B, T, C]`. Each is the identity
// when not training or when its probability is 0. The masks of sentence b come from
// `SplitMix64(keys: keys[b])`, so a sentence gets the same mask on any rank (see `Tensor.dropout`).

/// Elementwise dropout, PyTorch's `nn.Dropout`: each element of `[B, T, C]` is zeroed with
/// probability p, the kept ones scaled by 1/(1 − p).
public struct Dropout: Module {
    /// Probability of dropping, in [0, 1).
    public let probability: Float

    /// A layer dropping with `probability` in [0, 1).
    public init(probability: Float) {
        precondition(probability >= 0 && probability < 1, "Dropout probability \(probability) outside [0, 1)")
        self.probability = probability
    }

    /// None: dropout has no parameters.
    public var parameters: [Parameter] { [] }

    /// `x [B, T, C]` → `[B, T, C]`; `keys` holds one key per sentence.
    public func callAsFunction(_ x: Tensor, keys: [UInt64], training: Bool) -> Tensor {
        guard training, probability > 0 else { return x }
        return x.dropout(probability: probability, kind: .element, keys: keys)
    }
}

/// Locked (variational) dropout, Flair's `LockedDropout` (Gal & Ghahramani 2016): one mask per
/// sentence and feature, shared by all its steps, `out[b, t, j] = x[b, t, j] · m[b, j] / (1 − p)`.
public struct LockedDropout: Module {
    /// Probability of dropping a feature of a sentence, in [0, 1).
    public let probability: Float

    /// A layer dropping with `probability` in [0, 1).
    public init(probability: Float) {
        precondition(probability >= 0 && probability < 1, "LockedDropout probability \(probability) outside [0, 1)")
        self.probability = probability
    }

    /// None: dropout has no parameters.
    public var parameters: [Parameter] { [] }

    /// `x [B, T, C]` → `[B, T, C]`; `keys` holds one key per sentence.
    public func callAsFunction(_ x: Tensor, keys: [UInt64], training: Bool) -> Tensor {
        guard training, probability > 0 else { return x }
        return x.dropout(probability: probability, kind: .locked, keys: keys)
    }
}

/// Word dropout, Flair's `WordDropout`: whole token vectors zeroed with probability p,
/// `out[b, t, :] = x[b, t, :] · m[b, t]`, kept ones not rescaled (as Flair does).
public struct WordDropout: Module {
    /// Probability of dropping a token, in [0, 1).
    public let probability: Float

    /// A layer dropping with `probability` in [0, 1).
    public init(probability: Float) {
        precondition(probability >= 0 && probability < 1, "WordDropout probability \(probability) outside [0, 1)")
        self.probability = probability
    }

    /// None: dropout has no parameters.
    public var parameters: [Parameter] { [] }

    /// `x [B, T, C]` → `[B, T, C]`; `keys` holds one key per sentence.
    public func callAsFunction(_ x: Tensor, keys: [UInt64], training: Bool) -> Tensor {
        guard training, probability > 0 else { return x }
        return x.dropout(probability: probability, kind: .word, keys: keys)
    }
}
