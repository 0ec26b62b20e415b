import Autodiff
import Layers
import Parsing

/// A dependency-parsing task's head over the shared encoding: the biaffine parser of Dozat &
/// Manning (2017, "Deep Biaffine Attention for Neural Dependency Parsing",
/// https://arxiv.org/abs/1611.01734), as SuPar's `BiaffineDependencyModel` builds it.
///
/// - A learned root vector is put before every sentence (`x [R, T, C]` → `[R, T + 1, C]`, step 0
///   the root), so the root is a head like any word.
/// - Four MLPs (Linear, ReLU, dropout) give each word an arc-dependent and a relation-dependent
///   vector, and each step (root included) an arc-head and a relation-head vector. The two
///   dependent MLPs run as one `gemm` over their stacked weights, and so do the two head MLPs.
/// - Arc scores `[R, T, T + 1]`: `s[r, i, j] = d[r, i] · U · h[r, j] + h[r, j] · u`, the score of
///   head j (0 the root, j word j) for word i + 1 (`Biaffine`); each word's heads are one
///   contiguous row, as `TreeDecoder` reads them (`scores[dependent][head]`).
/// - Relation scores `[R, T, L]` for each word with a given head (`BiaffineLabeler`).
/// - Loss, summed over the real words of every row: cross-entropy of the gold head among the heads
///   `0...length` of the word's sentence, plus cross-entropy of the gold relation at the gold head.
/// - Decoding: the best tree with one root word (`TreeDecoder`, Chu-Liu-Edmonds), then each word's
///   best relation at its decoded head.
///
/// Parameters, under `heads.<name>`: `root [C]`; `arc_dependent`, `arc_head` (`.weight [A, C]`,
/// `.bias [A]`); `relation_dependent`, `relation_head` (`.weight [Q, C]`, `.bias [Q]`);
/// `arc.weight [A, A]`, `arc.head_bias [A]`; `relation.weight [Q, L, Q]`,
/// `relation.linear.weight [L, 2Q]`, `relation.linear.bias [L]` (A = `arcSize`, Q = `relationSize`).
public struct DependencyHead: Module {
    /// The task's name.
    public let name: String
    /// Number L of relation labels.
    public let relationCount: Int
    /// Width A of the arc MLPs' outputs.
    public let arcSize: Int
    /// Width Q of the relation MLPs' outputs.
    public let relationSize: Int
    let root: Parameter
    let arcDependent: Linear
    let arcHead: Linear
    let relationDependent: Linear
    let relationHead: Linear
    let arc: Biaffine
    let relation: BiaffineLabeler
    let dependentDropout: Dropout
    let headDropout: Dropout
    let store: ParameterStore

    /// A head for task `name` (the `index`-th task, which keeps its dropout masks apart from other
    /// heads') over `inputWidth`-wide encodings, with `relationCount` relation labels. The MLP widths
    /// default to Dozat & Manning's (500 for arcs, 100 for relations); `dropout` in [0, 1) drops MLP
    /// outputs in training (they use 0.33).
    public init(name: String, index: Int, inputWidth: Int, relationCount: Int, arcSize: Int = 500,
                relationSize: Int = 100, dropout: Float, store: ParameterStore, rng: inout SplitMix64) {
        precondition(relationCount >= 1 && arcSize >= 1 && relationSize >= 1,
                     "DependencyHead \(name): \(relationCount) relations, MLP widths \(arcSize) and \(relationSize) (need ≥ 1)")
        self.name = name
        self.relationCount = relationCount
        self.arcSize = arcSize
        self.relationSize = relationSize
        self.store = store
        let prefix = "heads.\(name)"
        root = store.add(prefix + ".root", shape: [inputWidth], initializer: .normal(std: 0.1), rng: &rng)
        arcDependent = Linear(inputSize: inputWidth, outputSize: arcSize, name: prefix + ".arc_dependent", store: store, rng: &rng)
        arcHead = Linear(inputSize: inputWidth, outputSize: arcSize, name: prefix + ".arc_head", store: store, rng: &rng)
        relationDependent = Linear(inputSize: inputWidth, outputSize: relationSize, name: prefix + ".relation_dependent",
                                   store: store, rng: &rng)
        relationHead = Linear(inputSize: inputWidth, outputSize: relationSize, name: prefix + ".relation_head",
                              store: store, rng: &rng)
        arc = Biaffine(dependentSize: arcSize, headSize: arcSize, name: prefix + ".arc", store: store, rng: &rng)
        relation = BiaffineLabeler(dependentSize: relationSize, headSize: relationSize, labelCount: relationCount,
                                   name: prefix + ".relation", store: store, rng: &rng)
        // sites apart from TaskHead's (100 + index): "dep" in ASCII, two per head
        dependentDropout = Dropout(probability: dropout, site: 0x64_6570_0000 + 2 * UInt64(index))
        headDropout = Dropout(probability: dropout, site: 0x64_6570_0000 + 2 * UInt64(index) + 1)
    }

