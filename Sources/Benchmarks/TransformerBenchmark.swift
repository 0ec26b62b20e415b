import Autodiff
import Foundation
import Transformer

/// `mtl-dist bench transformer DIR`: a pretrained BERT-family encoder (all layers, last-layer
/// first-subword word vectors) forward and backward over B sentences of T words, next to
/// `cblas_sgemm` timed on the very matrix shapes the encoder runs, plus inference (forward only,
/// no tape). Words are whole-word vocabulary tokens drawn at random, so a sentence is T subwords
/// plus [CLS] and [SEP]. With `precision: .bf16` the encoder's linear maps run in bf16
/// (`MatmulPrecision`) and the bf16 products are timed on the same shapes too; the fraction stays
/// of sgemm's time, so it can pass 1.
public struct TransformerBenchmark {
    let folder: URL
    let batch: Int, words: Int
    let precision: MatmulPrecision

    /// A benchmark of the transformer in `folder` over `batch` sentences of `words` words.
    public init(folder: URL, batch: Int, words: Int, precision: MatmulPrecision = .fp32) {
        self.folder = folder
        self.batch = batch
        self.words = words
        self.precision = precision
    }

    public struct Report {
        var trainMs: [Double]
        var inferenceMs: [Double]
        var gemmFlops: Double
        var sgemmGflops: [String: Double]
        var sgemmMixGflops: Double
        /// The precision asked and what it ran as, and bf16's GFLOP/s on the linear maps' shapes
        /// (nil unless bf16 ran).
        var precision: MatmulPrecision
        var bf16LinearGflops: Double?
        var sgemmLinearGflops: Double
        var threads: Int
        var config: String
        var shape: String
        var batch: Int

        public var dictionary: [String: Any] {
            let train = median(trainMs), infer = median(inferenceMs)
            return ["shape": shape, "median_ms_per_batch": train, "min_ms": trainMs.min() ?? 0, "max_ms": trainMs.max() ?? 0,
                    "sentences_per_s": 1000 / train * Double(batch),
                    "inference_median_ms_per_batch": infer, "inference_sentences_per_s": 1000 / infer * Double(batch),
                    "gemm_gflop_per_batch": gemmFlops / 1e9, "achieved_gflops": gemmFlops / (train * 1e6),
                    "sgemm_gflops_same_shapes": sgemmMixGflops, "sgemm_gflops_by_shape": sgemmGflops,
                    "fraction_of_sgemm": gemmFlops / (train * 1e6) / sgemmMixGflops,
                    "precision": precision.rawValue, "precision_ran_as": precision.effective.rawValue,
                    "sgemm_gflops_linear_maps": sgemmLinearGflops, "bf16_gflops_linear_maps": bf16LinearGflops ?? NSNull(),
                    "blas_threads": threads, "blas_config": config]
        }

        public var table: String {
            let train = median(trainMs), infer = median(inferenceMs), achieved = gemmFlops / (train * 1e6)
            var lines = [
                "Transformer encoder forward+backward \(shape)",
                "  BLAS: \(config), \(threads) thread(s); linear maps in \(precision.description)",
                String(format: "  median %.1f ms/batch (min %.1f, max %.1f over %d runs), %.1f sentences/s",
                       train, trainMs.min() ?? 0, trainMs.max() ?? 0, trainMs.count, 1000 / train * Double(batch)),
                String(format: "  GEMM work %.3f GFLOP/batch -> %.1f GFLOP/s achieved", gemmFlops / 1e9, achieved),
                String(format: "  sgemm alone on the same shapes: %.1f GFLOP/s (model reaches %.0f%% of it)",
                       sgemmMixGflops, 100 * achieved / sgemmMixGflops),
                String(format: "  inference (forward only): median %.1f ms/batch, %.1f sentences/s", infer, 1000 / infer * Double(batch)),
            ]
            if let bf16LinearGflops {
                lines.append(String(format: "  linear maps' shapes: bf16 products %.1f GFLOP/s, sgemm %.1f (%.2fx)",
                                    bf16LinearGflops, sgemmLinearGflops, bf16LinearGflops / sgemmLinearGflops))
            }
            for (k, v) in sgemmGflops.sorted(by: { $0.key < $1.key }) { lines.append(String(format: "    sgemm %@: %.1f GFLOP/s", k, v)) }
            return lines.joined(separator: "\n")
        }
    }

    /// One GEMM shape of the encoder: (label, transA, transB, m, n, k, repeats).
    typealias GemmShape = (String, Bool, Bool, Int, Int, Int, Int)

