import Autodiff
import Layers

/// One shared encoder and one head per task, all parameters in one `ParameterStore`.
///
/// A batch is encoded once; each task's head reads the rows routed to it (`Batch.tasks`). The
/// loss is Σ_t weight_t · (Σ over the task's rows of the row loss) / (the task's sentences in the
/// global batch), so it does not depend on how a global batch is split over ranks. A task with
/// no row in the batch adds nothing and its head's gradient stays zero: no step ever fails for it.
public final class MultiTaskModel: Module {
    public let spec: ModelSpec
    public let store: ParameterStore
    public let encoder: SharedEncoder
    /// One head per task, in task order: a `TaskHead` for token tasks, a `ClassificationHead` for
    /// sentence tasks (`HeadSpec.pooling`), a `DependencyTaskHead` for parsers (`HeadSpec.parser`).
    public let heads: [any OutputHead]
    /// The memory of every training step's activations, gradients and scratch: lent to each
    /// step's tape, so a step of a (B, T) seen before allocates nothing new.
    public let workspace = Workspace()

    /// Builds the model and initialises its parameters from `seed` (equal seeds, equal parameters).
    public convenience init(spec: ModelSpec, seed: UInt64) {
        self.init(spec: spec, seed: seed, store: ParameterStore())
    }

    /// The parameters (names, shapes, offsets) a model of `spec` has, computed without allocating
    /// them; the spec's sizes must be non-negative.
    public static func parameterLayout(of spec: ModelSpec) -> [Parameter] {
        MultiTaskModel(spec: spec, seed: 0, store: ParameterStore(layoutOnly: true)).store.parameters
    }

    private init(spec: ModelSpec, seed: UInt64, store: ParameterStore) {
        self.spec = spec
        self.store = store
        var rng = SplitMix64(keys: seed, 0x6D6F_6465_6C)
        encoder = SharedEncoder(spec: spec.encoder, store: store, rng: &rng)
        var heads: [any OutputHead] = []
        for (i, h) in spec.heads.enumerated() {
            let width = spec.encoder.outputWidth, dropout = spec.encoder.dropout
            if h.parser != nil {
                heads.append(DependencyTaskHead(spec: h, index: i, inputWidth: width, dropout: dropout, store: store, rng: &rng))
            } else if h.pooling != nil {
                heads.append(ClassificationHead(spec: h, index: i, inputWidth: width, dropout: dropout, store: store, rng: &rng))
            } else {
                heads.append(TaskHead(spec: h, index: i, inputWidth: width, dropout: dropout, store: store, rng: &rng))
            }
        }
        self.heads = heads
    }

    public var parameters: [Parameter] { store.parameters }

    /// The result of a training forward pass.
    public struct LossResult {
        /// The scalar to back-propagate.
        public let total: Tensor
        /// Per task: the summed (unnormalised) loss of its rows in this batch, and their count.
        public let perTask: [(sum: Float, rows: Int)]
    }

    /// The weighted, normalised multi-task loss of a batch, recorded on `tape`, which must be
    /// empty: it allocates from the model's `workspace`.
    public func loss(_ batch: Batch, tape: Tape, training: Bool = true) -> LossResult {
        precondition(batch.tasks.count == heads.count, "batch routes \(batch.tasks.count) tasks, model has \(heads.count) heads")
        tape.workspace = workspace
        let encoded = encoder(batch, tape: tape, training: training)
        var total: Tensor? = nil
        var perTask: [(sum: Float, rows: Int)] = []
        for (head, task) in zip(heads, batch.tasks) {
            guard !task.rows.isEmpty else { perTask.append((0, 0)); continue }
            precondition(task.globalCount >= task.rows.count, "task \(head.spec.name): global count \(task.globalCount) < \(task.rows.count) rows")
            let lengths = task.rows.map { batch.lengths[$0] }
            let keys = task.rows.map { batch.rowKeys[$0] }
            let x = task.rows.count == batch.size ? encoded : encoded.selectingRows(task.rows)
            let l = head.loss(x, lengths: lengths, keys: keys, targets: task.tags, heads: task.heads, tape: tape, training: training)
            perTask.append((l.item, task.rows.count))
            let term = l.scaled(by: head.spec.lossWeight / Float(task.globalCount))
            total = total.map { $0 + term } ?? term
        }
        // A batch in which no task has a row (possible on a rank only if the sampler allowed it)
        // still yields a scalar on the tape, so backward is always defined.
        let loss = total ?? store.tensor(store.parameters[0], tape: tape).sum().scaled(by: 0)
        return LossResult(total: loss, perTask: perTask)
    }

    /// Decodes every row of the batch for the tasks `taskIndices` (inference: nothing recorded,
    /// no dropout): result[i][row] is the predicted label ids of that row for task `taskIndices[i]`
    /// (one per token, one for a sentence task, heads then relations for a parser). Throws
    /// `ParsingError` when a parser's scores hold NaN or +∞.
    public func predict(_ batch: Batch, taskIndices: [Int]) throws -> [[[Int32]]] {
        let encoded = encoder(batch, tape: nil, training: false)
        return try taskIndices.map { try heads[$0].decode(encoded, lengths: batch.lengths, keys: batch.rowKeys) }
    }

    /// `predict` with each row's posterior (`TagPosterior`: marginals and span scores) beside its
    /// tags: result[i][row] for task `taskIndices[i]`.
    public func predictWithPosteriors(_ batch: Batch, taskIndices: [Int]) throws -> [[(tags: [Int32], posterior: TagPosterior)]] {
        let encoded = encoder(batch, tape: nil, training: false)
        return try taskIndices.map { try heads[$0].decodeWithPosteriors(encoded, lengths: batch.lengths, keys: batch.rowKeys) }
    }
}
