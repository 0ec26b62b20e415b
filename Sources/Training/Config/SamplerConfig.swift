/// The task-aware distributed sampler of a run config (`sampler:` in YAML).
///
/// Per step, task `t` with `n_t` training sentences is drawn with probability
/// `p_t ∝ n_t` (proportional), `p_t = 1 / #tasks` (uniform) or `p_t ∝ n_t^(1/T)` (temperature);
/// every rank's share of the global batch holds at least `min_per_rank` sentences of every task.
/// ```yaml
/// sampler:
///   strategy: proportional   # proportional | uniform | temperature
///   temperature: 2.0         # T > 0 (temperature strategy)
///   min_per_rank: 1          # >= 1
///   max_world_size: null     # the largest number of ranks the schedule plans for (null: the largest
///                            # W dividing batch_size with batch_size/W >= tasks × min_per_rank)
/// ```
/// The global batch sequence never depends on the number of ranks actually used, so resuming on
/// another W sees the same data; every rank count up to `max_world_size` that divides the batch
/// keeps every task on every rank. A smaller `max_world_size` reserves fewer slots per task and
/// follows the strategy's mixing more closely.
public struct SamplerConfig: Codable, Equatable {
    /// How tasks are mixed.
    public enum Strategy: String, Codable, CaseIterable {
        /// `p_t ∝ n_t`.
        case proportional
        /// `p_t = 1 / #tasks`.
        case uniform
        /// `p_t ∝ n_t^(1/T)`.
        case temperature
    }

    /// Task mixing strategy.
    public var strategy: Strategy = .proportional
    /// `T` of the temperature strategy.
    public var temperature: Double = 2.0
    /// Minimum sentences of every task in every rank's batch.
    public var minPerRank: Int = 1
    /// The largest world size the schedule supports; nil chooses the largest possible.
    public var maxWorldSize: Int?

    /// The defaults above.
    public init() {}

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case strategy, temperature
        case minPerRank = "min_per_rank"
        case maxWorldSize = "max_world_size"
    }

    /// Decodes `sampler:`, rejecting unknown keys and impossible values.
    public init(from decoder: Decoder) throws {
        let section = try ConfigSection(decoder, keys: CodingKeys.self)
        let defaults = SamplerConfig()
        strategy = try section.choice(.strategy, default: defaults.strategy)
        temperature = try section.number(.temperature, default: defaults.temperature, .positive)
        minPerRank = try section.integer(.minPerRank, default: defaults.minPerRank, atLeast: 1,
                                         hint: "set \(section.keyPath(.minPerRank)) >= 1: every rank needs every task.")
        maxWorldSize = try section.optionalInteger(.maxWorldSize, default: nil, atLeast: 1,
                                                   hint: "set \(section.keyPath(.maxWorldSize)) >= 1, or null to plan for the most ranks the batch allows.")
    }

    /// Encodes every key.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(strategy, forKey: .strategy)
        try container.encodeNumber(temperature, forKey: .temperature)
        try container.encode(minPerRank, forKey: .minPerRank)
        try container.encodeOrNull(maxWorldSize, forKey: .maxWorldSize)
    }
}
