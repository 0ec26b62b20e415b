// Binary elementwise ops with broadcasting over leading axes: `b`'s shape must equal `a`'s or
// be a suffix of it (`[B, T, C] + [C]`, `[B, T, C] * [T, C]`), or the other way round.

extension Tensor {
    /// Arranges a broadcast pair as (big, small, repeats): small is repeated `repeats` times.
    private static func broadcastPair(_ a: Tensor, _ b: Tensor, _ op: String) -> (Tensor, Tensor, Int, Bool) {
        if a.shape.hasSuffix(b.shape) { return (a, b, a.count / max(b.count, 1), false) }
        if b.shape.hasSuffix(a.shape) { return (b, a, b.count / max(a.count, 1), true) }
        preconditionFailure("\(op): shapes \(a.shape) and \(b.shape) do not broadcast (one must end with the other)")
    }

    /// Elementwise sum `a + b`, broadcasting the smaller shape over the leading axes of the larger.
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let (big, small, reps, _) = broadcastPair(a, b, "add")
        let n = small.count
        let out = makeResult(shape: big.shape, inputs: [big, small]) { dOut, _ in
            // d big += dOut ; d small[j] += Σ_r dOut[r, j]
            if big.requiresGrad { let g = big.grad; addVectors(g, dOut, into: g, count: big.count) }
            if small.requiresGrad {
                let g = small.grad
                for r in 0..<reps { addVectors(g, dOut + r * n, into: g, count: n) }
            }
        }
        // out[r, j] = big[r, j] + small[j]
        let x = big.data, y = small.data, o = out.data
        for r in 0..<reps { addVectors(x + r * n, y, into: o + r * n, count: n) }
        return out
    }

    /// Elementwise difference `a - b` (same broadcasting as `+`).
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        a + b.scaled(by: -1)
    }

    /// Elementwise product `a * b`, broadcasting the smaller shape over the leading axes of the larger.
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let (big, small, reps, _) = broadcastPair(a, b, "mul")
        let n = small.count
        let out = makeResult(shape: big.shape, inputs: [big, small]) { dOut, _ in
            let x = big.data, y = small.data
            // d big[r,j] += dOut[r,j] · small[j] ; d small[j] += Σ_r dOut[r,j] · big[r,j]
            if big.requiresGrad {
                let g = big.grad
                for r in 0..<reps { let base = r * n; for j in 0..<n { g[base + j] += dOut[base + j] * y[j] } }
            }
            if small.requiresGrad {
                let g = small.grad
                for r in 0..<reps { let base = r * n; for j in 0..<n { g[j] += dOut[base + j] * x[base + j] } }
            }
        }
        // out[r, j] = big[r, j] · small[j]
        let x = big.data, y = small.data, o = out.data
        for r in 0..<reps { let base = r * n; for j in 0..<n { o[base + j] = x[base + j] * y[j] } }
        return out
    }

    /// `self · s` for a constant scalar `s`.
    public func scaled(by s: Float) -> Tensor {
        let x = self
        let out = Tensor.makeResult(shape: shape, inputs: [x]) { dOut, _ in
            let g = x.grad
            for i in 0..<x.count { g[i] += s * dOut[i] }
        }
        let a = data, o = out.data
        for i in 0..<count { o[i] = s * a[i] }
        return out
    }

    /// `self + s` for a constant scalar `s`.
    public func adding(_ s: Float) -> Tensor {
        let x = self
        let out = Tensor.makeResult(shape: shape, inputs: [x]) { dOut, _ in
            let g = x.grad
            for i in 0..<x.count { g[i] += dOut[i] }
        }
        let a = data, o = out.data
        for i in 0..<count { o[i] = a[i] + s }
        return out
    }
}

/// `out[j] = a[j] + b[j]` for j < count, eight lanes at a time (each element one IEEE addition, as
/// a scalar loop gives it). `out` may be `a` or `b`.
@inline(__always)
public func addVectors(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
    typealias V = SIMD8<Float>
    let ar = UnsafeRawPointer(a), br = UnsafeRawPointer(b), o = UnsafeMutableRawPointer(out)
    var j = 0
    while j + 8 <= count {
        let sum = ar.loadUnaligned(fromByteOffset: 4 * j, as: V.self) + br.loadUnaligned(fromByteOffset: 4 * j, as: V.self)
        o.storeBytes(of: sum, toByteOffset: 4 * j, as: V.self)
        j += 8
    }
    while j < count { out[j] = a[j] + b[j]; j += 1 }
}