    /// The parameters this module registered, in registration order.
    public var parameters: [Parameter] {
        [root] + arcDependent.parameters + arcHead.parameters + relationDependent.parameters + relationHead.parameters
            + arc.parameters + relation.parameters
    }

    /// The MLP outputs of a batch, which the arc and relation scorers read.
    public struct Features {
        /// Arc-dependent vectors `[R, T, A]`.
        public let arcDependents: Tensor
        /// Arc-head vectors `[R, T + 1, A]`, step 0 the root.
        public let arcHeads: Tensor
        /// Relation-dependent vectors `[R, T, Q]`.
        public let relationDependents: Tensor
        /// Relation-head vectors `[R, T + 1, Q]`, step 0 the root.
        public let relationHeads: Tensor
        /// The R sentence lengths, each in `0...T`.
        public let lengths: [Int]
        /// The tape the features were recorded on (nil for inference).
        public let tape: Tape?
    }

    /// The features of encoded rows `x [R, T, C]` of lengths `lengths`; `keys` (one per row) draw
    /// the dropout masks when `training`.
    public func features(_ x: Tensor, lengths: [Int], keys: [UInt64], tape: Tape?, training: Bool) -> Features {
        precondition(x.shape.rank == 3 && x.shape[0] == lengths.count && lengths.allSatisfy { $0 >= 0 && $0 <= x.shape[1] },
                     "DependencyHead \(name): encodings \(x.shape), lengths \(lengths)")
        // [arc | relation] = ReLU(x · [W_arc; W_rel]ᵀ + [b_arc; b_rel]), then dropout, for each side
        func mlp(_ input: Tensor, _ arcLayer: Linear, _ relationLayer: Linear, _ dropout: Dropout) -> [Tensor] {
            let both = linear(input, weights: [arcLayer.weightTensor(tape: tape), relationLayer.weightTensor(tape: tape)],
                              biases: [arcLayer.biasTensor(tape: tape)!, relationLayer.biasTensor(tape: tape)!])
            return dropout(both.relu(), keys: keys, training: training).split(widths: [arcSize, relationSize])
        }
        let dependents = mlp(x, arcDependent, relationDependent, dependentDropout)
        let heads = mlp(x.prependingStep(store.tensor(root, tape: tape)), arcHead, relationHead, headDropout)
        return Features(arcDependents: dependents[0], arcHeads: heads[0], relationDependents: dependents[1],
                        relationHeads: heads[1], lengths: lengths, tape: tape)
    }

    /// Arc scores `[R, T, T + 1]`: `s[r, i, j]` scores head j (0 the root) for word i + 1.
    public func arcScores(_ f: Features) -> Tensor {
        arc(dependents: f.arcDependents, heads: f.arcHeads, tape: f.tape)
    }

    /// Relation scores `[R, T, L]` of each word with the head `heads[r·T + i]` (row-major `[R, T]`, in
    /// `0...lengths[r]` for the real words; entries at padding are not read).
    public func relationScores(_ f: Features, heads: [Int32]) -> Tensor {
        let t = f.arcDependents.shape[1]
        precondition(heads.count == f.lengths.count * t, "DependencyHead \(name): \(heads.count) heads for \(f.lengths.count) rows of \(t)")
        // the step of each word's head; padding reads the root
        var steps = [Int32](repeating: 0, count: heads.count)
        for (r, len) in f.lengths.enumerated() {
            for i in 0..<len {
                let h = heads[r * t + i]
                precondition(h >= 0 && Int(h) <= len, "DependencyHead \(name): head \(h) of word \(i + 1) in row \(r) outside 0...\(len)")
                steps[r * t + i] = h
            }
        }
        return relation(dependents: f.relationDependents, heads: f.relationHeads.selectingSteps(steps), tape: f.tape)
    }

