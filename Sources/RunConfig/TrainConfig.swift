/// A whole run configuration, as read from `configs/*.yaml`: corpora, tasks, the shared encoder, the
/// training loop, the sampler and checkpointing; each property of a section type is one key (see
/// `ConfigSection`), documented there. `--set training.learning_rate=0.1` ↔ `training.learningRate` ↔
/// `learning_rate:`. Reading validates everything but files on disk (which `ConfigLoader` checks):
/// unknown keys at any depth, wrong types, impossible values and dangling names throw `ConfigError`.
/// `corpora` and `tasks` keep their file order.
public struct TrainConfig: Codable, Equatable {
    /// Folder that relative corpus paths resolve against (itself relative to the config file's folder);
    /// `nil` = the config file's folder.
    public var dataDir: String?
    /// Corpora by name, in file order.
    public var corpora = OrderedMap<CorpusConfig>()
    /// Tasks by name, in file order (task ids follow this order).
    public var tasks = OrderedMap<TaskConfig>()
    /// Whether every sentence trains every task whose label it carries, not just its corpus's tasks
    /// (so a corpus that no task names trains the tasks whose label columns it carries).
    public var useAllTasks = false
    /// The shared encoder.
    public var encoder = EncoderConfig()
    /// The optimisation loop.
    public var training = TrainingConfig()
    /// The task-aware distributed sampler.
    public var sampler = SamplerConfig()
    /// Checkpointing.
    public var checkpoint = CheckpointConfig()

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case dataDir = "data_dir", corpora, tasks, useAllTasks = "use_all_tasks", encoder, training, sampler, checkpoint
    }
}

extension TrainConfig: ConfigSection {
    static let defaults = TrainConfig()
    static let children: [CodingKeys: ConfigSchema] = [
        .corpora: .names(.section(CorpusConfig.self)), .tasks: .names(.section(TaskConfig.self)), .encoder: .section(EncoderConfig.self),
        .training: .section(TrainingConfig.self), .sampler: .section(SamplerConfig.self), .checkpoint: .section(CheckpointConfig.self)]
    /// The key tree of a config file.
    static let schema = ConfigSchema.section(TrainConfig.self)
}
