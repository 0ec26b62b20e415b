import Autodiff

/// A one-layer unidirectional LSTM over a padded batch, PyTorch's `nn.LSTM(batch_first=True)`
/// with gate order i, f, g, o and initial states h₀ = c₀ = 0:
///
///     [i; f; g; o] = W_ih · x_t + W_hh · h_{t−1} + bias        (each block H wide)
///     i, f, o = σ(·),  g = tanh(·)
///     c_t = f ⊙ c_{t−1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
///
/// Shapes: `x [B, T, C]` with `lengths[b] ≤ T` → `[B, T, H]`, the `h_t`. Outputs at padded steps
/// (`t ≥ lengths[b]`) are zero, and padded inputs influence nothing. Parameters: `weight_ih
/// [4H, C]`, `weight_hh [4H, H]` and one `bias [4H]` (PyTorch's `bias_ih + bias_hh`), all
/// uniform in ±1/√H as PyTorch initialises them, except the forget-gate bias `bias[H..<2H]`,
/// which starts at 1 (Jozefowicz et al. 2015) so the cell remembers by default.
///
/// The forward pass is one fused op (`LSTM.forward`) with a hand-written backpropagation
/// through time; `LSTM.referenceForward` composes the same function from primitive ops.
public struct LSTM: Module {
    /// C, the width of each input step.
    public let inputSize: Int
    /// H, the width of the hidden and cell states.
    public let hiddenSize: Int
    /// `[4H, C]`, rows in gate order i, f, g, o.
    public let weightIH: Parameter
    /// `[4H, H]`, rows in gate order i, f, g, o.
    public let weightHH: Parameter
    /// `[4H]`.
    public let bias: Parameter
    let store: ParameterStore

    /// Registers `<name>.weight_ih`, `<name>.weight_hh` and `<name>.bias` in `store`.
    public init(inputSize: Int, hiddenSize: Int, name: String, store: ParameterStore, rng: inout SplitMix64) {
        precondition(inputSize > 0 && hiddenSize > 0, "LSTM(inputSize: \(inputSize), hiddenSize: \(hiddenSize)) needs positive sizes")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.store = store
        let bound = 1 / Float(hiddenSize).squareRoot()
        weightIH = store.add(qualifiedName(name, "weight_ih"), shape: [4 * hiddenSize, inputSize],
                             initializer: .uniform(bound: bound), rng: &rng)
        weightHH = store.add(qualifiedName(name, "weight_hh"), shape: [4 * hiddenSize, hiddenSize],
                             initializer: .uniform(bound: bound), rng: &rng)
        bias = store.add(qualifiedName(name, "bias"), shape: [4 * hiddenSize],
                         initializer: .uniform(bound: bound), rng: &rng)
        // forget-gate bias 1 (a layout-only store holds no values)
        guard !store.isLayoutOnly else { return }
        var b = store.scalars(of: bias)
        for j in hiddenSize..<(2 * hiddenSize) { b[j] = 1 }
        store.setScalars(b, of: bias)
    }

    /// `weight_ih`, `weight_hh`, `bias`.
    public var parameters: [Parameter] { [weightIH, weightHH, bias] }

    /// This LSTM's weights as a direction of a fused op (`LSTM.fused`), read on `tape`.
    public func direction(reversed: Bool, tape: Tape?) -> LSTMDirection {
        LSTMDirection(weightIH: store.tensor(weightIH, tape: tape), weightHH: store.tensor(weightHH, tape: tape),
                      bias: store.tensor(bias, tape: tape), reversed: reversed)
    }

    /// `x [B, T, inputSize]`, `lengths` (B of them, each in `0...T`) → `[B, T, hiddenSize]`,
    /// zero at padded steps.
    public func callAsFunction(_ x: Tensor, lengths: [Int], tape: Tape?) -> Tensor {
        precondition(x.shape.rank == 3 && x.shape[2] == inputSize,
                     "LSTM(\(inputSize)→\(hiddenSize)) needs [B, T, \(inputSize)], got \(x.shape)")
        return LSTM.forward(x, lengths: lengths,
                            weightIH: store.tensor(weightIH, tape: tape),
                            weightHH: store.tensor(weightHH, tape: tape),
                            bias: store.tensor(bias, tape: tape))
    }
}

