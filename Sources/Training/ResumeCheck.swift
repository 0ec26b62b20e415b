import Foundation
import RunConfig

/// What may change between a checkpoint's run and the run that resumes it. Keys that shape the
/// model, the data or the optimisation would make the resumed run a different run; they are
/// refused with what differs. Keys that only say how long to run, how often to log, where and how
/// often to checkpoint, the learning-rate floor, the data-file size bound (`corpora.*.max_file_mb`)
/// how gradients are exchanged (the same sums in another order, as on another world size) and the
/// transformer's arithmetic (`encoder.transformer.precision`: the same parameters multiplied in fp32
/// or bf16, as a CPU without bf16 does anyway) are safe, and a resume lists them in the log.
public enum ResumeCheck {
    /// Config keys (dotted, as in `--set`) that may differ on resume; `checkpoint.*` covers its section.
    public static let safeKeys = ["training.epochs", "training.max_steps", "training.log_every",
                                  "training.min_learning_rate", "training.sharded_update", "training.exchange",
                                  "training.sparse_allreduce", "training.allreduce_bucket_mb", "training.overlap_allreduce",
                                  "encoder.transformer.precision", "checkpoint.*"]

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
            // a corpus's file-size bound says what may be read, not what is
            let readingBound = key.hasPrefix("corpora.") && key.hasSuffix(".max_file_mb")
            if readingBound || safeKeys.contains(where: { $0.hasSuffix(".*") ? key.hasPrefix($0.dropLast()) : key == $0 }) {
                safe.append(d)
            } else {
                refused.append(d)
            }
        }
        return (safe, refused)
    }

    /// Every leaf of `config` by its dotted key (`training.learning_rate` → `0.1`, booleans as
    /// `true`/`false`, absent optionals as `null`).
    static func flatten(_ config: TrainConfig) throws -> [String: String] {
        var result: [String: String] = [:]
        func walk(_ value: JSONValue, _ key: String) {
            switch value {
            case let .object(members): for (k, v) in members { walk(v, key.isEmpty ? k : key + "." + k) }
            case let .array(items): for (i, v) in items.enumerated() { walk(v, "\(key)[\(i)]") }
            case let .leaf(text): result[key] = text
            }
        }
        walk(try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(config)), "")
        return result
    }

    /// A JSON document with its leaves as they print: decoding tries a boolean before a number, so
    /// `true` stays `true` (JSONSerialization's NSNumber prints it as 1).
    enum JSONValue: Decodable {
        case object([String: JSONValue])
        case array([JSONValue])
        case leaf(String)

        init(from decoder: Decoder) throws {
            let single = try decoder.singleValueContainer()
            if single.decodeNil() { self = .leaf("null") }
            else if let b = try? single.decode(Bool.self) { self = .leaf(b ? "true" : "false") }
            else if let i = try? single.decode(Int.self) { self = .leaf("\(i)") }
            else if let d = try? single.decode(Double.self) { self = .leaf("\(d)") }
            else if let text = try? single.decode(String.self) { self = .leaf(text) }
            else if let items = try? single.decode([JSONValue].self) { self = .array(items) }
            else { self = .object(try single.decode([String: JSONValue].self)) }
        }
    }
}
