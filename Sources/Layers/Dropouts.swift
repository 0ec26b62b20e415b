import Autodiff

/// Dropout on `[B, T, C]` for training, over `Tensor.dropout(probability:kind:keys:)`: elementwise
/// (PyTorch's `nn.Dropout`), locked (Flair's `LockedDropout`, Gal & Ghahramani 2016: one mask per
/// sentence and feature, shared by all its steps) or word dropout (Flair's `WordDropout`: whole token
/// vectors zeroed, kept ones not rescaled). The identity when not training or when p = 0.
///
/// The mask of sentence b is drawn from its key `keys[b]` mixed with this layer's `site`, so a
/// sentence gets the same mask on any rank and in any batch, and two dropout layers never share one.
public struct Dropout: Module {
    /// Probability of dropping, in [0, 1).
    public let probability: Float
    /// What one draw covers: an element, a feature of a sentence, or a token.
    public let kind: DropoutKind
    /// Distinguishes this layer's masks from those of the other dropout layers of a model.
    public let site: UInt64

    /// A layer dropping with `probability` in [0, 1).
    public init(probability: Float, kind: DropoutKind = .element, site: UInt64 = 0) {
        precondition(probability >= 0 && probability < 1, "Dropout probability \(probability) outside [0, 1)")
        self.probability = probability
        self.kind = kind
        self.site = site
    }

    /// Locked (variational) dropout: `out[b, t, j] = x[b, t, j] · m[b, j] / (1 − p)`.
    public static func locked(probability: Float, site: UInt64 = 0) -> Dropout {
        Dropout(probability: probability, kind: .locked, site: site)
    }

    /// Word dropout: `out[b, t, :] = x[b, t, :] · m[b, t]`.
    public static func word(probability: Float, site: UInt64 = 0) -> Dropout {
        Dropout(probability: probability, kind: .word, site: site)
    }

    /// None: dropout has no parameters.
    public var parameters: [Parameter] { [] }

    /// `x [B, T, C]` → `[B, T, C]`; `keys` holds one key per sentence.
    public func callAsFunction(_ x: Tensor, keys: [UInt64], training: Bool) -> Tensor {
        guard training, probability > 0, x.shape[0] > 0 else { return x }
        let salt = SplitMix64.mix(site)
        return x.dropout(probability: probability, kind: kind, keys: keys.map { SplitMix64.mix($0 ^ salt) })
    }
}
