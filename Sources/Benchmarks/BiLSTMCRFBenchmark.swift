import Autodiff
import Foundation
import Layers

/// The issue-2 microbenchmark: a BiLSTM (input C, hidden H per direction) + linear + CRF over a
/// batch of B sentences of T tokens, forward and backward, and `cblas_sgemm` timed on the very
/// matrix shapes the BiLSTM runs, so the two GFLOP/s figures come from one run on one machine.
public struct BiLSTMCRFBenchmark {
    let batch: Int, tokens: Int, input: Int, hidden: Int, tags: Int

    /// A benchmark of B = `batch` sentences of T = `tokens` tokens, input width C = `input`,
    /// hidden size H = `hidden` per direction and K = `tags` tags.
    public init(batch: Int, tokens: Int, input: Int, hidden: Int, tags: Int) {
        (self.batch, self.tokens, self.input, self.hidden, self.tags) = (batch, tokens, input, hidden, tags)
    }

    public struct Report {
        var msPerBatch: [Double]            // every timed iteration
        var gemmFlops: Double               // GEMM flops of one forward+backward
        var sgemmGflops: [String: Double]   // per shape
        var sgemmMixGflops: Double          // sgemm alone on the same flop mix
        var threads: Int
        var config: String
        var shape: String

        var medianMs: Double { median(msPerBatch) }
        var achievedGflops: Double { gemmFlops / (medianMs * 1e6) }
        var sentencesPerSecond: Double { 1000 / medianMs * Double(shapeBatch) }
        var shapeBatch: Int

        public var dictionary: [String: Any] {
            ["shape": shape, "median_ms_per_batch": medianMs, "min_ms": msPerBatch.min() ?? 0,
             "max_ms": msPerBatch.max() ?? 0, "sentences_per_s": sentencesPerSecond,
             "gemm_gflop_per_batch": gemmFlops / 1e9, "achieved_gflops": achievedGflops,
             "sgemm_gflops_same_shapes": sgemmMixGflops, "sgemm_gflops_by_shape": sgemmGflops,
             "fraction_of_sgemm": achievedGflops / sgemmMixGflops, "blas_threads": threads, "blas_config": config]
        }

        public var table: String {
            var lines = [
                "BiLSTM-CRF forward+backward \(shape)",
                "  BLAS: \(config), \(threads) thread(s)",
                String(format: "  median %.2f ms/batch (min %.2f, max %.2f over %d runs), %.0f sentences/s",
                       medianMs, msPerBatch.min() ?? 0, msPerBatch.max() ?? 0, msPerBatch.count, sentencesPerSecond),
                String(format: "  GEMM work %.3f GFLOP/batch -> %.1f GFLOP/s achieved", gemmFlops / 1e9, achievedGflops),
                String(format: "  sgemm alone on the same shapes: %.1f GFLOP/s (model reaches %.0f%% of it)",
                       sgemmMixGflops, 100 * achievedGflops / sgemmMixGflops),
            ]
            for (k, v) in sgemmGflops.sorted(by: { $0.key < $1.key }) { lines.append(String(format: "    sgemm %@: %.1f GFLOP/s", k, v)) }
            return lines.joined(separator: "\n")
        }
    }

    /// The GEMMs of one forward+backward, as (label, transA, transB, m, n, k, repeats).
    var gemms: [(String, Bool, Bool, Int, Int, Int, Int)] {
        let bt = batch * tokens, g = 4 * hidden
        return [
            // per direction: input projection, its two gradients; recurrent step, its two gradients
            ("x·Wihᵀ [\(bt)x\(input)]·[\(input)x\(g)]", false, true, bt, g, input, 2),
            ("dG·Wih [\(bt)x\(g)]·[\(g)x\(input)]", false, false, bt, input, g, 2),
            ("dGᵀ·x [\(g)x\(bt)]·[\(bt)x\(input)]", true, false, g, input, bt, 2),
            ("h·Whhᵀ [\(batch)x\(hidden)]·[\(hidden)x\(g)]", false, true, batch, g, hidden, 2 * tokens),
            ("dG·Whh [\(batch)x\(g)]·[\(g)x\(hidden)]", false, false, batch, hidden, g, 2 * tokens),
            ("dGᵀ·h [\(g)x\(bt)]·[\(bt)x\(hidden)]", true, false, g, hidden, bt, 2),
            // projection to tags and its two gradients
            ("y·Wᵀ [\(bt)x\(2 * hidden)]·[\(2 * hidden)x\(tags)]", false, true, bt, tags, 2 * hidden, 1),
            ("dE·W [\(bt)x\(tags)]·[\(tags)x\(2 * hidden)]", false, false, bt, 2 * hidden, tags, 1),
            ("dEᵀ·y [\(tags)x\(bt)]·[\(bt)x\(2 * hidden)]", true, false, tags, 2 * hidden, bt, 1),
        ]
    }

