import CBFloat16
import COpenBLAS
import CPackedGemm
import Foundation

// The only file that imports OpenBLAS: every matrix product in the project goes through `gemm`.

/// The arithmetic of a matrix product: `fp32` (`cblas_sgemm`), or `bf16`: every element of both
/// operands rounded to bfloat16 (round to nearest even), the products summed in float
/// (`mtl_bf16_gemm`, 1.7–2× sgemm's speed on MiniLM's shapes). Tensors, weights, gradients and the
/// optimizer stay float either way: only the multiplications' inputs lose precision, as under
/// PyTorch's `torch.autocast(dtype=torch.bfloat16)` on CPU.
///
/// Chosen for a scope, as `autocast` is: `MatmulPrecision.$current.withValue(.bf16) { ... }`.
/// `matmul` and `linear` read `current` when they are recorded and their backward products use the
/// same precision, wherever the tape runs them. On a CPU without AVX512_BF16 (or with
/// `MTL_DIST_BF16=off` in the environment, see `environmentSetting`) `bf16` products run as `fp32`:
/// see `effective`.
public enum MatmulPrecision: String, Sendable, Codable, CaseIterable {
    case fp32, bf16

    /// The precision `matmul` and `linear` record their products with (fp32 outside any scope).
    @TaskLocal public static var current: MatmulPrecision = .fp32

    /// Whether `bf16` products run in bf16 here: the CPU has AVX512 F/BW/VL and BF16 with ZMM
    /// state, and `MTL_DIST_BF16` does not turn them off.
    public static let bf16Available: Bool = mtl_bf16_supported() != 0 && environmentSetting == nil

    /// `MTL_DIST_BF16` when it turns bf16 off, else nil: unset, empty, `on`, `1`, `true` or `yes`
    /// leave it on; any other value (`off`, `0`, `false`, `no`, or a misspelling) turns it off, the
    /// safe side, and the logs quote it.
    public static let environmentSetting: String? = {
        guard let value = ProcessInfo.processInfo.environment["MTL_DIST_BF16"] else { return nil }
        return ["", "on", "1", "true", "yes"].contains(value.lowercased()) ? nil : value
    }()

    /// What this precision runs as on this CPU: `bf16` only where `bf16Available`.
    public var effective: MatmulPrecision { self == .bf16 && Self.bf16Available ? .bf16 : .fp32 }

    /// One line for logs: what was asked and what runs, and why when they differ.
    public var description: String {
        switch (self, effective) {
        case (.bf16, .bf16): return "bf16 (operands rounded to bfloat16, float sums; AVX512_BF16)"
        case (.bf16, _):
            return mtl_bf16_supported() != 0
                ? "fp32: bf16 was asked, but MTL_DIST_BF16=\(Self.environmentSetting ?? "")"
                : "fp32: bf16 was asked, but this CPU has no AVX512_BF16 (products run as sgemm)"
        default: return "fp32"
        }
    }

    /// The bfloat16 nearest to `x` as a float (round to nearest even, denormals to ±0, NaN stays
    /// NaN): what a `bf16` product multiplies in place of `x`.
    public static func rounded(_ x: Float) -> Float {
        Float(bitPattern: UInt32(mtl_bf16_round(x)) << 16)
    }
}

