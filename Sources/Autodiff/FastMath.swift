/// Vectorisable `exp`, `sigmoid`, `tanh`, `erf` and GELU over float arrays, for the LSTM gates, the
/// transformer's feed-forward blocks and the activation ops. glibc's `tanhf` is scalar (about 64 M values/s per core here); these run on
/// eight lanes at a time with a polynomial and stay within about 2e-7 relative error of libm
/// (the tests check them against it).
public enum FastMath {
    public typealias V = SIMD8<Float>

    /// e^x on eight lanes: x = n·ln2 + r with |r| ≤ ln2/2 (Cody–Waite split of ln2), e^r by its
    /// degree-7 Taylor polynomial (truncation error < 6e-9 relative), 2^n built in the exponent bits.
    /// Inputs are clamped to [-87.3, 88.3], so the result never overflows to inf.
    /// Clamping by lane masks and rounding by the 1.5·2²³ shift (instead of `clamped`,
    /// `rounded` and an Int32 conversion, which the compiler leaves as scalar per-lane loops)
    /// keeps every step in vector registers.
    @inline(__always)
    public static func exp(_ x0: V) -> V {
        let lo = V(repeating: -87.3), hi = V(repeating: 88.3)
        var x = x0.replacing(with: lo, where: x0 .< lo)
        x.replace(with: hi, where: x .> hi)
        // t = x·log₂e + 1.5·2²³ has ulp 1, so n = t − 1.5·2²³ is x·log₂e rounded to nearest even,
        // and the low mantissa bits of t hold n: bits(t) = 0x4B40_0000 + n
        let t = x * 1.442_695_04 + 12_582_912
        let n = t - 12_582_912
        let r = x - n * 0.693_145_751_953_125 - n * 1.428_606_765_330_187_05e-06
        // p(r) = 1 + r + r²/2! + … + r⁷/7!, by Horner
        var p = V(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let bits = (unsafeBitCast(t, to: SIMD8<Int32>.self) &- 0x4B40_0000 &+ 127) &<< 23
        return p * unsafeBitCast(bits, to: V.self)
    }

    /// σ(x) = 1 / (1 + e^(-x)) on eight lanes.
    @inline(__always)
    public static func sigmoid(_ x: V) -> V {
        1 / (1 + exp(-x))
    }

    /// tanh(x) on eight lanes: the odd Taylor polynomial up to x¹¹ for |x| < 0.25 (error < 1e-9
    /// relative), else sign(x)·(1 − 2 / (e^(2|x|) + 1)).
    @inline(__always)
    public static func tanh(_ x: V) -> V {
        let a = x.replacing(with: -x, where: x .< 0)
        let e = exp(2 * a)
        var big = 1 - 2 / (e + 1)
        big.replace(with: -big, where: x .< 0)
        let x2 = x * x
        // tanh x = x − x³/3 + 2x⁵/15 − 17x⁷/315 + 62x⁹/2835 − 1382x¹¹/155925
        var p = V(repeating: -1382.0 / 155_925)
        p = p * x2 + 62.0 / 2835
        p = p * x2 - 17.0 / 315
        p = p * x2 + 2.0 / 15
        p = p * x2 - 1.0 / 3
        let small = x + x * x2 * p
        return big.replacing(with: small, where: a .< 0.25)
    }

    /// erf(x) on eight lanes, Abramowitz & Stegun 7.1.26: for a = |x|, t = 1 / (1 + 0.3275911·a),
    /// erf(a) = 1 − (a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵)·e^(−a²), odd in x; absolute error below
    /// 1.5e-7 in exact arithmetic, 5e-7 in float32 (the tests check it against libm).
    @inline(__always)
    public static func erf(_ x: V) -> V {
        let a = x.replacing(with: -x, where: x .< 0)
        let t = 1 / (1 + 0.327_591_1 * a)
        var p = V(repeating: 1.061_405_429)
        p = p * t - 1.453_152_027
        p = p * t + 1.421_413_741
        p = p * t - 0.284_496_736
        p = p * t + 0.254_829_592
        var y = 1 - p * t * exp(-a * a)
        y.replace(with: -y, where: x .< 0)
        return y
    }

    /// GELU on eight lanes: x · Φ(x) = x · ½ (1 + erf(x / √2)).
    @inline(__always)
    public static func gelu(_ x: V) -> V {
        x * 0.5 * (1 + erf(x * 0.707_106_77))
    }

    /// y[i] = GELU(x[i]) = x[i] · Φ(x[i]) for i < count. `y` may equal `x`.
    public static func gelu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count, gelu)
    }

    /// d[i] += dOut[i] · GELU′(x[i]) for i < count, GELU′(x) = Φ(x) + x · φ(x) with
    /// φ(x) = e^(−x²/2) / √(2π).
    public static func geluBackward(_ x: UnsafePointer<Float>, _ dOut: UnsafePointer<Float>,
                                    _ d: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let xr = UnsafeRawPointer(x), gr = UnsafeRawPointer(dOut), dr = UnsafeMutableRawPointer(d)
        func derivative(_ v: V) -> V {
            let cdf = 0.5 * (1 + erf(v * 0.707_106_77))
            return cdf + v * exp(-0.5 * v * v) * 0.398_942_28
        }
        while i + 8 <= count {
            let v = xr.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            let g = gr.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            let old = dr.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            dr.storeBytes(of: old + g * derivative(v), toByteOffset: i * 4, as: V.self)
            i += 8
        }
        if i < count {
            var v = V(repeating: 0)
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let r = derivative(v)
            for j in 0..<(count - i) { d[i + j] += dOut[i + j] * r[j] }
        }
    }

    /// y[i] = e^x[i] for i < count. `y` may equal `x`.
    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count, exp)
    }

    /// y[i] = σ(x[i]) for i < count. `y` may equal `x`.
    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count, sigmoid)
    }

    /// y[i] = tanh(x[i]) for i < count. `y` may equal `x`.
    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        apply(x, y, count, tanh)
    }

    @inline(__always)
    private static func apply(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ count: Int,
                              _ f: (V) -> V) {
        var i = 0
        let xr = UnsafeRawPointer(x), yr = UnsafeMutableRawPointer(y)
        while i + 8 <= count {
            let v = xr.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            yr.storeBytes(of: f(v), toByteOffset: i * 4, as: V.self)
            i += 8
        }
        if i < count {
            // the tail: pad to eight lanes with zeros, keep the live ones
            var v = V(repeating: 0)
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let r = f(v)
            for j in 0..<(count - i) { y[i + j] = r[j] }
        }
    }
}