/// The recurrent term of the LSTM's forward steps, `gates[j, :] += W_hh · h_{t−1}[j, :]`, as
/// `gates[m, 4H] += h_{t−1}[m, H] · W_hhᵀ` with `W_hhᵀ` prepared once per call
/// (`PackedOperand`: packed for our AVX-512 or AVX2 kernel, or transposed for OpenBLAS's small-matrix
/// kernels). Every step then multiplies its few rows (m ≤ B) by the prepared weight without
/// copying it again, and a row's sums do not depend on how many rows the step has.
struct RecurrentProduct {
    let weight: PackedOperand
    /// The prepared `W_hhᵀ`, freed with this value's last copy.
    private let storage: Buffer

    init(weightHH: UnsafePointer<Float>, hidden h: Int, precision: MatmulPrecision, inputs: [Tensor]) {
        let layout = PackedOperand.Layout.for(precision)
        storage = Tensor.scratch(count: PackedOperand.count(k: h, n: 4 * h, layout: layout), for: inputs)
        // op(B)[k, r] = W_hh[r, k]
        weight = PackedOperand(k: h, n: 4 * h, b: weightHH, ldb: h, transposed: true, storage: storage.base, layout: layout)
    }

    /// `gates[j, :] += W_hh · hPrev[j, :]` for the `rows` rows j of one step (`hPrev [rows, H]`,
    /// `gates [rows, 4H]`, both contiguous).
    func add(rows m: Int, hPrev: UnsafePointer<Float>, to gates: UnsafeMutablePointer<Float>) {
        weight.multiply(rows: m, a: hPrev, lda: weight.k, accumulate: true, c: gates, ldc: weight.n)
    }
}

/// The rows of a padded batch that hold real steps, packed time-major like PyTorch's
/// `PackedSequence`: sequences are ranked by length, longest first (`order[j]` is the batch
/// index of rank j), and step t holds the `active[t]` sequences with `lengths > t`, which are
/// ranks `0..<active[t]`. Row `(t, j)` of a packed `[N, ·]` matrix is `offset[t] + j`, where
/// `offset[t] = Σ_{t' < t} active[t']` and `N = offset[T] = Σ_b lengths[b]`.
///
/// Since `active` never grows with t, rank j at step t also exists at step t − 1, so a step's
/// rows and its predecessors' rows are both contiguous blocks starting at rank 0.
final class PackedSteps {
    let batch: Int
    let steps: Int
    /// B + T + (T + 1) integers: `order`, `active`, `offset`.
    private let storage: UnsafeMutablePointer<Int>

    init(lengths: [Int], steps: Int) {
        batch = lengths.count
        self.steps = steps
        storage = .allocate(capacity: batch + 2 * steps + 1)
        // a stable sort keeps equal-length sequences in batch order
        let ranked = lengths.indices.sorted { lengths[$0] > lengths[$1] || (lengths[$0] == lengths[$1] && $0 < $1) }
        for j in 0..<batch { storage[j] = ranked[j] }
        let active = storage + batch, offset = storage + batch + steps
        offset[0] = 0
        for t in 0..<steps {
            var n = 0
            while n < batch && lengths[ranked[n]] > t { n += 1 }
            active[t] = n
            offset[t + 1] = offset[t] + n
        }
    }

    deinit { storage.deallocate() }

    /// `order[j]`: the batch index of the j-th longest sequence.
    var order: UnsafeMutablePointer<Int> { storage }
    /// `active[t]`: how many sequences have a real step t.
    var active: UnsafeMutablePointer<Int> { storage + batch }
    /// `offset[t]`: the first packed row of step t; `offset[T]` is the number of rows.
    var offset: UnsafeMutablePointer<Int> { storage + batch + steps }
    /// N = Σ lengths.
    var rows: Int { offset[steps] }
}

