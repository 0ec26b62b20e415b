import Autodiff

/// The global L2 norm `‖g‖ = √(Σᵢ gᵢ²)` of `gradients[0..<count]`, accumulated in Double.
public func gradientNorm(_ gradients: UnsafePointer<Float>, count: Int) -> Double {
    squaredGradientNorm(gradients, count: count).squareRoot()
}

/// `Σᵢ gᵢ²` over `gradients[0..<count]`, accumulated in Double in index order: the square of
/// `gradientNorm`. Ranks that each hold a slice of the gradient add theirs to get the whole norm.
public func squaredGradientNorm(_ gradients: UnsafePointer<Float>, count: Int) -> Double {
    precondition(count >= 0, "gradient range of negative length \(count)")
    // s = Σᵢ g[i]²
    var s = 0.0
    for i in 0..<count {
        let x = Double(gradients[i])
        s += x * x
    }
    return s
}

/// Clips `gradients[0..<count]` in place to global L2 norm `maxNorm`, PyTorch's
/// `torch.nn.utils.clip_grad_norm_` over one flat buffer:
///
///     c = maxNorm / (‖g‖ + 1e-6);   g = g·c  when c < 1
///
/// so gradients with norm at or below `maxNorm` (up to the 1e-6) are left as they are.
/// `maxNorm` must be finite and ≥ 0 (the config validates it). Returns ‖g‖ before clipping, accumulated in Double. When the norm is not finite (an
/// overflow or a NaN in the gradients) the gradients are left unchanged and the non-finite
/// norm is returned: the caller should skip the step.
/// Reference: https://pytorch.org/docs/stable/generated/torch.nn.utils.clip_grad_norm_.html
@discardableResult
public func clipGradientNorm(_ gradients: UnsafeMutablePointer<Float>, count: Int, maxNorm: Float) -> Float {
    clipGradients(gradients, count: count, norm: gradientNorm(gradients, count: count), maxNorm: maxNorm)
}

/// Clips `gradients[0..<count]` in place as `clipGradientNorm` does, given the norm `norm` of the
/// whole gradient they are part of (with a sharded update, the square root of the ranks' summed
/// `squaredGradientNorm`s): `g = g·c` with `c = maxNorm / (norm + 1e-6)` when c < 1, nothing
/// when `norm` is not finite. Returns `norm` as a Float.
@discardableResult
public func clipGradients(_ gradients: UnsafeMutablePointer<Float>, count: Int, norm: Double, maxNorm: Float) -> Float {
    precondition(maxNorm.isFinite && maxNorm >= 0, "clipGradients: maxNorm must be finite and ≥ 0, got \(maxNorm)")
    guard norm.isFinite else { return Float(norm) }
    let c = Double(maxNorm) / (norm + 1e-6)
    if c < 1 {
        let scale = Float(c)
        // g[i] *= maxNorm / (‖g‖ + 1e-6)
        for i in 0..<count { gradients[i] *= scale }
    }
    return Float(norm)
}

/// Clips the whole gradient buffer of `store` to global L2 norm `maxNorm` (see
/// `clipGradientNorm(_:count:maxNorm:)`) and returns the norm before clipping.
@discardableResult
public func clipGradientNorm(store: ParameterStore, maxNorm: Float) -> Float {
    clipGradientNorm(store.grads.base, count: store.count, maxNorm: maxNorm)
}
