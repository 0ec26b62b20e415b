import Foundation

/// How the task-aware sampler mixes tasks: the share p_t of task t among the draws of a step,
/// from n_t, the number of training sentences that carry task t.
///
/// Temperature sampling as in Arivazhagan et al. 2019, "Massively Multilingual Neural Machine
/// Translation in the Wild" (p_t ∝ n_t^(1/T)).
public enum SamplingStrategy: String, Codable, Sendable, CaseIterable {
    /// p_t = n_t / Σ n: every sentence about equally often.
    case proportional
    /// p_t = 1 / taskCount.
    case uniform
    /// p_t ∝ n_t^(1/T), T > 0: T = 1 is proportional, T → ∞ uniform, T < 1 favours large tasks.
    case temperature

    /// The shares p_t for `taskSizes` n_t (each > 0), summing to 1; `temperature` is T (used by
    /// `.temperature` only). Computed in log space (p_t = exp(a·log n_t − max) / Σ), so a small
    /// temperature does not overflow.
    public func shares(taskSizes: [Int], temperature: Double) -> [Double] {
        precondition(taskSizes.allSatisfy { $0 > 0 }, "shares need positive task sizes, got \(taskSizes)")
        let exponent: Double
        switch self {
        case .proportional: exponent = 1
        case .uniform: exponent = 0
        case .temperature:
            precondition(temperature > 0 && temperature.isFinite, "temperature must be positive and finite, got \(temperature)")
            exponent = 1 / temperature
        }
        let logs = taskSizes.map { exponent * log(Double($0)) }
        let top = logs.max() ?? 0
        let weights = logs.map { exp($0 - top) }
        let total = weights.reduce(0, +)
        return weights.map { $0 / total }
    }
}