    /// The GEMMs of one forward+backward over N packed rows of sequences of length L: the linear
    /// maps (the products `precision` applies to), then attention's per-head products.
    static func gemms(config c: BertConfig, sequences: Int, length l: Int) -> (linearMaps: [GemmShape], attention: [GemmShape]) {
        let n = sequences * l, h = c.hiddenSize, i = c.intermediateSize, d = c.headSize, layers = c.layerCount
        let heads = sequences * c.headCount * layers
        let linearMaps: [GemmShape] = [
            // Q, K, V stacked in one product, then the output projection: forward, dX, dW (one per weight)
            ("x·W_qkvᵀ [\(n)x\(h)]·[\(h)x\(3 * h)]", false, true, n, 3 * h, h, layers),
            ("dY·W_qkv [\(n)x\(3 * h)]·[\(3 * h)x\(h)]", false, false, n, h, 3 * h, layers),
            ("x·Wᵀ [\(n)x\(h)]·[\(h)x\(h)]", false, true, n, h, h, layers),
            ("dY·W [\(n)x\(h)]·[\(h)x\(h)]", false, false, n, h, h, layers),
            ("dYᵀ·x [\(h)x\(n)]·[\(n)x\(h)]", true, false, h, h, n, 4 * layers),
            // feed-forward in (C → I) and out (I → C)
            ("x·W1ᵀ [\(n)x\(h)]·[\(h)x\(i)]", false, true, n, i, h, layers),
            ("dY·W1 [\(n)x\(i)]·[\(i)x\(h)]", false, false, n, h, i, layers),
            ("dYᵀ·x [\(i)x\(n)]·[\(n)x\(h)]", true, false, i, h, n, layers),
            ("a·W2ᵀ [\(n)x\(i)]·[\(i)x\(h)]", false, true, n, h, i, layers),
            ("dY·W2 [\(n)x\(h)]·[\(h)x\(i)]", false, false, n, i, h, layers),
            ("dYᵀ·a [\(h)x\(n)]·[\(n)x\(i)]", true, false, h, i, n, layers),
        ]
        // per sequence and head: S = Q·Kᵀ, out = P·V; backward dV, dP, dQ, dK
        let attention: [GemmShape] = [
            ("Q·Kᵀ [\(l)x\(d)]·[\(d)x\(l)]", false, true, l, l, d, 2 * heads),
            ("P·V [\(l)x\(l)]·[\(l)x\(d)]", false, false, l, d, l, 2 * heads),
            ("Pᵀ·dO [\(l)x\(l)]·[\(l)x\(d)]", true, false, l, d, l, 2 * heads),
        ]
        return (linearMaps, attention)
    }

    public func run(steps: Int, warmup: Int) throws -> Report {
        let bert = try PretrainedBert(folder: folder)
        var rng = SplitMix64(seed: 42)
        let store = ParameterStore()
        let model = try bert.load(name: "encoder.transformer", precision: precision, site: 1000, store: store, rng: &rng)
        let embeddings = try TransformerWordEmbeddings(model: model)
        // whole-word tokens: letters only (after a byte-level "Ġ" or SentencePiece "▁"), not special, not a continuation
        let vocabulary = (0..<bert.tokenizer.idCount).map { bert.tokenizer.token(Int32($0)) }
        let candidates = vocabulary.indices.filter { i in
            let t = vocabulary[i].unicodeScalars.drop { $0 == "\u{120}" || $0 == "\u{2581}" }
            return t.count >= 2 && t.allSatisfy { ("a"..."z").contains($0) }
        }
        precondition(!candidates.isEmpty, "the vocabulary has no whole-word tokens")
        let sentences = (0..<batch).map { _ in
            SubwordSentence(ids: (0..<words).map { _ in Int32(candidates[rng.nextInt(below: candidates.count)]) },
                            wordStarts: Array(0...words))
        }
        let input = embeddings.batch(sentences, rowKeys: (0..<batch).map(UInt64.init), tokenizer: bert.tokenizer)
        let width = embeddings.outputWidth
        let r = Tensor(shape: [batch * words, width], scalars: (0..<(batch * words * width)).map { _ in rng.nextUniform() - 0.5 })

        var train: [Double] = []
        // one workspace for every step, as training lends the model's to each step's tape (a new one
        // per step would fault fresh pages in every time: 8-10 % of the time in the kernel)
        let workspace = Workspace()
        for i in 0..<(warmup + steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            let tape = Tape(workspace: workspace)
            let loss = (embeddings(input, training: true, tape: tape) * r).sum()
            tape.backward(from: loss)
            store.zeroGrad()
            if i >= warmup { train.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }
        }
        var inference: [Double] = []
        for i in 0..<(warmup + steps) {
            let start = DispatchTime.now().uptimeNanoseconds
            _ = embeddings(input, training: false, tape: nil)
            if i >= warmup { inference.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6) }
        }

        var flops = 0.0, sgemmSeconds = 0.0, linearFlops = 0.0, linearSeconds = 0.0, bf16Seconds = 0.0
        var byShape: [String: Double] = [:]
        let bf16 = precision.effective == .bf16
        let shapes = Self.gemms(config: bert.config, sequences: batch, length: words + 2)
        for (linearMap, (label, ta, tb, m, n, k, reps)) in shapes.linearMaps.map({ (true, $0) }) + shapes.attention.map({ (false, $0) }) {
            let f = 2.0 * Double(m * n * k) * Double(reps)
            let gf = BiLSTMCRFBenchmark.gemmGflops(transA: ta, transB: tb, m: m, n: n, k: k)
            byShape[label] = gf
            flops += f
            sgemmSeconds += f / (gf * 1e9)
            guard linearMap else { continue }
            linearFlops += f
            linearSeconds += f / (gf * 1e9)
            if bf16 { bf16Seconds += f / (BiLSTMCRFBenchmark.gemmGflops(transA: ta, transB: tb, m: m, n: n, k: k, precision: .bf16) * 1e9) }
        }
        let c = bert.config
        return Report(trainMs: train, inferenceMs: inference, gemmFlops: flops, sgemmGflops: byShape,
                      sgemmMixGflops: flops / sgemmSeconds / 1e9, precision: precision,
                      bf16LinearGflops: bf16 ? linearFlops / bf16Seconds / 1e9 : nil, sgemmLinearGflops: linearFlops / linearSeconds / 1e9,
                      threads: BLAS.threadCount, config: BLAS.configuration,
                      shape: "B=\(batch) words=\(words) (\(words + 2) subword positions) C=\(c.hiddenSize) layers=\(c.layerCount) heads=\(c.headCount) I=\(c.intermediateSize)",
                      batch: batch)
    }
}