/// One direction of a fused LSTM op (`LSTM.fused`): its weights, and whether it reads each
/// sequence from its last real step to its first (the backward half of a BiLSTM).
public struct LSTMDirection {
    public let weightIH: Tensor
    public let weightHH: Tensor
    public let bias: Tensor
    public let reversed: Bool

    public init(weightIH: Tensor, weightHH: Tensor, bias: Tensor, reversed: Bool) {
        self.weightIH = weightIH
        self.weightHH = weightHH
        self.bias = bias
        self.reversed = reversed
    }
}

/// What a fused LSTM op returns.
public enum LSTMOutput: Sendable {
    /// Every step: `[B, T, D · H]`, zero at padded steps.
    case sequence
    /// The hidden state after each sequence's last real step: `[B, D · H]` (zero for length 0), what
    /// a character encoder keeps of a word.
    case lastStep
}

extension LSTM {
    /// The fused LSTM op on explicit weights (see `LSTM` for the equations):
    /// `x [B, T, C]`, `weightIH [4H, C]`, `weightHH [4H, H]`, `bias [4H]`, `lengths[b]` in `0...T`
    /// → `[B, T, H]`, zero at `t ≥ lengths[b]`. Gradients flow to every input that requires one.
    public static func forward(_ x: Tensor, lengths: [Int],
                               weightIH: Tensor, weightHH: Tensor, bias: Tensor) -> Tensor {
        fused(x, lengths: lengths, directions: [LSTMDirection(weightIH: weightIH, weightHH: weightHH, bias: bias, reversed: false)],
              output: .sequence)
    }

    /// D LSTMs over the same `x [B, T, C]` in one op, each writing its H columns of the output
    /// (direction d columns `d·H ..< (d+1)·H`): `.sequence` gives `[B, T, D·H]`, `.lastStep`
    /// `[B, D·H]`. A `reversed` direction runs over `x[b, lengths[b] − 1 − t]` and writes its
    /// `h_t` at that same position: a BiLSTM is `[forward, reversed]`, without reversing, copying
    /// or concatenating tensors (`reversedInTime`, `concatLastAxis`, `gatherTimeSteps` compose
    /// the same function and are what the tests check it against).
    ///
    /// Only real steps are computed (packed rows, see `PackedSteps`): one gemm projects the
    /// inputs of all steps, then one product per step adds the recurrent term
    /// (`RecurrentProduct`). The backward pass runs one product per step for dh_{t−1} (by `W_hh`
    /// prepared once, `PackedOperand`), and one gemm each for dW_ih, dW_hh and dX.
    ///
    /// Its products, forward and backward, run in the precision `MatmulPrecision.current` has when
    /// it is recorded, as `linear`'s do (`predict --precision bf16`).
    public static func fused(_ x: Tensor, lengths: [Int], directions: [LSTMDirection], output: LSTMOutput) -> Tensor {
        precondition(!directions.isEmpty, "LSTM.fused needs at least one direction")
        var sizes: (b: Int, t: Int, c: Int, h: Int) = (0, 0, 0, 0)
        for d in directions {
            let s = checkShapes(x, lengths: lengths, weightIH: d.weightIH, weightHH: d.weightHH, bias: d.bias)
            precondition(d.weightHH.shape == directions[0].weightHH.shape,
                         "LSTM.fused: directions of different hidden sizes \(directions.map(\.weightHH.shape))")
            sizes = s
        }
        let (bCount, tCount, _, h) = sizes
        let width = directions.count * h
        let packed = PackedSteps(lengths: lengths, steps: tCount)
        let inputs = [x] + directions.flatMap { [$0.weightIH, $0.weightHH, $0.bias] }
        let precision = MatmulPrecision.current
        let layout = OutputLayout(width: width, output: output, lengths: lengths)
        var saved: [DirectionScratch] = []
        let out = Tensor.makeResult(shape: output == .sequence ? [bCount, tCount, width] : [bCount, width], inputs: inputs) { dOut, _ in
            for (d, direction) in directions.enumerated() {
                backward(dOut: dOut + d * h, layout: layout, x: x, direction: direction, packed: packed, saved: saved[d],
                         precision: precision)
            }
        }
        let Y = out.data
        // the output's padded steps (or a length-0 sequence's last state) are zero; real ones are written below
        for b in 0..<bCount {
            let len = lengths[b]
            switch output {
            case .sequence: (Y + (b * tCount + len) * width).update(repeating: 0, count: (tCount - len) * width)
            case .lastStep where len == 0: (Y + b * width).update(repeating: 0, count: width)
            case .lastStep: break
            }
        }
        for (d, direction) in directions.enumerated() {
            let scratch = forwardDirection(x, direction: direction, packed: packed, layout: layout, y: Y + d * h,
                                           precision: precision, inputs: inputs)
            // without a backward (predict) a direction's scratch goes before the next one's is
            // taken, so the next reuses its memory instead of faulting in fresh pages
            if out.requiresGrad { saved.append(scratch) }
        }
        return out
    }

