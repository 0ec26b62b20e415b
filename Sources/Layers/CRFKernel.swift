import Autodiff
import Foundation

/// The linear-chain CRF kernels over raw pointers: forward and backward algorithms in log space,
/// gold-path scores, gradients from the marginals, and Viterbi. `CRF` and `crfNegativeLogLikelihood`
/// validate shapes and allocate one `CRFWorkspace` per call; nothing here allocates inside a loop.
///
/// Layout: emissions `E [B, T, K]`, transitions `trans [K, K]` (row i = from tag, column j = to
/// tag), `start [K]`, `stop [K]`; per-sentence buffers `[B, T, K]` like the emissions. Sentence
/// `b` uses positions `t < L_b`; positions `t ≥ L_b` are never read or written.
///
/// Stability: every log-sum-exp subtracts its maximum before exponentiating, and the forward and
/// backward variables are kept normalised (Rabiner's scaling, in log space): each row stores
/// `α̂[b,t,:] = α[b,t,:] − A[b,t]` with `max_j α̂[b,t,j] = 0` and the running offset `A[b,t]` in
/// Double. With emissions of ±50 over 30 tokens, `log Z ≈ 1500`, where a Float has a spacing of
/// 1e-4; the stored rows stay near 0, so the marginals keep Float precision instead.
struct CRFKernel {
    let B: Int, T: Int, K: Int
    let emissions: UnsafePointer<Float>
    let transitions: UnsafePointer<Float>
    let start: UnsafePointer<Float>
    let stop: UnsafePointer<Float>
    let lengths: [Int]

    // MARK: - Forward algorithm

    /// Fills `ws.alpha [B, T, K]`, `ws.alphaOffset [B, T]` and `ws.logZ [B]` such that
    /// `α̂[b,t,j] + A[b,t] = log Σ_{y_0..y_t, y_t = j} exp(start[y_0] + Σ_{s≤t} E[b,s,y_s] + Σ_{1≤s≤t} trans[y_{s−1},y_s])`
    /// and `logZ[b] = A[b,L−1] + log Σ_j exp(α̂[b,L−1,j] + stop[j])`.
    func forward(_ ws: CRFWorkspace) {
        let z = ws.scratch.base, m = z + K * K
        for b in 0..<B {
            let len = lengths[b]
            let e = emissions + b * T * K, a = ws.alpha.base + b * T * K, offset = ws.alphaOffset + b * T
            // α̂[b,0,j] = start[j] + E[b,0,j] − A[b,0]
            for j in 0..<K { a[j] = start[j] + e[j] }
            offset[0] = Double(normalize(a))
            for t in 1..<len {
                // α̂[b,t,j] = E[b,t,j] + log Σ_i exp(α̂[b,t−1,i] + trans[i,j]) − c,  A[b,t] = A[b,t−1] + c
                let cur = a + t * K, et = e + t * K
                logSumExpOverFrom(a + (t - 1) * K, out: cur, z: z, m: m)
                for j in 0..<K { cur[j] += et[j] }
                offset[t] = offset[t - 1] + Double(normalize(cur))
            }
            // logZ[b] = A[b,L−1] + log Σ_j exp(α̂[b,L−1,j] + stop[j])
            let last = a + (len - 1) * K
            for j in 0..<K { m[j] = last[j] + stop[j] }
            ws.logZ[b] = offset[len - 1] + Double(logSumExp(m))
        }
    }

    // MARK: - Backward algorithm