    /// Bytes the run holds at its peak, estimated in floating point (so no size overflows): the
    /// parameters and their gradients, the input and its gradient, per direction the LSTM's stored
    /// gates and states with their gradients (about 8H floats a token each), the projection's and
    /// the CRF's per-token rows, and the largest sgemm shape's three matrices.
    public var estimatedBytes: Double {
        let b = Double(batch), t = Double(tokens), c = Double(input), h = Double(hidden), k = Double(tags)
        let bt = b * t
        let parameters = 2 * (4 * h * c + 4 * h * h + 8 * h) + 2 * h * k + k + k * k + 2 * k
        let activations = 3 * bt * c + 2 * 2 * 8 * h * bt + 2 * 2 * h * bt + 5 * k * bt
        let sgemm = gemms.map { _, _, _, m, n, kk, _ in
            let (m, n, kk) = (Double(m), Double(n), Double(kk))
            return m * kk + kk * n + m * n
        }.max() ?? 0
        return 4 * (2 * parameters + activations + sgemm)
    }

    public func run(steps: Int, warmup: Int) -> Report {
        var rng = SplitMix64(seed: 42)
        let store = ParameterStore()
        let lstm = BiLSTM(inputSize: input, hiddenSize: hidden, name: "lstm", store: store, rng: &rng)
        let projection = Linear(inputSize: 2 * hidden, outputSize: tags, name: "projection", store: store, rng: &rng)
        let crf = CRF(tagCount: tags, name: "crf", store: store, rng: &rng)
        let xs = (0..<(batch * tokens * input)).map { _ in rng.nextUniform() - 0.5 }
        let gold = (0..<(batch * tokens)).map { _ in Int32(rng.nextInt(below: tags)) }
        // every sentence is T tokens long, so the counted GEMM work is the work done
        let lengths = [Int](repeating: tokens, count: batch)

        // one workspace for all steps, as a model keeps for training
        let workspace = Workspace()
        var times: [Double] = []
        for i in 0..<(warmup + steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            let tape = Tape(workspace: workspace)
            let x = Tensor.variable(shape: [batch, tokens, input], scalars: xs, tape: tape)
            let e = projection(lstm(x, lengths: lengths, tape: tape), tape: tape)
            let loss = crf.negativeLogLikelihood(emissions: e, tags: gold, lengths: lengths, tape: tape)
            tape.backward(from: loss)
            store.zeroGrad()
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            if i >= warmup { times.append(ms) }
        }

        var flops = 0.0, sgemmSeconds = 0.0
        var byShape: [String: Double] = [:]
        for (label, ta, tb, m, n, k, reps) in gemms {
            let f = 2.0 * Double(m * n * k)
            let gf = Self.gemmGflops(transA: ta, transB: tb, m: m, n: n, k: k)
            byShape[label] = gf
            flops += f * Double(reps)
            sgemmSeconds += f * Double(reps) / (gf * 1e9)
        }
        return Report(msPerBatch: times, gemmFlops: flops, sgemmGflops: byShape,
                      sgemmMixGflops: flops / sgemmSeconds / 1e9, threads: BLAS.threadCount,
                      config: BLAS.configuration,
                      shape: "B=\(batch) T=\(tokens) C=\(input) H=\(hidden) K=\(tags)", shapeBatch: batch)
    }

    /// Median GFLOP/s of `cblas_sgemm` on one shape (beta = 1, as the gradient GEMMs accumulate), or
    /// of the bf16 products with `precision: .bf16` (where this CPU has them).
    static func gemmGflops(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, precision: MatmulPrecision = .fp32) -> Double {
        let a = Buffer(count: m * k), b = Buffer(count: k * n), c = Buffer(count: m * n)
        for i in 0..<a.count { a.base[i] = Float(i % 7) * 0.01 }
        for i in 0..<b.count { b.base[i] = Float(i % 5) * 0.01 }
        func seconds(_ reps: Int) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<reps {
                gemm(transA: transA, transB: transB, m: m, n: n, k: k, a: a.base, lda: transA ? m : k,
                     b: b.base, ldb: transB ? k : n, beta: 1, c: c.base, ldc: n, precision: precision)
            }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        // repeat small shapes so each timing covers at least ~2 ms: doubled until it does, as
        // measured (a count from the flops alone ran tiny shapes for tens of seconds, since a
        // call's overhead, not its flops, sets their time)
        var reps = 1
        while reps < 1 << 24 && seconds(reps) < 2e-3 { reps *= 2 }
        var samples: [Double] = []
        for _ in 0..<7 {
            samples.append(2.0 * Double(m * n * k) * Double(reps) / seconds(reps) / 1e9)
        }
        return median(samples)
    }
}

func median(_ xs: [Double]) -> Double {
    guard !xs.isEmpty else { return 0 }
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