    /// The loss summed over the rows' real words: `Σ −log p(gold head) − log p(gold relation | gold
    /// head)`. `heads` (in `0...lengths[r]`, 0 the root) and `relations` (in `0..<L`) are row-major
    /// `[R, T]`; their entries at padding are not read.
    public func loss(_ f: Features, heads: [Int32], relations: [Int32]) -> Tensor {
        let t = f.arcDependents.shape[1]
        precondition(relations.count == f.lengths.count * t,
                     "DependencyHead \(name): \(relations.count) relations for \(f.lengths.count) rows of \(t)")
        var mask = [Bool](repeating: false, count: relations.count)
        for (r, len) in f.lengths.enumerated() { for i in 0..<len { mask[r * t + i] = true } }
        return arcCrossEntropy(scores: arcScores(f), heads: heads, lengths: f.lengths)
            + softmaxCrossEntropy(logits: relationScores(f, heads: heads), targets: relations, mask: mask)
    }

    /// `loss(features(x, …), heads:, relations:)`: the summed loss of encoded rows `x [R, T, C]`.
    public func loss(_ x: Tensor, heads: [Int32], relations: [Int32], lengths: [Int], keys: [UInt64],
                     tape: Tape?, training: Bool) -> Tensor {
        loss(features(x, lengths: lengths, keys: keys, tape: tape, training: training), heads: heads, relations: relations)
    }

    /// The parse of every row of encoded rows `x [R, T, C]` (inference: nothing recorded, no
    /// dropout): the best tree with one root word over the arc scores, then each word's best
    /// relation at its head. Throws `ParsingError` when the scores hold NaN or +∞, or a sentence has
    /// more than `TreeDecoder.maxRows − 1` words.
    public func decode(_ x: Tensor, lengths: [Int]) throws -> [DependencyParse] {
        try decodeScored(x, lengths: lengths).parses
    }

    /// `decode`, with the relation scores `[R, T, L]` of each word at its decoded head that chose
    /// its relation (entries at padding are not meaningful).
    public func decodeScored(_ x: Tensor, lengths: [Int]) throws -> (parses: [DependencyParse], relationScores: Tensor) {
        let f = features(x, lengths: lengths, keys: [UInt64](repeating: 0, count: lengths.count), tape: nil, training: false)
        let t = x.shape[1], l = relationCount
        let scores = arcScores(f), s = scores.data
        var heads = [Int32](repeating: 0, count: lengths.count * t)
        var parses: [DependencyParse] = []
        for (r, len) in lengths.enumerated() {
            guard len > 0 else { parses.append(DependencyParse(heads: [], relations: [])); continue }
            // matrix[d][h] = s[r, d − 1, h] for words d in 1...len; row 0 (the root's) is not read
            var matrix = [[Float](repeating: 0, count: len + 1)]
            for i in 0..<len {
                let row = s + (r * t + i) * (t + 1)
                matrix.append(Array(UnsafeBufferPointer(start: row, count: len + 1)))
            }
            let tree = try TreeDecoder.decode(matrix)
            for i in 0..<len { heads[r * t + i] = Int32(tree[i]) }
            parses.append(DependencyParse(heads: tree, relations: []))
        }
        let relationScores = relationScores(f, heads: heads), e = relationScores.data
        for (r, len) in lengths.enumerated() {
            parses[r].relations = (0..<len).map { i in
                let row = e + (r * t + i) * l
                var best = 0
                for j in 1..<l where row[j] > row[best] { best = j }
                return Int32(best)
            }
        }
        return (parses, relationScores)
    }
}

/// One sentence's decoded dependency tree.
public struct DependencyParse: Equatable, Sendable {
    /// `heads[w − 1]`: the head of word w, 0 for the root (the CoNLL-U HEAD column).
    public var heads: [Int]
    /// `relations[w − 1]`: the relation label index of word w's arc.
    public var relations: [Int32]
}