/// Row-major general matrix multiply over `cblas_sgemm`:
/// `C[M, N] = alpha · op(A)[M, K] · op(B)[K, N] + beta · C[M, N]`,
/// where `op(X)` is `X` or its transpose (`transA`/`transB`), never materialised.
/// `lda`, `ldb`, `ldc` are the row strides of the stored matrices: A is stored `[M, K]`
/// (or `[K, M]` when transposed), B `[K, N]` (or `[N, K]`), C `[M, N]`.
/// With `precision: .bf16` (and `MatmulPrecision.bf16Available`), op(A) and op(B) are rounded to
/// bfloat16 and the products summed in float (`mtl_bf16_gemm`); otherwise `cblas_sgemm`.
@inline(__always)
public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                 alpha: Float = 1,
                 a: UnsafePointer<Float>, lda: Int,
                 b: UnsafePointer<Float>, ldb: Int,
                 beta: Float,
                 c: UnsafeMutablePointer<Float>, ldc: Int,
                 precision: MatmulPrecision = .fp32) {
    guard m > 0, n > 0 else { return }
    if k == 0 {
        // op(A)·op(B) is empty: C = beta · C.
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    // bf16 falls through to sgemm only where the CPU lacks it or its buffers could not be allocated
    if precision == .bf16, MatmulPrecision.bf16Available,
       mtl_bf16_gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) == 0 {
        return
    }
    cblas_sgemm(CblasRowMajor,
                transA ? CblasTrans : CblasNoTrans,
                transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha,
                a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// The largest product (M·N·K multiply-adds) that OpenBLAS 0.3.21 multiplies with its
/// small-matrix kernels (SkylakeX family, `sgemm_small_kernel_permit`), reading A and B where they
/// are. Larger products first copy both operands into packed panels, which for the few rows of an
/// LSTM step means copying the whole weight at every step.
public let gemmSmallProductLimit = 1_000_000

/// `gemm` without transposes for a product with few rows (one LSTM step, m ≤ B): the columns of B
/// and C are split into panels of a width w (a multiple of 16) with m·w·k ≤
/// `gemmSmallProductLimit`, so that OpenBLAS multiplies each panel in place instead of packing
/// all of B at each call. Each element of C is the same sum as `gemm`'s, over the same k terms.
/// Falls back to one `gemm` when even a panel of 16 columns is larger than the limit.
public func gemmFewRows(m: Int, n: Int, k: Int,
                        a: UnsafePointer<Float>, lda: Int,
                        b: UnsafePointer<Float>, ldb: Int,
                        beta: Float,
                        c: UnsafeMutablePointer<Float>, ldc: Int) {
    let width = m * k > 0 ? gemmSmallProductLimit / (m * k) / 16 * 16 : n
    guard width >= 16, width < n else {
        gemm(transA: false, transB: false, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        return
    }
    // c[:, j0..<j0+w] = a · b[:, j0..<j0+w] + beta · c[:, j0..<j0+w]
    for j0 in stride(from: 0, to: n, by: width) {
        gemm(transA: false, transB: false, m: m, n: min(width, n - j0), k: k, a: a, lda: lda, b: b + j0, ldb: ldb,
             beta: beta, c: c + j0, ldc: ldc)
    }
}

/// A right operand op(B) `[K, N]` prepared once for many products `C[m, N] (+)= A[m, K] · op(B)`
/// of few rows each: an LSTM's recurrent weight, multiplied by the rows of every time step.
///
/// Where the CPU has AVX-512, or AVX2 with FMA (`kernelAvailable`), op(B) is packed into panels of
/// 32 columns and each product runs our register kernel over them (`mtl_packed_gemm`), reading the
/// weight once per product and never copying it again. OpenBLAS's small-matrix kernels (`gemmFewRows`) run an
/// LSTM step's shapes at about half of sgemm's speed, and its packed kernels copy the whole weight
/// at every call. Elsewhere op(B) is stored `[K, N]` and `gemmFewRows` multiplies. In bf16
/// (`Layout.bf16Panels`, where `MatmulPrecision.bf16Available`) the panels hold bfloat16 pairs
/// and the products are `mtl_bf16_packed_gemm`'s: operands rounded, float sums, as `gemm`'s bf16.
///
/// Either way each element of a product is a sum over the same k terms. With the packed kernels
/// (fused multiply-adds, or bf16 pairs, in the order of p; the AVX2 and AVX-512 kernels give the
/// same bits) it has the same bits whatever the number of rows and wherever its row sits among
/// them. OpenBLAS's products (`plain`, on a CPU with neither kernel, and `source`) do not promise
/// that: on an AMD EPYC without AVX-512 a row's product changed with the rows beside it, and
/// training at np = 2 then differed from np = 1 in the last bits.
public struct PackedOperand {
    /// How op(B) is kept.
    public enum Layout: Sendable {
        /// Float panels of 32 columns for `mtl_packed_gemm` (AVX-512, or AVX2 with FMA).
        case panels
        /// bfloat16 pairs in panels of 32 columns for `mtl_bf16_packed_gemm` (AVX512_BF16).
        case bf16Panels
        /// `[K, N]` row-major floats for `gemmFewRows`.
        case plain
        /// Nothing stored: op(B) read where the caller keeps it, by `gemm` in bf16 (what
        /// `bf16Panels` becomes on a CPU without AVX512_BF16, where `gemm` runs it as sgemm).
        case source

        /// What products of `precision` use on this CPU.
        public static func `for`(_ precision: MatmulPrecision) -> Layout {
            if precision.effective == .bf16 { return .bf16Panels }
            return kernelAvailable ? .panels : .plain
        }
    }

    /// Whether fp32 products run a packed kernel here (AVX-512, or AVX2 with FMA).
    public static let kernelAvailable: Bool = mtl_packed_supported() != 0

    public let k: Int
    public let n: Int
    public let layout: Layout
    private let storage: UnsafeMutablePointer<Float>
    /// op(B) where the caller keeps it, for a bf16 product whose row buffer cannot be allocated.
    private let source: (b: UnsafePointer<Float>, ldb: Int, transposed: Bool)

    /// The floats (or 32-bit words) `init` writes into its storage for a `[k, n]` operand.
    public static func count(k: Int, n: Int, layout: Layout = .for(.fp32)) -> Int {
        switch layout {
        case .panels: return mtl_packed_count(k, n)
        case .bf16Panels: return mtl_bf16_packed_count(k, n)
        case .plain: return k * n
        case .source: return 0
        }
    }

    /// Prepares op(B) `[k, n]` (B stored `[k, n]`, or `[n, k]` when `transposed`, row stride
    /// `ldb`) in `storage`, which must hold `PackedOperand.count(k:n:layout:)` floats; `storage`
    /// and B must outlive the products. Where this CPU has neither kernel, `panels` becomes `plain`
    /// (whose count is never larger), and where it lacks AVX512_BF16, `bf16Panels` becomes `source`.
    public init(k: Int, n: Int, b: UnsafePointer<Float>, ldb: Int, transposed: Bool,
                storage: UnsafeMutablePointer<Float>, layout: Layout = .for(.fp32)) {
        precondition(k > 0 && n > 0, "PackedOperand needs a positive k and n, got \(k) × \(n)")
        self.k = k
        self.n = n
        self.storage = storage
        source = (b, ldb, transposed)
        switch layout {
        case .panels where !Self.kernelAvailable: self.layout = .plain
        case .bf16Panels where !MatmulPrecision.bf16Available: self.layout = .source
        default: self.layout = layout
        }
        switch self.layout {
        case .panels:
            mtl_packed_pack(transposed ? 1 : 0, k, n, b, ldb, storage)
        case .bf16Panels:
            storage.withMemoryRebound(to: UInt32.self, capacity: Self.count(k: k, n: n, layout: .bf16Panels)) {
                mtl_bf16_packed_pack(transposed ? 1 : 0, k, n, b, ldb, $0)
            }
        case .plain where transposed:
            // storage[p, j] = B[j, p]
            transpose(rows: n, cols: k, a: b, lda: ldb, b: storage, ldb: n)
        case .plain:
            for p in 0..<k { (storage + p * n).update(from: b + p * ldb, count: n) }
        case .source:
            break
        }
    }

    /// `C[m, N] = A[m, K] · op(B)`, plus C's old values when `accumulate` (else C is not read).
    /// A has row stride `lda`, C `ldc`; elements of C outside `[m, N]` are not touched.
    public func multiply(rows m: Int, a: UnsafePointer<Float>, lda: Int, accumulate: Bool,
                         c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard m > 0 else { return }
        switch layout {
        case .panels:
            mtl_packed_gemm(m, n, k, a, lda, storage, accumulate ? 1 : 0, c, ldc)
        case .plain:
            gemmFewRows(m: m, n: n, k: k, a: a, lda: lda, b: storage, ldb: n, beta: accumulate ? 1 : 0, c: c, ldc: ldc)
        case .bf16Panels:
            let done = storage.withMemoryRebound(to: UInt32.self, capacity: Self.count(k: k, n: n, layout: .bf16Panels)) {
                mtl_bf16_packed_gemm(m, n, k, a, lda, $0, accumulate ? 1 : 0, c, ldc) == 0
            }
            // only where the rows' buffer could not be allocated: `gemm`'s bf16, or its sgemm fallback
            if !done { multiplySource(rows: m, a: a, lda: lda, accumulate: accumulate, c: c, ldc: ldc) }
        case .source:
            multiplySource(rows: m, a: a, lda: lda, accumulate: accumulate, c: c, ldc: ldc)
        }
    }

    private func multiplySource(rows m: Int, a: UnsafePointer<Float>, lda: Int, accumulate: Bool,
                                c: UnsafeMutablePointer<Float>, ldc: Int) {
        gemm(transA: false, transB: source.transposed, m: m, n: n, k: k, a: a, lda: lda, b: source.b, ldb: source.ldb,
             beta: accumulate ? 1 : 0, c: c, ldc: ldc, precision: .bf16)
    }
}

/// `b[c, r] = a[r, c]` for a row-major `a [rows, cols]` (row stride `lda`) into `b [cols, rows]`
/// (row stride `ldb`), by OpenBLAS's blocked out-of-place transpose (`cblas_somatcopy`).
public func transpose(rows: Int, cols: Int, a: UnsafePointer<Float>, lda: Int,
                      b: UnsafeMutablePointer<Float>, ldb: Int) {
    guard rows > 0, cols > 0 else { return }
    cblas_somatcopy(CblasRowMajor, CblasTrans, Int32(rows), Int32(cols), 1, a, Int32(lda), b, Int32(ldb))
}

/// The reference for `gemm`: the same contract, as three plain loops (llm.c's
/// `matmul_forward_naive`). Tests check that the two agree.
public func gemmNaive(transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
                      alpha: Float = 1,
                      a: UnsafePointer<Float>, lda: Int,
                      b: UnsafePointer<Float>, ldb: Int,
                      beta: Float,
                      c: UnsafeMutablePointer<Float>, ldc: Int) {
    for i in 0..<m {
        for j in 0..<n {
            // c[i,j] = alpha · Σ_p op(A)[i,p] · op(B)[p,j] + beta · c[i,j]
            var s: Float = 0
            for p in 0..<k {
                let x = transA ? a[p * lda + i] : a[i * lda + p]
                let y = transB ? b[j * ldb + p] : b[p * ldb + j]
                s += x * y
            }
            c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j])
        }
    }
}

/// The BLAS library's own thread pool.
public enum BLAS {
    /// Sets the number of threads OpenBLAS uses (the environment's `OPENBLAS_NUM_THREADS` is the default).
    public static func setThreadCount(_ n: Int) { openblas_set_num_threads(Int32(n)) }
    /// The number of threads OpenBLAS uses.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }
    /// The kernel family OpenBLAS runs, e.g. "SkylakeX", "Haswell" or "Prescott".
    public static var coreName: String {
        guard let s = openblas_get_corename() else { return "unknown" }
        return String(cString: s)
    }

    /// The kernel family to run instead of OpenBLAS's own choice, or nil to keep it. OpenBLAS
    /// (0.3.21) picks its kernels by CPU model and falls back to "Prescott", its SSE3 kernels,
    /// for a model it does not know, such as Emerald Rapids (family 6, model 207), although that
    /// CPU runs the AVX-512 ones: sgemm is then 2–4× slower, and slowest on the LSTM's small
    /// per-step products. So when the choice is "Prescott" and the CPU and OS support AVX-512
    /// (F, DQ, BW, VL), this is "SkylakeX"; with AVX2 and FMA, "Haswell".
    public static var betterCore: String? {
        guard coreName == "Prescott" else { return nil }
        switch FastMath.supportedLevel {
        case 2: return "SkylakeX"
        case 1: return "Haswell"
        default: return nil
        }
    }

    /// Makes OpenBLAS run the kernel family `core` (an `OPENBLAS_CORETYPE` name) and returns
    /// true, or returns false where the library cannot switch (a build without run-time kernel
    /// selection). Sets `OPENBLAS_CORETYPE` in this process's environment. Call it before the
    /// first BLAS call and before starting threads.
    @discardableResult
    public static func selectCore(_ core: String) -> Bool {
        copenblas_select_core(core) != 0
    }

    /// OpenBLAS's build configuration (kernel family), for benchmark reports.
    public static var configuration: String {
        guard let s = openblas_get_config() else { return "unknown" }
        return String(cString: s)
    }
}