    /// Where a fused op's row `(b, position)` of a direction lives in its output (and gradient):
    /// `.sequence` rows of `width` floats per position; `.lastStep` one row per sequence, written
    /// only at its last real step.
    struct OutputLayout {
        let width: Int
        let output: LSTMOutput
        let lengths: [Int]
    }

    /// What a direction's forward keeps for its backward: the packed sequence's per-row values.
    struct DirectionScratch {
        /// xs[r, :] = x[b, p, :] of packed row r = (t, j), b = order[j], p its position
        let xs: Buffer
        /// gates[r, :] = [i; f; g; o] after their nonlinearities
        let gates: Buffer
        /// cells[r, :] = c_t
        let cells: Buffer
        /// tanh(c_t)
        let tanhCells: Buffer
        /// hPrev[r, :] = h_{t−1} of row r's sequence (step-0 rows unused)
        let hPrev: Buffer
        /// c_{−1} = 0
        let zeros: Buffer
    }

    /// The position of step t of sequence b in `x`: t, or `lengths[b] − 1 − t` when reversed.
    @inline(__always)
    static func position(_ t: Int, length: Int, reversed: Bool) -> Int { reversed ? length - 1 - t : t }

    /// One direction's forward steps, writing its H columns of `y` (row stride `layout.width`).
    private static func forwardDirection(_ x: Tensor, direction: LSTMDirection, packed: PackedSteps, layout: OutputLayout,
                                         y Y: UnsafeMutablePointer<Float>, precision: MatmulPrecision,
                                         inputs: [Tensor]) -> DirectionScratch {
        let tCount = packed.steps, n = packed.rows, c = x.shape[2], h = direction.weightHH.shape[1], g4 = 4 * h
        let order = packed.order, active = packed.active, offset = packed.offset
        let lengths = layout.lengths, width = layout.width, reversed = direction.reversed
        // Scratch for the whole sequence, kept for the backward pass, from the tape's workspace.
        // Every element is written before it is read, except `zeros`.
        let saved = DirectionScratch(xs: Tensor.scratch(count: n * c, for: inputs),
                                     gates: Tensor.scratch(count: n * g4, for: inputs),
                                     cells: Tensor.scratch(count: n * h, for: inputs),
                                     tanhCells: Tensor.scratch(count: n * h, for: inputs),
                                     hPrev: Tensor.scratch(count: n * h, for: inputs),
                                     zeros: Tensor.scratch(count: h, zeroed: true, for: inputs))
        // freed when this returns (backward does not need it)
        let recurrent = RecurrentProduct(weightHH: direction.weightHH.data, hidden: h, precision: precision, inputs: inputs)
        let X = x.data, wIH = direction.weightIH.data, bz = direction.bias.data
        let XS = saved.xs.base, G = saved.gates.base, CS = saved.cells.base, TC = saved.tanhCells.base, HP = saved.hPrev.base
        // xs[offset[t] + j, :] = x[order[j], position of t, :]
        for t in 0..<tCount {
            for j in 0..<active[t] {
                let b = order[j], p = position(t, length: lengths[b], reversed: reversed)
                (XS + (offset[t] + j) * c).update(from: X + (b * tCount + p) * c, count: c)
            }
        }
        // gates[r, :] = W_ih · xs[r, :] for all steps at once (the bias is added step by step, below,
        // while the row is in cache: filling all rows with it first doubled this product's traffic)
        gemm(transA: false, transB: true, m: n, n: g4, k: c, a: XS, lda: c, b: wIH, ldb: c, beta: 0, c: G, ldc: g4,
             precision: precision)

        for t in 0..<tCount {
            let m = active[t], r0 = offset[t]
            if m == 0 { break }
            let mNext = t + 1 < tCount ? active[t + 1] : 0
            // gates[(t, j), :] += W_hh · h_{t−1}[j, :]  for j < m
            if t > 0 { recurrent.add(rows: m, hPrev: HP + r0 * h, to: G + r0 * g4) }
            for j in 0..<m {
                let r = r0 + j
                let gr = G + r * g4, cr = CS + r * h, tc = TC + r * h
                let cp = t > 0 ? CS + (offset[t - 1] + j) * h : saved.zeros.base
                // + bias, then i, f = σ(·) (adjacent), g = tanh(·), o = σ(·)
                for k in 0..<g4 { gr[k] += bz[k] }
                FastMath.sigmoid(gr, gr, count: 2 * h)
                FastMath.tanh(gr + 2 * h, gr + 2 * h, count: h)
                FastMath.sigmoid(gr + 3 * h, gr + 3 * h, count: h)
                // c_t[k] = f[k] · c_{t−1}[k] + i[k] · g[k]
                for k in 0..<h { cr[k] = gr[h + k] * cp[k] + gr[k] * gr[2 * h + k] }
                FastMath.tanh(cr, tc, count: h)
                // h_t[k] = o[k] · tanh(c_t[k]): the h_{t−1} of row (t + 1, j) while the sequence goes
                // on (ranks j < mNext), and the output (every step, or only the last, j ≥ mNext)
                let b = order[j]
                let yr: UnsafeMutablePointer<Float>?
                switch layout.output {
                case .sequence: yr = Y + (b * tCount + position(t, length: lengths[b], reversed: reversed)) * width
                case .lastStep: yr = j < mNext ? nil : Y + b * width
                }
                let hr = j < mNext ? HP + (offset[t + 1] + j) * h : yr!
                for k in 0..<h { hr[k] = gr[3 * h + k] * tc[k] }
                if let yr, yr != hr { yr.update(from: hr, count: h) }
            }
        }
        return saved
    }

