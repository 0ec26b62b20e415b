/// A whole run configuration, as read from `configs/*.yaml`: corpora, tasks, the shared encoder, the
/// training loop, the sampler and checkpointing (each section type's doc comment shows its keys).
///
/// YAML keys are snake_case and map to the camelCase properties once, through each type's `CodingKeys`;
/// `--set training.learning_rate=0.1` ↔ `TrainConfig.training.learningRate` ↔ `learning_rate:`.
/// Decoding validates everything except files on disk (which `ConfigLoader` checks): unknown keys at any
/// depth, wrong types, impossible values and dangling names throw `ConfigError`. `corpora` and `tasks`
/// keep their file order. Every key but `corpora`, `tasks`, each corpus's `train` (and `columns` for the
/// columns format) and each task's `label` has a default.
public struct TrainConfig: Codable, Equatable {
    /// Folder that relative corpus paths resolve against (itself relative to the config file's folder);
    /// `nil` = the config file's folder.
    public var dataDir: String?
    /// Corpora by name, in file order.
    public var corpora: OrderedMap<CorpusConfig>
    /// Tasks by name, in file order (task ids follow this order).
    public var tasks: OrderedMap<TaskConfig>
    /// Whether every sentence trains every task whose label it carries, not just its corpus's tasks.
    public var useAllTasks: Bool
    /// The shared encoder.
    public var encoder: EncoderConfig
    /// The optimisation loop.
    public var training: TrainingConfig
    /// The task-aware distributed sampler.
    public var sampler: SamplerConfig
    /// Checkpointing.
    public var checkpoint: CheckpointConfig

    /// A config with the given corpora and tasks and every section at its defaults.
    public init(dataDir: String? = nil, corpora: OrderedMap<CorpusConfig>, tasks: OrderedMap<TaskConfig>,
                useAllTasks: Bool = false, encoder: EncoderConfig = EncoderConfig(),
                training: TrainingConfig = TrainingConfig(), sampler: SamplerConfig = SamplerConfig(),
                checkpoint: CheckpointConfig = CheckpointConfig()) {
        self.dataDir = dataDir
        self.corpora = corpora
        self.tasks = tasks
        self.useAllTasks = useAllTasks
        self.encoder = encoder
        self.training = training
        self.sampler = sampler
        self.checkpoint = checkpoint
    }

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case dataDir = "data_dir"
        case corpora, tasks
        case useAllTasks = "use_all_tasks"
        case encoder, training, sampler, checkpoint
    }

    /// Decodes and validates a whole config (everything but files on disk); see `ConfigError`.
    public init(from decoder: Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        dataDir = try section.optional(.dataDir, default: nil)
        try section.check(dataDir?.isEmpty != true, .dataDir, found: "an empty path", allowed: "a folder path, or null",
                          hint: "write a folder, or null to resolve paths against the config file's folder.")
        corpora = try section.section(.corpora, default: OrderedMap()) { try OrderedMap(from: $0) }
        let soleCorpus = corpora.count == 1 ? corpora.names.first : nil
        tasks = try section.section(.tasks, default: OrderedMap()) {
            try OrderedMap(from: $0) { try TaskConfig(from: $0, defaultCorpus: soleCorpus) }
        }
        useAllTasks = try section.value(.useAllTasks, default: false)
        encoder = try section.section(.encoder, default: EncoderConfig()) { try EncoderConfig(from: $0) }
        training = try section.section(.training, default: TrainingConfig()) { try TrainingConfig(from: $0) }
        sampler = try section.section(.sampler, default: SamplerConfig()) { try SamplerConfig(from: $0) }
        checkpoint = try section.section(.checkpoint, default: CheckpointConfig()) { try CheckpointConfig(from: $0) }
        try checkReferences(file: section.file)
    }

    /// Encodes every key, sections in schema order, `null` for unset optional keys.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeOrNull(dataDir, forKey: .dataDir)
        try container.encode(corpora, forKey: .corpora)
        try container.encode(tasks, forKey: .tasks)
        try container.encode(useAllTasks, forKey: .useAllTasks)
        try container.encode(self.encoder, forKey: .encoder)
        try container.encode(training, forKey: .training)
        try container.encode(sampler, forKey: .sampler)
        try container.encode(checkpoint, forKey: .checkpoint)
    }
}