    /// Fills `ws.beta [B, T, K]` and `ws.betaOffset [B, T]` such that
    /// `β̂[b,t,i] + Bo[b,t] = log Σ_{y_{t+1}..y_{L−1}} exp(Σ_{s>t} (trans[y_{s−1},y_s] + E[b,s,y_s]) + stop[y_{L−1}])`
    /// given `y_t = i`; then `log P(y_t = k) = α̂[b,t,k] + β̂[b,t,k] + (A[b,t] + Bo[b,t] − logZ[b])`.
    func backward(_ ws: CRFWorkspace) {
        let z = ws.scratch.base, w = z + K * K, m = w + K
        for b in 0..<B {
            let len = lengths[b]
            let e = emissions + b * T * K, be = ws.beta.base + b * T * K, offset = ws.betaOffset + b * T
            // β̂[b,L−1,i] = stop[i] − Bo[b,L−1]
            let last = be + (len - 1) * K
            last.update(from: stop, count: K)
            offset[len - 1] = Double(normalize(last))
            var t = len - 2
            while t >= 0 {
                // β̂[b,t,i] = log Σ_j exp(trans[i,j] + w[j]) − c,  w[j] = E[b,t+1,j] + β̂[b,t+1,j],
                // Bo[b,t] = Bo[b,t+1] + c
                let next = be + (t + 1) * K, en = e + (t + 1) * K, cur = be + t * K
                for j in 0..<K { w[j] = en[j] + next[j] }
                for i in 0..<K {
                    let tr = transitions + i * K, zr = z + i * K
                    var mx = -Float.infinity
                    for j in 0..<K { let v = tr[j] + w[j]; zr[j] = v; mx = v > mx ? v : mx }
                    m[i] = mx
                    for j in 0..<K { zr[j] -= mx }
                }
                FastMath.exp(z, z, count: K * K)
                for i in 0..<K {
                    let zr = z + i * K
                    var s: Float = 0
                    for j in 0..<K { s += zr[j] }
                    cur[i] = m[i] + logf(s)
                }
                offset[t] = offset[t + 1] + Double(normalize(cur))
                t -= 1
            }
        }
    }

    // MARK: - Marginals and gradients

    /// Fills `P [B, T, K]` with the unary marginals
    /// `P(y_t = k) = exp(α̂[b,t,k] + β̂[b,t,k] + (A[b,t] + Bo[b,t] − logZ[b]))` for `t < L_b`, zeros at padding.
    func marginals(_ ws: CRFWorkspace, into P: UnsafeMutablePointer<Float>) {
        P.update(repeating: 0, count: B * T * K)
        for b in 0..<B {
            let len = lengths[b], base = b * T * K
            for t in 0..<len {
                unaryMarginals(ws, sentence: b, position: t, into: P + base + t * K)
            }
        }
    }

    /// Accumulates `d · ∂(logZ_b − score_b(gold))/∂θ` summed over sentences into whichever of
    /// `dE [B, T, K]`, `dTrans [K, K]`, `dStart [K]`, `dStop [K]` is non-nil. The derivative of
    /// `logZ` is the expected count of each feature under the model (Lafferty et al. 2001, §4);
    /// the derivative of the gold score is its observed count. Needs `forward` and `backward` run on `ws`.
    func accumulateGradients(_ ws: CRFWorkspace, d: Float, tags: [Int32],
                             dE: UnsafeMutablePointer<Float>?, dTrans: UnsafeMutablePointer<Float>?,
                             dStart: UnsafeMutablePointer<Float>?, dStop: UnsafeMutablePointer<Float>?) {
        let z = ws.scratch.base, w = z + K * K, p = w + K
        tags.withUnsafeBufferPointer { tagBuffer in
            for b in 0..<B {
                let len = lengths[b], base = b * T * K
                let e = emissions + base, a = ws.alpha.base + base, be = ws.beta.base + base
                for t in 0..<len {
                    // P(y_t = k) = exp(α̂[b,t,k] + β̂[b,t,k] + (A[b,t] + Bo[b,t] − logZ[b]))
                    unaryMarginals(ws, sentence: b, position: t, into: p)
                    // forward: α[b,t,j] = E[b,t,j] + …  ⇒  dE[b,t,k] += d · P(y_t = k)
                    if let dE {
                        let g = dE + base + t * K
                        for k in 0..<K { g[k] += d * p[k] }
                    }
                    // forward: α[b,0,j] = start[j] + E[b,0,j]  ⇒  dStart[k] += d · P(y_0 = k)
                    if t == 0, let dStart { for k in 0..<K { dStart[k] += d * p[k] } }
                    // forward: logZ = log Σ_j exp(α[b,L−1,j] + stop[j])  ⇒  dStop[k] += d · P(y_{L−1} = k)
                    if t == len - 1, let dStop { for k in 0..<K { dStop[k] += d * p[k] } }
                }
                if let dTrans {
                    for t in 1..<len {
                        // forward: α[b,t,j] = E[b,t,j] + log Σ_i exp(α[b,t−1,i] + trans[i,j])  ⇒
                        // dTrans[i,j] += d · P(y_{t−1} = i, y_t = j), where log P(y_{t−1} = i, y_t = j) =
                        //   α̂[b,t−1,i] + trans[i,j] + E[b,t,j] + β̂[b,t,j] + (A[b,t−1] + Bo[b,t] − logZ[b])
                        let shift = Float(ws.alphaOffset[b * T + t - 1] + ws.betaOffset[b * T + t] - ws.logZ[b])
                        let ap = a + (t - 1) * K, et = e + t * K, bt = be + t * K
                        for j in 0..<K { w[j] = et[j] + bt[j] + shift }
                        for i in 0..<K {
                            let ai = ap[i], tr = transitions + i * K, zr = z + i * K
                            for j in 0..<K { zr[j] = ai + tr[j] + w[j] }
                        }
                        FastMath.exp(z, z, count: K * K)
                        for ij in 0..<(K * K) { dTrans[ij] += d * z[ij] }
                    }
                }
                // −score(gold): each feature on the gold path subtracts d
                let y = tagBuffer.baseAddress! + b * T
                dStart?[Int(y[0])] -= d
                dStop?[Int(y[len - 1])] -= d
                if let dE { for t in 0..<len { dE[base + t * K + Int(y[t])] -= d } }
                if let dTrans { for t in 1..<len { dTrans[Int(y[t - 1]) * K + Int(y[t])] -= d } }
            }
        }
    }