    /// Backpropagation through time for one direction of `fused`, over the packed scratch it saved.
    /// `dOut` points at the direction's first column of the output's gradient (row stride `layout.width`).
    private static func backward(dOut: UnsafeMutablePointer<Float>, layout: OutputLayout, x: Tensor, direction: LSTMDirection,
                                 packed: PackedSteps, saved: DirectionScratch, precision: MatmulPrecision) {
        let weightIH = direction.weightIH, weightHH = direction.weightHH, bias = direction.bias
        let bCount = packed.batch, tCount = packed.steps, n = packed.rows
        let c = x.shape[2], h = weightHH.shape[1], g4 = 4 * h
        let order = packed.order, active = packed.active, offset = packed.offset
        let lengths = layout.lengths, width = layout.width, reversed = direction.reversed
        let XS = saved.xs.base, G = saved.gates.base, CS = saved.cells.base, TC = saved.tanhCells.base, HP = saved.hPrev.base
        let wIH = weightIH.data, wHH = weightHH.data
        // dX first, so the scratch below is the workspace's last buffer and its room is reused
        // by the next backward node once this one returns
        let dX = x.requiresGrad ? x.grad : nil
        // One scratch buffer: dGates [N, 4H], then dHidden [B, H], dCell [B, H] and the prepared W_hh.
        // dGates[r, :] = ∂L/∂(pre-activation gates), every row written.
        // Carried from step t + 1 to t, by rank j: dh_t via W_hh, and dc_t via the forget gate.
        // Rank j ≥ active[t + 1] was never written by a later step, so its carry stays zero.
        // W_hh [4H, H] prepared once for the per-step products dh_{t−1} = dGates_t · W_hh, after them.
        let weightLayout = PackedOperand.Layout.for(precision)
        let weightCount = PackedOperand.count(k: g4, n: h, layout: weightLayout)
        let scratch = Tensor.scratch(count: n * g4 + 2 * bCount * h + weightCount, for: [x, weightIH, weightHH, bias])
        defer { withExtendedLifetime(scratch) {} }
        let DG = scratch.base, DH = DG + n * g4, DC = DH + bCount * h
        DH.update(repeating: 0, count: 2 * bCount * h)
        let recurrent = PackedOperand(k: g4, n: h, b: wHH, ldb: h, transposed: false, storage: DC + bCount * h, layout: weightLayout)

        for t in stride(from: tCount - 1, through: 0, by: -1) {
            let m = active[t], r0 = offset[t]
            if m == 0 { continue }
            let mNext = t + 1 < tCount ? active[t + 1] : 0
            for j in 0..<m {
                let r = r0 + j
                let gr = G + r * g4, dg = DG + r * g4, tc = TC + r * h
                let cp = t > 0 ? CS + (offset[t - 1] + j) * h : saved.zeros.base
                let b = order[j], dh = DH + j * h, dc = DC + j * h
                // ∂L/∂h_t from the output: every step, or the last one only
                let dy: UnsafeMutablePointer<Float>?
                switch layout.output {
                case .sequence: dy = dOut + (b * tCount + position(t, length: lengths[b], reversed: reversed)) * width
                case .lastStep: dy = j < mNext ? nil : dOut + b * width
                }
                for k in 0..<h {
                    let i = gr[k], f = gr[h + k], g = gr[2 * h + k], o = gr[3 * h + k], th = tc[k]
                    // h_t = o ⊙ tanh(c_t), and h_t feeds y_t and step t + 1
                    let dhk = (dy?[k] ?? 0) + dh[k]
                    // c_t = f ⊙ c_{t−1} + i ⊙ g, and c_t feeds h_t and step t + 1
                    let dck = dc[k] + dhk * o * (1 - th * th)
                    // through i = σ(·), f = σ(·), g = tanh(·), o = σ(·)
                    dg[k] = dck * g * i * (1 - i)
                    dg[h + k] = dck * cp[k] * f * (1 - f)
                    dg[2 * h + k] = dck * i * (1 - g * g)
                    dg[3 * h + k] = dhk * th * o * (1 - o)
                    dc[k] = dck * f
                }
            }
            if t > 0 {
                // gates_t += W_hh · h_{t−1}  ⇒  dh_{t−1}[j, :] = dGates[(t, j), :] · W_hh
                recurrent.multiply(rows: m, a: DG + r0 * g4, lda: g4, accumulate: false, c: DH, ldc: h)
            }
        }

        if weightHH.requiresGrad {
            // dW_hh[4H, H] += Σ_r dGates[r, :]ᵀ · hPrev[r, :]  (rows of step 0 have h_{−1} = 0)
            let r1 = tCount > 0 ? offset[1] : 0
            gemm(transA: true, transB: false, m: g4, n: h, k: n - r1, a: DG + r1 * g4, lda: g4, b: HP + r1 * h, ldb: h,
                 beta: 1, c: weightHH.grad, ldc: h, precision: precision)
        }
        if bias.requiresGrad {
            // dBias[k] += Σ_r dGates[r, k]
            let db = bias.grad
            for r in 0..<n { let d = DG + r * g4; for k in 0..<g4 { db[k] += d[k] } }
        }
        if weightIH.requiresGrad {
            // dW_ih[4H, C] += Σ_r dGates[r, :]ᵀ · xs[r, :]
            gemm(transA: true, transB: false, m: g4, n: c, k: n, a: DG, lda: g4, b: XS, ldb: c,
                 beta: 1, c: weightIH.grad, ldc: c, precision: precision)
        }
        if let dX {
            // gates = W_ih · xs  ⇒  dXs[r, :] = dGates[r, :] · W_ih, written over xs (no longer needed)
            gemm(transA: false, transB: false, m: n, n: c, k: g4, a: DG, lda: g4, b: wIH, ldb: c,
                 beta: 0, c: XS, ldc: c, precision: precision)
            // xs[offset[t] + j, :] = x[order[j], position of t, :]  ⇒  dX[order[j], position, :] += dXs[offset[t] + j, :]
            for t in 0..<tCount {
                for j in 0..<active[t] {
                    let b = order[j], p = position(t, length: lengths[b], reversed: reversed)
                    let src = XS + (offset[t] + j) * c, dst = dX + (b * tCount + p) * c
                    for k in 0..<c { dst[k] += src[k] }
                }
            }
        }
    }

