import CVectorMath

/// Vectorised `exp`, `sigmoid`, `tanh`, `erf` and GELU over float arrays, for the LSTM gates, the
/// CRF's sums, the transformer's feed-forward blocks and the activation ops. glibc's `tanhf` is
/// scalar (about 64 M values/s per core); these are polynomials within about 3e-7 relative error of
/// libm (5e-7 absolute for erf and GELU; the tests check every level against libm), in C
/// (`CVectorMath`) built for the x86-64 baseline, AVX2 + FMA and AVX-512, of which the widest the
/// CPU supports runs: Swift itself compiles for the baseline, whose four-lane code ran these at a
/// fifth of predict's time.
public enum FastMath {
    /// The instruction set the kernels use: 2 = AVX-512, 1 = AVX2 + FMA, 0 = the baseline.
    public static let supportedLevel = Int(mtl_cpu_vector_level())

    /// y[i] = e^x[i] for i < count; inputs clamp to [-87.3, 88.3], so the result never overflows.
    /// `y` may equal `x`. `level` at most `supportedLevel` (the tests run each).
    public static func exp(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                           level: Int = supportedLevel) {
        mtl_vm_exp(checked(level), x, y, count)
    }

    /// y[i] = σ(x[i]) = 1 / (1 + e^(-x[i])). `y` may equal `x`.
    public static func sigmoid(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                               level: Int = supportedLevel) {
        mtl_vm_sigmoid(checked(level), x, y, count)
    }

    /// y[i] = tanh(x[i]). `y` may equal `x`.
    public static func tanh(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                            level: Int = supportedLevel) {
        mtl_vm_tanh(checked(level), x, y, count)
    }

    /// y[i] = erf(x[i]) (Abramowitz & Stegun 7.1.26). `y` may equal `x`.
    public static func erf(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                           level: Int = supportedLevel) {
        mtl_vm_erf(checked(level), x, y, count)
    }

    /// y[i] = GELU(x[i]) = x[i] · Φ(x[i]), the exact (erf) form PyTorch's `gelu` computes. `y` may equal `x`.
    public static func gelu(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                            level: Int = supportedLevel) {
        mtl_vm_gelu(checked(level), x, y, count)
    }

    /// d[i] += dOut[i] · GELU′(x[i]), GELU′(x) = Φ(x) + x · φ(x) with φ(x) = e^(−x²/2) / √(2π).
    public static func geluBackward(_ x: UnsafePointer<Float>, _ dOut: UnsafePointer<Float>,
                                    _ d: UnsafeMutablePointer<Float>, count: Int, level: Int = supportedLevel) {
        mtl_vm_gelu_backward(checked(level), x, dOut, d, count)
    }

    /// A level this CPU runs: asking for wider vectors than it has would stop on an illegal instruction.
    @inline(__always)
    private static func checked(_ level: Int) -> Int32 {
        precondition((0...supportedLevel).contains(level), "vector level \(level): this CPU supports 0 to \(supportedLevel)")
        return Int32(level)
    }
}
