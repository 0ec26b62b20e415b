import Autodiff
import Foundation

/// Multi-head scaled dot-product self-attention over packed sequences (Vaswani et al. 2017;
/// PyTorch's `F.scaled_dot_product_attention` per head):
///
///     S_bh = Q_bh · K_bhᵀ / √d        [L_b, L_b]
///     P_bh = softmax_rows(S_bh)       (· dropout mask / (1 − p) when training)
///     out_bh = P_bh · V_bh            [L_b, d]
///
/// `qkv` is `[N, 3C]`, each row `[q ; k ; v]` (one projection `linear(x, weights: [W_q, W_k, W_v], …)`
/// makes it), with the rows of sequence 0, then sequence 1, ... (`lengths` sums to N); head h of
/// Q is the columns `h·d ..< (h+1)·d` (d = C / heads), of K the same plus C, of V plus 2C, so `Q_bh`
/// is a strided block read in place through `gemm`'s leading dimension (3C), never copied.
/// The output is `[N, C]`. A sequence attends only to its own
/// L_b rows: this is the padding mask, with no padded row computed at all (transformers adds −∞
/// to the scores of padded keys, which gives them weight exactly 0, the same result).
///
/// Dropout on the probabilities (BERT's `attention_probs_dropout_prob`) draws sequence b's mask
/// from `SplitMix64(seed: keys[b])`, H·L_b² draws in (h, i, j) order.
/// Backward, per (b, h): dV = Pᵀ·dOut, dP = dOut·Vᵀ, dS = P ⊙ (dP − rowsum(dP ⊙ P)),
/// dQ = dS·K / √d, dK = dSᵀ·Q / √d, each one `gemm`.
///
/// With `queries`, only those rows attend (each still to all of its sequence's rows as keys and
/// values): the output is `[queries.rows.count, C]`, row i that of `queries.rows[i]`, equal to the
/// corresponding row of the whole output, dropout included (the draws of the rows left out are made
/// and dropped). A transformer's last layer needs no more when only some rows are read.
public func packedSelfAttention(_ qkv: Tensor, heads: Int, lengths: [Int], dropout p: Float = 0, keys: [UInt64] = [],
                                queries: PackedRows? = nil) -> Tensor {
    precondition(qkv.shape.rank == 2 && qkv.shape[1] % 3 == 0, "packedSelfAttention: qkv \(qkv.shape) must be [N, 3C]")
    let n = qkv.shape[0], c = qkv.shape[1] / 3, ld = 3 * c
    precondition(heads > 0 && c % heads == 0, "packedSelfAttention: width \(c) is not a multiple of \(heads) heads")
    precondition(lengths.allSatisfy { $0 >= 0 } && lengths.reduce(0, +) == n,
                 "packedSelfAttention: lengths \(lengths) do not sum to the \(n) rows")
    precondition(p >= 0 && p < 1 && (p == 0 || keys.count == lengths.count),
                 "packedSelfAttention: dropout \(p) with \(keys.count) keys for \(lengths.count) sequences")
    precondition(queries.map { $0.lengths == lengths } ?? true, "packedSelfAttention: queries of other sequences than \(lengths)")
    // a selection of every row is the whole computation, with Q read in place
    let selection = queries.flatMap { $0.isAll ? nil : $0 }
    let d = c / heads
    let scale = 1 / Float(d).squareRoot()
    // sequence b: first row rowStart[b], m[b] query rows from queryStart[b] (m = L without a
    // selection), its H·m·L probabilities from probStart[b]
    let m = selection?.counts ?? lengths
    var rowStart = [Int](repeating: 0, count: lengths.count)
    var queryStart = rowStart, probStart = rowStart
    var rows = 0, queryRows = 0, probs = 0, longest = 0
    for (b, l) in lengths.enumerated() {
        rowStart[b] = rows; queryStart[b] = queryRows; probStart[b] = probs
        rows += l; queryRows += m[b]; probs += heads * m[b] * l; longest = max(longest, l)
    }
    // from the tape's workspace; every element is written before it is read
    let prob = Tensor.scratch(count: probs, for: [qkv])                  // P, after softmax
    let mask = p > 0 ? Tensor.scratch(count: probs, for: [qkv]) : nil    // 0 or 1/(1 − p)
    let q = UnsafePointer(qkv.data), k = q + c, v = q + 2 * c
    // the query rows: Q in place (leading dimension 3C), or the selected rows gathered ([M, C])
    let gathered = selection.map { s -> Buffer in
        let buffer = Tensor.scratch(count: s.rows.count * c, for: [qkv])
        for (i, r) in s.rows.enumerated() { (buffer.base + i * c).update(from: q + r * ld, count: c) }
        return buffer
    }
    let queryBase = gathered.map { UnsafePointer($0.base) } ?? q, queryLD = gathered == nil ? ld : c
    // where sequence b's query rows start in queryBase (and in its gradient), and in the output
    func queryAt(_ b: Int) -> Int { selection == nil ? rowStart[b] * ld : queryStart[b] * c }

    let out = Tensor.makeResult(shape: [queryRows, c], inputs: [qkv]) { dOut, _ in
        let dQ = qkv.grad, dK = dQ + c, dV = dQ + 2 * c
        let scratch = Buffer(uninitializedCount: 2 * longest * longest)
        let dP = scratch.base, dropped = scratch.base + longest * longest
        // dQ of the gathered rows, added into their rows of qkv.grad at the end
        let dGathered = selection.map { Buffer(count: $0.rows.count * c) }
        let dQueries = dGathered?.base ?? dQ
        for (b, l) in lengths.enumerated() where m[b] > 0 {
            let mb = m[b]
            for h in 0..<heads {
                // head h of sequence b: keys and values from rowStart[b] (stride 3C in qkv), queries at queryAt(b)
                let at = rowStart[b] * ld + h * d, qAt = queryAt(b) + h * d, outAt = queryStart[b] * c + h * d
                let pb = prob.base + probStart[b] + h * mb * l
                // the probabilities the forward pass multiplied V by: P, or P · mask
                var used = UnsafePointer(pb)
                if let mask {
                    let maskB = mask.base + probStart[b] + h * mb * l
                    for i in 0..<(mb * l) { dropped[i] = pb[i] * maskB[i] }
                    used = UnsafePointer(dropped)
                }
                // forward: out = P'·V  ⇒  dV[L,d] += P'ᵀ · dOut
                gemm(transA: true, transB: false, m: l, n: d, k: mb, a: used, lda: l,
                     b: dOut + outAt, ldb: c, beta: 1, c: dV + at, ldc: ld)
                // dP'[m,L] = dOut · Vᵀ, then through the mask: dP = dP' · mask
                gemm(transA: false, transB: true, m: mb, n: l, k: d, a: dOut + outAt, lda: c,
                     b: v + at, ldb: ld, beta: 0, c: dP, ldc: l)
                if let mask {
                    let maskB = mask.base + probStart[b] + h * mb * l
                    for i in 0..<(mb * l) { dP[i] *= maskB[i] }
                }
                // softmax backward, in place: dS[i,j] = P[i,j] · (dP[i,j] − Σ_j' dP[i,j'] · P[i,j'])
                for i in 0..<mb {
                    let pr = pb + i * l, dr = dP + i * l
                    var dot: Float = 0
                    for j in 0..<l { dot += dr[j] * pr[j] }
                    for j in 0..<l { dr[j] = pr[j] * (dr[j] - dot) }
                }
                // forward: S = scale · Q·Kᵀ  ⇒  dQ[m,d] += scale · dS · K
                gemm(transA: false, transB: false, m: mb, n: d, k: l, alpha: scale, a: dP, lda: l,
                     b: k + at, ldb: ld, beta: 1, c: dQueries + qAt, ldc: queryLD)
                // dK[L,d] += scale · dSᵀ · Q
                gemm(transA: true, transB: false, m: l, n: d, k: mb, alpha: scale, a: dP, lda: l,
                     b: queryBase + qAt, ldb: queryLD, beta: 1, c: dK + at, ldc: ld)
            }
        }
        if let selection, let dGathered {
            for (i, r) in selection.rows.enumerated() {
                let g = dQ + r * ld, dg = dGathered.base + i * c
                for j in 0..<c { g[j] += dg[j] }
            }
        }
    }

    let scratch = mask != nil ? Tensor.scratch(count: longest * longest, for: [qkv]) : nil
    for (b, l) in lengths.enumerated() where m[b] > 0 {
        let mb = m[b]
        var rng = SplitMix64(seed: mask != nil ? keys[b] : 0)
        for h in 0..<heads {
            let at = rowStart[b] * ld + h * d, qAt = queryAt(b) + h * d, outAt = queryStart[b] * c + h * d
            let s = prob.base + probStart[b] + h * mb * l
            // S[m,L] = scale · Q_bh · K_bhᵀ
            gemm(transA: false, transB: true, m: mb, n: l, k: d, alpha: scale, a: queryBase + qAt, lda: queryLD,
                 b: k + at, ldb: ld, beta: 0, c: s, ldc: l)
            // P[i,:] = softmax(S[i,:]), with the row maximum subtracted
            for i in 0..<mb { _ = softmaxRow(s + i * l, into: s + i * l, count: l) }
            var used = UnsafePointer(s)
            if let mask, let scratch {
                // P'[i,j] = P[i,j] · mask[i,j], mask = 0 (probability p) or 1/(1 − p), drawn for every
                // row i of the sequence in order and kept for the query rows
                let maskB = mask.base + probStart[b] + h * mb * l, keep = 1 / (1 - p)
                var i = 0
                for row in 0..<l {
                    guard i < mb && (selection == nil || selection!.positions[queryStart[b] + i] == row) else {
                        for _ in 0..<l { _ = rng.nextUniform() }
                        continue
                    }
                    for j in (i * l)..<((i + 1) * l) {
                        maskB[j] = rng.nextUniform() < p ? 0 : keep
                        scratch.base[j] = s[j] * maskB[j]
                    }
                    i += 1
                }
                used = UnsafePointer(scratch.base)
            }
            // out_bh[m,d] = P' · V_bh
            gemm(transA: false, transB: false, m: mb, n: d, k: l, a: used, lda: l,
                 b: v + at, ldb: ld, beta: 0, c: out.data + outAt, ldc: c)
        }
    }
    return out
}
