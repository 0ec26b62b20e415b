import Foundation
import ModelFiles
import MultiTask
import Optimizers
import RunConfig
import TaskSampling
import Transformer
import CoNLL

extension Trainer {
    /// The parts of `range` (of a store of `count` parameters whose first `transformer` parameters
    /// have an optimizer of their own) that each optimizer steps: the part inside `transformer`
    /// (nil when there is none) and the rest. A part `range` does not reach is empty, placed inside
    /// `range`, so its optimizer still takes every step, over no parameter.
    static func parts(of range: Range<Int>, transformer: Range<Int>?, count: Int) -> (transformer: Range<Int>?, rest: Range<Int>) {
        guard let transformer else { return (nil, range) }
        return (range.clamped(to: transformer).clamped(to: range), range.clamped(to: transformer.upperBound ..< count).clamped(to: range))
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
            lockedDropout: Float(e.lockedDropout), transformer: transformer)
        let heads = zip(config.tasks.names, encoder.tasks).map { name, task in
            let t = config.tasks[name]!
            return HeadSpec(name: name, tagCount: task.labels.count, kind: t.head,
                            hidden: t.hidden, lossWeight: Float(t.lossWeight))
        }
        return ModelSpec(encoder: encoderSpec, heads: heads)
    }

    /// Steps the run takes: `max_steps`, else `epochs` × steps per epoch.
    public static func totalSteps(config: TrainConfig, sampler: TrainingSampler) -> Int {
        if let m = config.training.maxSteps { return m }
        return (0..<config.training.epochs).reduce(0) { $0 + sampler.stepsPerEpoch(epoch: $1) }
    }
}
