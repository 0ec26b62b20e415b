import Foundation
import ModelFiles
import MultiTask
import Optimizers
import RunConfig
import TaskSampling
import Transformer
import CoNLL
import Autodiff
import WordVectors

extension Trainer {
    /// The parts of `range` (of a store of `count` parameters whose first `transformer` parameters
    /// have an optimizer of their own) that each optimizer steps: the part inside `transformer`
    /// (nil when there is none) and the rest. A part `range` does not reach is empty, placed inside
    /// `range`, so its optimizer still takes every step, over no parameter.
    ///
    /// A frozen word table (`frozen`, registered right after the transformer's parameters, or first)
    /// belongs to neither part: the rest starts after it.
    static func parts(of range: Range<Int>, transformer: Range<Int>?, frozen: Range<Int>? = nil,
                      count: Int) -> (transformer: Range<Int>?, rest: Range<Int>) {
        if let frozen {
            precondition(frozen.lowerBound == (transformer?.upperBound ?? 0),
                         "a frozen word table at \(frozen) must follow the transformer's parameters (\(transformer.map { "\($0)" } ?? "none"))")
        }
        let restStart = frozen?.upperBound ?? transformer?.upperBound ?? 0
        let rest = range.clamped(to: restStart ..< count).clamped(to: range)
        guard let transformer else { return (nil, rest) }
        return (range.clamped(to: transformer).clamped(to: range), rest)
    }

    /// Copies the file's vectors into the rows of the word table `table` that the file has; the
    /// other rows keep their random initialisation. Row i is word id i (the vectors' keys are the
    /// vocabulary's entries, in order).
    static func fill(_ table: Parameter, of store: ParameterStore, with vectors: PretrainedVectors) {
        let d = vectors.dimension
        precondition(table.shape.dims == [vectors.keys.count, d],
                     "word table \(table.shape.dims), vectors for \(vectors.keys.count) words of \(d)")
        var values = store.scalars(of: table)
        for (i, match) in vectors.matches.enumerated() where match != nil {
            // table[i, :] = vector of word i
            values.replaceSubrange((i * d)..<((i + 1) * d), with: vectors.vector(i))
        }
        store.setScalars(values, of: table)
    }

    /// The optimizer `t` asks for.
    static func makeOptimizer(_ t: TrainingConfig) throws -> any Optimizer {
        switch t.optimizer {
        case .sgd: return try SGD(momentum: t.momentum, weightDecay: t.weightDecay)
        case .adam: return try Adam(weightDecay: t.weightDecay)
        case .adamw: return try AdamW(weightDecay: t.weightDecay)
        }
    }

    /// The learning-rate schedule `t` asks for over a run of `totalSteps` updates: `learning_rate`
    /// warmed up over `warmup_steps`, then constant, annealed on dev-score plateaus (by
    /// `anneal_factor` after more than `patience` evaluations without improvement), or decayed
    /// linearly or by a half cosine to `min_learning_rate` at the last step.
    static func learningRateSchedule(_ t: TrainingConfig, totalSteps: Int) throws -> Schedule {
        let lr = Float(t.learningRate), floor = min(Float(t.minLearningRate), lr)
        let total = max(totalSteps, t.warmupSteps)
        switch t.schedule {
        case .constant:
            return try .constant(lr, warmupSteps: t.warmupSteps)
        case .plateau:
            let annealer = try ReduceOnPlateau(learningRate: lr, mode: .max, factor: Float(t.annealFactor),
                                               patience: t.patience, minimumLearningRate: Float(t.minLearningRate))
            return try .plateau(annealer, warmupSteps: t.warmupSteps)
        case .linear:
            return try .linearWarmupDecay(peak: lr, warmupSteps: t.warmupSteps, totalSteps: total, floor: floor)
        case .cosine:
            return try .warmupCosine(peak: lr, warmupSteps: t.warmupSteps, totalSteps: total, floor: floor)
        }
    }

    /// The model structure a config asks for, sized by the data's vocabularies, with the data's
    /// checked transformer.
    public static func modelSpec(config: TrainConfig, encoder: TextEncoder, transformer: TransformerSpec? = nil) -> ModelSpec {
        let e = config.encoder
        let encoderSpec = EncoderSpec(
            wordVocabularySize: encoder.words.count, wordDimension: e.wordDim,
            characterVocabularySize: encoder.characters.count, characterDimension: e.charDim,
            characterHidden: e.charHidden, caseClassCount: TokenFeatures.casingCount, caseDimension: e.caseDim,
            sharedHidden: e.sharedHidden, dropout: Float(e.dropout), wordDropout: Float(e.wordDropout),
            lockedDropout: Float(e.lockedDropout), transformer: transformer,
            frozenWords: e.wordVectors.path != nil && !e.wordVectors.fineTune && e.wordDim > 0 ? true : nil)
        let heads = zip(config.tasks.names, encoder.tasks).map { name, task in
            let t = config.tasks[name]!
            // a classification task's head pools the sentence, a parser scores arcs; every other head labels tokens
            let parser = task.taskKind == .dependency
                ? ParserSizes(arcSize: t.arcSize ?? TaskConfig.defaultArcSize, relationSize: t.relationSize ?? TaskConfig.defaultRelationSize)
                : nil
            return HeadSpec(name: name, tagCount: task.labels.count, kind: t.head, hidden: t.hidden, lossWeight: Float(t.lossWeight),
                            pooling: task.taskKind == .classification ? (t.pooling ?? .mean) : nil, parser: parser)
        }
        return ModelSpec(encoder: encoderSpec, heads: heads)
    }

    /// Steps the run takes: `max_steps`, else `epochs` × steps per epoch.
    public static func totalSteps(config: TrainConfig, sampler: TrainingSampler) -> Int {
        if let m = config.training.maxSteps { return m }
        return (0..<config.training.epochs).reduce(0) { $0 + sampler.stepsPerEpoch(epoch: $1) }
    }
}
