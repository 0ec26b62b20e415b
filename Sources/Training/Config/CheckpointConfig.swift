/// Checkpointing of a run config (`checkpoint:` in YAML): every `every` steps the trainer writes a
/// sharded checkpoint `DIRECTORY/step-<N>/` (see `Trainer.checkpointDirectory`), and after each one
/// deletes all but the newest `keep`. A stop signal (SIGTERM, SIGUSR1) also writes one.
///
/// ```yaml
/// checkpoint:
///   directory: null   # null = OUTPUT/checkpoints; a relative path resolves against the config file's folder
///   every: 0          # steps between periodic checkpoints; 0 = none
///   keep: 3           # keep the last K checkpoints (>= 1)
/// ```
public struct CheckpointConfig: Codable, Equatable {
    /// Where checkpoints go, as written; `nil` lets the trainer use its output directory.
    public var directory: String?
    /// Steps between periodic checkpoints; 0 = none.
    public var every: Int = 0
    /// How many of the most recent checkpoints to keep.
    public var keep: Int = 3

    /// The defaults above.
    public init() {}

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case directory, every, keep
    }

    /// Decodes `checkpoint:`, rejecting unknown keys and impossible values.
    public init(from decoder: Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = CheckpointConfig()
        directory = try section.optional(.directory, default: defaults.directory)
        try section.check(directory?.isEmpty != true, .directory, found: "an empty path", allowed: "a directory path, or null",
                          hint: "write a directory, or null for the output directory.")
        every = try section.integer(.every, default: defaults.every, atLeast: 0,
                                    hint: "set \(section.keyPath(.every)) >= 0 (0 = no periodic checkpoints).")
        keep = try section.integer(.keep, default: defaults.keep, atLeast: 1,
                                   hint: "set \(section.keyPath(.keep)) >= 1: the newest checkpoint is always kept.")
    }

    /// Encodes every key (`directory: null` when unset).
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeOrNull(directory, forKey: .directory)
        try container.encode(every, forKey: .every)
        try container.encode(keep, forKey: .keep)
    }
}
