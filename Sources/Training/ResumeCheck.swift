import Foundation
import RunConfig

/// What may change between a checkpoint's run and the run that resumes it. Keys that shape the
/// model, the data or the optimisation would make the resumed run a different run; they are
/// refused with what differs. Keys that only say how long to run, how often to log, where and how
/// often to checkpoint, and the learning-rate floor are safe, and a resume lists them in the log.
public enum ResumeCheck {
    /// Config keys (dotted, as in `--set`) that may differ on resume; `checkpoint.` covers its section.
    public static let safeKeys = ["training.epochs", "training.max_steps", "training.log_every",
                                  "training.min_learning_rate", "training.sharded_update", "checkpoint."]

    /// One key whose value differs: as saved and as now.
    public struct Difference: Equatable, CustomStringConvertible {
        public let key: String
        public let saved: String
        public let current: String
        public var description: String { "\(key): \(saved) → \(current)" }
    }

    /// The keys of `current` that differ from `saved`, split into safe and refused ones.
    public static func differences(saved: TrainConfig, current: TrainConfig) throws -> (safe: [Difference], refused: [Difference]) {
        let a = try flatten(saved), b = try flatten(current)
        var safe: [Difference] = [], refused: [Difference] = []
        for key in Set(a.keys).union(b.keys).sorted() where a[key] != b[key] {
            let d = Difference(key: key, saved: a[key] ?? "(absent)", current: b[key] ?? "(absent)")
            if safeKeys.contains(where: { $0.hasSuffix(".") ? key.hasPrefix($0) : key == $0 }) {
                safe.append(d)
            } else {
                refused.append(d)
            }
        }
        return (safe, refused)
    }

    /// Every leaf of `config` by its dotted key (`training.learning_rate` → `0.1`).
    static func flatten(_ config: TrainConfig) throws -> [String: String] {
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(config), options: [.fragmentsAllowed])
        var result: [String: String] = [:]
        func walk(_ value: Any, _ key: String) {
            if let d = value as? [String: Any] {
                for (k, v) in d { walk(v, key.isEmpty ? k : key + "." + k) }
            } else if let a = value as? [Any] {
                for (i, v) in a.enumerated() { walk(v, "\(key)[\(i)]") }
            } else if value is NSNull {
                result[key] = "null"
            } else {
                result[key] = "\(value)"
            }
        }
        walk(object, "")
        return result
    }
}
