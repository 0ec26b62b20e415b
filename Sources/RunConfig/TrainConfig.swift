/// A whole run configuration, as read from `configs/*.yaml`: corpora, tasks, the shared encoder, the
/// training loop, the sampler and checkpointing; each property of a section type is one key (see
/// `ConfigSection`), documented there. `--set training.learning_rate=0.1` ↔ `training.learningRate` ↔
/// `learning_rate:`. Reading validates everything but files on disk (which `ConfigLoader` checks):
/// unknown keys at any depth, wrong types, impossible values and dangling names throw `ConfigError`.
/// `corpora` and `tasks` keep their file order.
public struct TrainConfig: Codable, Equatable {
    // The keys, in YAML order; what each means is in `meanings` below.
    public var dataDir: String?
    public var corpora = OrderedMap<CorpusConfig>()
    public var tasks = OrderedMap<TaskConfig>()
    public var useAllTasks = false
    public var encoder = EncoderConfig()
    public var training = TrainingConfig()
    public var sampler = SamplerConfig()
    public var checkpoint = CheckpointConfig()

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case dataDir = "data_dir", corpora, tasks, useAllTasks = "use_all_tasks", encoder, training, sampler, checkpoint
    }
}

extension TrainConfig: ConfigSection {
    /// What each key means: the text `mtl-dist config reference` and docs/CONFIG.md print beside
    /// its type and default (the one place it is written).
    static let meanings: [CodingKeys: String] = [
        .dataDir:
            "Folder that relative corpus paths resolve against (itself relative to the config file's folder); `nil` = the config file's folder.",
        .corpora:
            "Corpora by name, in file order.",
        .tasks:
            "Tasks by name, in file order (task ids follow this order).",
        .useAllTasks:
            "Whether every sentence trains every task whose label it carries, not just its corpus's tasks (so a corpus that no task names trains the tasks whose label columns it carries).",
        .encoder:
            "The shared encoder.",
        .training:
            "The optimisation loop.",
        .sampler:
            "The task-aware distributed sampler.",
        .checkpoint:
            "Checkpointing.",
    ]
    static let defaults = TrainConfig()
    static let children: [CodingKeys: ConfigSchema] = [
        .corpora: .names(.section(CorpusConfig.self)), .tasks: .names(.section(TaskConfig.self)), .encoder: .section(EncoderConfig.self),
        .training: .section(TrainingConfig.self), .sampler: .section(SamplerConfig.self), .checkpoint: .section(CheckpointConfig.self)]
    /// The key tree of a config file.
    static let schema = ConfigSchema.section(TrainConfig.self)
}