    /// `p[k] = P(y_t = k) = exp(α̂[b,t,k] + β̂[b,t,k] + (A[b,t] + Bo[b,t] − logZ[b]))`, `p` of `[K]`.
    private func unaryMarginals(_ ws: CRFWorkspace, sentence b: Int, position t: Int, into p: UnsafeMutablePointer<Float>) {
        let row = (b * T + t) * K, at = ws.alpha.base + row, bt = ws.beta.base + row
        let shift = Float(ws.alphaOffset[b * T + t] + ws.betaOffset[b * T + t] - ws.logZ[b])
        for k in 0..<K { p[k] = at[k] + bt[k] + shift }
        FastMath.exp(p, p, count: K)
    }

    // MARK: - Gold score

    /// `score[b] = start[y_0] + Σ_{t<L} E[b,t,y_t] + Σ_{1≤t<L} trans[y_{t−1},y_t] + stop[y_{L−1}]`
    /// (summed in Double) for `tags` `[B·T]` row-major, padding ignored.
    func goldScore(tags: [Int32]) -> [Double] {
        var score = [Double](repeating: 0, count: B)
        tags.withUnsafeBufferPointer { tagBuffer in
            for b in 0..<B {
                let len = lengths[b], e = emissions + b * T * K, y = tagBuffer.baseAddress! + b * T
                var s = Double(start[Int(y[0])]) + Double(stop[Int(y[len - 1])])
                for t in 0..<len { s += Double(e[t * K + Int(y[t])]) }
                for t in 1..<len { s += Double(transitions[Int(y[t - 1]) * K + Int(y[t])]) }
                score[b] = s
            }
        }
        return score
    }

    // MARK: - Viterbi

    /// The highest-scoring tag path of each sentence and its score (max-product in log space,
    /// Viterbi 1967): `delta[t,j] = E[b,t,j] + max_i (delta[t−1,i] + trans[i,j])`,
    /// `delta[0,j] = start[j] + E[b,0,j]`, best = `max_j delta[L−1,j] + stop[j]`, then follow the
    /// back-pointers. `delta` holds `[2, K]` floats (two rows, swapped per step), `backPointers`
    /// `[T, K]`. Ties go to the lowest tag index.
    func viterbi(delta: UnsafeMutablePointer<Float>, backPointers: UnsafeMutablePointer<Int32>)
        -> (paths: [[Int32]], scores: [Float]) {
        var paths: [[Int32]] = []
        paths.reserveCapacity(B)
        var scores = [Float](repeating: 0, count: B)
        for b in 0..<B {
            let len = lengths[b], e = emissions + b * T * K
            var prev = delta, cur = delta + K
            // delta[0,j] = start[j] + E[b,0,j]
            for j in 0..<K { prev[j] = start[j] + e[j] }
            for t in 1..<len {
                // delta[t,j] = E[b,t,j] + max_i (delta[t−1,i] + trans[i,j]); bp[t,j] = argmax_i
                let bp = backPointers + t * K, et = e + t * K
                for j in 0..<K { cur[j] = -Float.infinity; bp[j] = 0 }
                for i in 0..<K {
                    let pi = prev[i], tr = transitions + i * K
                    for j in 0..<K {
                        let v = pi + tr[j]
                        if v > cur[j] { cur[j] = v; bp[j] = Int32(i) }
                    }
                }
                for j in 0..<K { cur[j] += et[j] }
                swap(&prev, &cur)
            }
            // best = max_j delta[L−1,j] + stop[j]
            var best = -Float.infinity, tag = 0
            for j in 0..<K where prev[j] + stop[j] > best { best = prev[j] + stop[j]; tag = j }
            var path = [Int32](repeating: 0, count: len)
            path[len - 1] = Int32(tag)
            var t = len - 1
            while t > 0 {
                tag = Int(backPointers[t * K + tag])
                path[t - 1] = Int32(tag)
                t -= 1
            }
            paths.append(path)
            scores[b] = best
        }
        return (paths, scores)
    }

