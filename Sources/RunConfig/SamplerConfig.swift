import TaskSampling

/// The task-aware distributed sampler of a run config (`sampler:` in YAML).
///
/// Per step, task `t` with `n_t` training sentences is drawn with probability
/// `p_t ∝ n_t` (proportional), `p_t = 1 / #tasks` (uniform) or `p_t ∝ n_t^(1/T)` (temperature);
/// every rank's share of the global batch holds at least `min_per_rank` sentences of every task.
/// The global batch sequence never depends on the number of ranks actually used, so resuming on
/// another W sees the same data; every rank count up to `max_world_size` that divides the batch
/// keeps every task on every rank. A smaller `max_world_size` reserves fewer slots per task and
/// follows the strategy's mixing more closely; unset, it is the most ranks that keep every task's
/// share within 2 points of the strategy's (`TaskAwareSampler.defaultMaxWorldSize`).
public struct SamplerConfig: Codable, Equatable {
    // The keys, in YAML order; what each means is in `meanings` below.
    public var strategy = SamplingStrategy.proportional
    public var temperature = 2.0
    public var minPerRank = 1
    public var maxWorldSize: Int?

    /// YAML keys, mapped once.
    public enum CodingKeys: String, CodingKey, CaseIterable {
        case strategy, temperature, minPerRank = "min_per_rank", maxWorldSize = "max_world_size"
    }
}

extension SamplerConfig: ConfigSection {
    /// What each key means: the text `mtl-dist config reference` and docs/CONFIG.md print beside
    /// its type and default (the one place it is written).
    static let meanings: [CodingKeys: String] = [
        .strategy:
            "Task mixing strategy: `proportional`, `uniform` or `temperature`.",
        .temperature:
            "`T > 0` of the temperature strategy.",
        .minPerRank:
            "Minimum sentences of every task in every rank's batch (>= 1).",
        .maxWorldSize:
            "The largest number of ranks the schedule plans for; nil: the largest W dividing `batch_size` with `batch_size / W >= tasks × min_per_rank` whose reserved slots keep every task's share within 2 points of the strategy's (the largest such W regardless, when none does).",
    ]
    static let defaults = SamplerConfig()

    func validate(_ rules: ConfigRules<CodingKeys>) throws {
        try rules.number(.temperature, temperature, .positive)
        try rules.integer(.minPerRank, minPerRank, atLeast: 1, hint: "set \(rules.keyPath(.minPerRank)) >= 1: every rank needs every task.")
        try rules.integer(.maxWorldSize, maxWorldSize, atLeast: 1,
                          hint: "set \(rules.keyPath(.maxWorldSize)) >= 1, or null to plan for the most ranks the batch allows.")
    }
}
