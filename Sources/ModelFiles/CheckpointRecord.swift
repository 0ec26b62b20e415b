import Checkpointing
import Foundation
import Optimizers

/// The trainer's part of a checkpoint manifest (`training:` in `manifest.json`): everything besides
/// the parameters and optimizer buffers that the run needs to continue exactly where it stopped,
/// and the model description that `evaluate`, `predict` and `export` read.
public struct CheckpointRecord: Codable {
    /// The sampler's position: the next step is `step` of `epoch` (both 0-based). The global batch
    /// is a pure function of (seed, epoch, step), so this continues the exact schedule on any W.
    public struct SamplerState: Codable, Equatable {
        public var seed: Int
        public var epoch: Int
        public var step: Int

        public init(seed: Int, epoch: Int, step: Int) {
            self.seed = seed
            self.epoch = epoch
            self.step = step
        }
    }

    /// The random streams. Nothing is stateful: parameter initialisation derives from `seed`, and
    /// every dropout mask and unknown-word replacement from (seed, epoch, step, corpus, sentence)
    /// (`BatchBuilder.rowKey`), so these keys are the whole RNG state.
    public struct RandomState: Codable, Equatable {
        public var seed: Int
        public var derivation: String

        public init(seed: Int, derivation: String) {
            self.seed = seed
            self.derivation = derivation
        }
    }

    /// The training loss accumulated since the last log line, per rank of the saving run: for each
    /// task, the summed loss and the row count, and the sentences counted.
    public struct LogWindow: Codable, Equatable {
        public var lossSums: [[Double]]
        public var sentences: [Int]

        public init(lossSums: [[Double]], sentences: [Int]) {
            self.lossSums = lossSums
            self.sentences = sentences
        }
    }

    /// The model: structure, vocabularies, label dictionaries, tag schemes, corpora, resolved config.
    public var model: ModelMetadata
    /// Optimisation steps completed.
    public var step: Int
    public var sampler: SamplerState
    public var random: RandomState
    /// The learning-rate schedule's state (its kind, and ReduceOnPlateau's state for `plateau`;
    /// the other schedules are functions of the optimizer's step count).
    public var schedule: Schedule.State
    /// The best dev main score so far and its step.
    public var bestScore: Double?
    public var bestStep: Int?
    public var logWindow: LogWindow
    /// The run folder the checkpoint was written from (its metrics.jsonl and best/).
    public var outputDirectory: String

    public init(model: ModelMetadata, step: Int, sampler: SamplerState, random: RandomState, schedule: Schedule.State,
                bestScore: Double?, bestStep: Int?, logWindow: LogWindow, outputDirectory: String) {
        self.model = model
        self.step = step
        self.sampler = sampler
        self.random = random
        self.schedule = schedule
        self.bestScore = bestScore
        self.bestStep = bestStep
        self.logWindow = logWindow
        self.outputDirectory = outputDirectory
    }

    enum CodingKeys: String, CodingKey {
        case model, step, sampler, random, schedule
        case bestScore = "best_score"
        case bestStep = "best_step"
        case logWindow = "log_window"
        case outputDirectory = "output_directory"
    }
}