    // MARK: - Log-sum-exp helpers

    /// `out[j] = log Σ_i exp(prev[i] + trans[i,j])`, over the `[K, K]` scratch `z` and `[K]` scratch `m`.
    private func logSumExpOverFrom(_ prev: UnsafePointer<Float>, out: UnsafeMutablePointer<Float>,
                                   z: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>) {
        // z[i,j] = prev[i] + trans[i,j];  m[j] = max_i z[i,j]
        for j in 0..<K { m[j] = -Float.infinity }
        for i in 0..<K {
            let pi = prev[i], tr = transitions + i * K, zr = z + i * K
            for j in 0..<K { let v = pi + tr[j]; zr[j] = v; m[j] = v > m[j] ? v : m[j] }
        }
        // z[i,j] = exp(z[i,j] − m[j]) ≤ 1
        for i in 0..<K { let zr = z + i * K; for j in 0..<K { zr[j] -= m[j] } }
        FastMath.exp(z, z, count: K * K)
        // out[j] = m[j] + log Σ_i z[i,j]
        for j in 0..<K { out[j] = 0 }
        for i in 0..<K { let zr = z + i * K; for j in 0..<K { out[j] += zr[j] } }
        for j in 0..<K { out[j] = m[j] + logf(out[j]) }
    }

    /// `log Σ_j exp(x[j])` over `[K]`, with the maximum subtracted first.
    private func logSumExp(_ x: UnsafePointer<Float>) -> Float {
        var mx = -Float.infinity
        for j in 0..<K { mx = x[j] > mx ? x[j] : mx }
        var s: Float = 0
        for j in 0..<K { s += expf(x[j] - mx) }
        return mx + logf(s)
    }

    /// `row[j] −= c` with `c = max_j row[j]` over `[K]`; returns `c`.
    private func normalize(_ row: UnsafeMutablePointer<Float>) -> Float {
        var mx = -Float.infinity
        for j in 0..<K { mx = row[j] > mx ? row[j] : mx }
        for j in 0..<K { row[j] -= mx }
        return mx
    }
}

/// The buffers of one CRF call, allocated once and freed with the object (a backward closure
/// holds it until the tape runs): normalised forward and backward variables `[B, T, K]`, their
/// Double offsets `[B, T]`, `logZ [B]` in Double, and `[K, K] + 2·[K]` floats of scratch. The
/// float buffers come from the workspace of the operands' tape and are written before being read.
final class CRFWorkspace {
    let alpha: Buffer
    let beta: Buffer
    let scratch: Buffer
    let alphaOffset: UnsafeMutablePointer<Double>
    let betaOffset: UnsafeMutablePointer<Double>
    let logZ: UnsafeMutablePointer<Double>

    /// `backward: false` skips the `beta` buffers (forward algorithm and Viterbi only).
    init(batch B: Int, steps T: Int, tagCount K: Int, backward: Bool, for operands: [Tensor]) {
        alpha = Tensor.scratch(count: B * T * K, for: operands)
        beta = Tensor.scratch(count: backward ? B * T * K : 0, for: operands)
        scratch = Tensor.scratch(count: K * K + 2 * K, for: operands)
        alphaOffset = .allocate(capacity: max(B * T, 1))
        alphaOffset.initialize(repeating: 0, count: max(B * T, 1))
        betaOffset = .allocate(capacity: backward ? max(B * T, 1) : 1)
        betaOffset.initialize(repeating: 0, count: backward ? max(B * T, 1) : 1)
        logZ = .allocate(capacity: max(B, 1))
        logZ.initialize(repeating: 0, count: max(B, 1))
    }

    deinit {
        alphaOffset.deallocate()
        betaOffset.deallocate()
        logZ.deallocate()
    }
}