    /// Checks the shapes of an LSTM call and returns (B, T, C, H).
    static func checkShapes(_ x: Tensor, lengths: [Int], weightIH: Tensor, weightHH: Tensor,
                            bias: Tensor) -> (Int, Int, Int, Int) {
        precondition(x.shape.rank == 3, "LSTM needs x [B, T, C], got \(x.shape)")
        let b = x.shape[0], t = x.shape[1], c = x.shape[2]
        precondition(weightHH.shape.rank == 2 && weightHH.shape[0] == 4 * weightHH.shape[1],
                     "LSTM: weight_hh must be [4H, H], got \(weightHH.shape)")
        let h = weightHH.shape[1]
        precondition(weightIH.shape == [4 * h, c], "LSTM: weight_ih must be [\(4 * h), \(c)] for x \(x.shape), got \(weightIH.shape)")
        precondition(bias.shape == [4 * h], "LSTM: bias must be [\(4 * h)], got \(bias.shape)")
        precondition(lengths.count == b && lengths.allSatisfy { $0 >= 0 && $0 <= t },
                     "LSTM: lengths \(lengths) for x \(x.shape) (need \(b) lengths, each in 0...\(t))")
        return (b, t, c, h)
    }
}

extension LSTM {
    /// The reference for `forward`: the same function and contract, composed per time step from
    /// primitive ops (`linear`, `matmul`, `split`, `sigmoid`, `tanh`, `*`, `+`), with padded
    /// steps masked out of the output. Slow; tests check that `forward` agrees with it.
    public static func referenceForward(_ x: Tensor, lengths: [Int],
                                        weightIH: Tensor, weightHH: Tensor, bias: Tensor) -> Tensor {
        let (b, t, c, h) = checkShapes(x, lengths: lengths, weightIH: weightIH, weightHH: weightHH, bias: bias)
        let steps = x.reshaped([b, t * c])
        var hidden: Tensor? = nil, cell: Tensor? = nil
        var outputs: [Tensor] = []
        for ti in 0..<t {
            // [i; f; g; o] = W_ih · x_t + bias (+ W_hh · h_{t−1})
            var pre = linear(steps.columns((ti * c)..<((ti + 1) * c)), weight: weightIH, bias: bias)
            if let hidden { pre = pre + matmul(hidden, weightHH, transposeB: true) }
            let gate = pre.split(widths: [h, h, h, h])
            let i = gate[0].sigmoid(), f = gate[1].sigmoid(), g = gate[2].tanh(), o = gate[3].sigmoid()
            let newCell = cell.map { f * $0 + i * g } ?? i * g
            let newHidden = o * newCell.tanh()
            // mask[b, :] = 1 where step ti is real for sequence b
            var mask = [Float](repeating: 0, count: b * h)
            for bi in 0..<b where ti < lengths[bi] { for k in 0..<h { mask[bi * h + k] = 1 } }
            outputs.append(newHidden * Tensor(shape: [b, h], scalars: mask))
            hidden = newHidden
            cell = newCell
        }
        if outputs.isEmpty { return Tensor(zeros: [b, t, h]) }
        return concatLastAxis(outputs).reshaped([b, t, h])
    }
}
