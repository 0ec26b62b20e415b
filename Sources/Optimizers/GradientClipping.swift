import Autodiff

/// The global L2 norm `‖g‖ = √(Σᵢ gᵢ²)` of `gradients[0..<count]`, accumulated in Double.
public func gradientNorm(_ gradients: UnsafePointer<Float>, count: Int) -> Double {
    squaredGradientNorm(gradients, count: count).squareRoot()
}

/// `Σᵢ gᵢ²` over `gradients[0..<count]`, accumulated in Double (`sumOfSquares`): the square of
/// `gradientNorm`. Ranks that each hold a slice of the gradient add theirs to get the whole norm.
public func squaredGradientNorm(_ gradients: UnsafePointer<Float>, count: Int) -> Double {
    precondition(count >= 0, "gradient range of negative length \(count)")
    return sumOfSquares(gradients, count: count, adding: 0)
}

/// `s + Σᵢ g[i]²` over `g[0..<count]`, accumulated in Double: eight partial sums (element i in
/// lane i mod 8, so eight independent additions per eight elements instead of one chain), added
/// together in a fixed order at the end. The same inputs give the same bits on every rank.
func sumOfSquares(_ g: UnsafePointer<Float>, count: Int, adding s0: Double) -> Double {
    typealias D = SIMD4<Double>
    var lo = D(repeating: 0), hi = D(repeating: 0)
    let raw = UnsafeRawPointer(g)
    var i = 0
    while i + 8 <= count {
        let x = raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        let a = D(x.lowHalf), b = D(x.highHalf)
        // lane sums: lo[j] += g[i+j]², hi[j] += g[i+4+j]²
        lo += a * a
        hi += b * b
        i += 8
    }
    var s = s0 + ((lo[0] + lo[1]) + (lo[2] + lo[3])) + ((hi[0] + hi[1]) + (hi[2] + hi[3]))
    // the last count − i < 8 elements, in order
    while i < count {
        let x = Double(g[i])
        s += x * x
        i += 1
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
    precondition(count >= 0, "gradient range of negative length \(count)")
    return clipGradientNorm(gradients, ranges: [0 ..< count], maxNorm: maxNorm)
}

/// Clips `gradients` like `clipGradientNorm(_:count:maxNorm:)` when only `ranges` of it (ascending,
/// disjoint) can be non-zero: the norm is summed, and the scale applied, over those ranges only,
/// which gives the whole buffer's norm up to the order of the Double additions (the elements left
/// out add 0) and leaves the zeros elsewhere as they are.
@discardableResult
public func clipGradientNorm(_ gradients: UnsafeMutablePointer<Float>, ranges: [Range<Int>], maxNorm: Float) -> Float {
    precondition(maxNorm.isFinite && maxNorm >= 0, "clipGradientNorm: maxNorm must be finite and ≥ 0, got \(maxNorm)")
    // s = Σ over the ranges of g[i]², in the buffer's order
    var s = 0.0
    for r in ranges {
        precondition(r.lowerBound >= 0 && r.lowerBound <= r.upperBound, "clipGradientNorm: bad range \(r)")
        s = sumOfSquares(gradients + r.lowerBound, count: r.count, adding: s)
    }
    return clipGradients(gradients, ranges: ranges, norm: s.squareRoot(), maxNorm: maxNorm)
}

/// Clips `gradients[0..<count]` in place as `clipGradientNorm` does, given the norm `norm` of the
/// whole gradient they are part of (with a sharded update, the square root of the ranks' summed
/// `squaredGradientNorm`s): `g = g·c` with `c = maxNorm / (norm + 1e-6)` when c < 1, nothing
/// when `norm` is not finite. Returns `norm` as a Float.
@discardableResult
public func clipGradients(_ gradients: UnsafeMutablePointer<Float>, count: Int, norm: Double, maxNorm: Float) -> Float {
    precondition(count >= 0, "gradient range of negative length \(count)")
    return clipGradients(gradients, ranges: [0 ..< count], norm: norm, maxNorm: maxNorm)
}

/// `clipGradients(_:count:norm:maxNorm:)` over `ranges` of `gradients` (the elements elsewhere are zero).
@discardableResult
func clipGradients(_ gradients: UnsafeMutablePointer<Float>, ranges: [Range<Int>], norm: Double, maxNorm: Float) -> Float {
    precondition(maxNorm.isFinite && maxNorm >= 0, "clipGradients: maxNorm must be finite and ≥ 0, got \(maxNorm)")
    guard norm.isFinite else { return Float(norm) }
    let c = Double(maxNorm) / (norm + 1e-6)
    if c < 1 {
        let scale = Float(c)
        for r in ranges {
            let g = gradients + r.lowerBound
            // g[i] *= maxNorm / (‖g‖ + 1e-6)
            for i in 0..<r.count { g[i] *= scale }
        }
    }
    return Float(norm)
}

/// Clips the whole gradient buffer of `store` to global L2 norm `maxNorm` (see
/// `clipGradientNorm(_:count:maxNorm:)`) and returns the norm before clipping.
@discardableResult
public func clipGradientNorm(store: ParameterStore, maxNorm: Float) -> Float {
    clipGradientNorm(store.grads.base, count: store.count, maxNorm: maxNorm)
}
