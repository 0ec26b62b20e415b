import Foundation
import Yams

/// One `--set dotted.key=value` argument, applied to the YAML node tree before decoding.
///
/// The key is a dotted path into nested mappings (`training.max_steps`, `corpora.conll03.dev`,
/// `tasks.chunk.label`); the value is parsed as YAML, so `null`, `30`, `0.1`, `true`, `[a, b]` and
/// `{word_dim: 50}` mean what they mean in a file (an empty value is `null`). A path into a corpus or task
/// that does not exist creates it; setting a whole corpus or task to `null` removes it; setting a section
/// (`encoder={word_dim: 50}`) replaces it. Every path component is checked against the schema, so a
/// misspelt key fails here, naming the argument.
struct ConfigOverride {
    /// The argument as given.
    let text: String
    /// The dotted key path, split.
    let path: [String]
    /// The parsed value.
    let value: Node

    /// Parses `key=value`; `file` is the config file name errors show.
    init(parsing text: String, file: String) throws {
        self.text = text
        guard let equals = text.firstIndex(of: "=") else {
            throw ConfigError.invalidOverride(file: file, override: text, reason: "no `=` found",
                                              hint: "write --set dotted.key=value, e.g. --set training.max_steps=30.")
        }
        let key = text[..<equals].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else {
            throw ConfigError.invalidOverride(file: file, override: text, reason: "the key before `=` is empty",
                                              hint: "write --set dotted.key=value, e.g. --set training.max_steps=30.")
        }
        path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if path.contains(where: \.isEmpty) {
            throw ConfigError.invalidOverride(file: file, override: text, reason: "the key `\(key)` has an empty component",
                                              hint: "separate key names with single dots, e.g. training.learning_rate.")
        }
        let valueText = String(text[text.index(after: equals)...])
        do {
            value = try Yams.compose(yaml: valueText) ?? Node("null", Tag(.null), .plain)
        } catch {
            throw ConfigError.invalidOverride(file: file, override: text, reason: "the value is not valid YAML: \(error)",
                                              hint: "quote the value, e.g. --set 'corpora.x.train=\"a: b.txt\"'.")
        }
    }

    /// Checks the path against `schema` and writes the value into `root`, creating mappings on the way.
    func apply(to root: inout Node, schema: ConfigSchema = TrainConfig.schema, file: String) throws {
        var level = schema
        var removesEntry = false
        for (depth, component) in path.enumerated() {
            let prefix = path[...depth].joined(separator: ".")
            switch level {
            case .value:
                throw ConfigError.invalidOverride(
                    file: file, override: text, reason: "\(path[..<depth].joined(separator: ".")) is a single value with no key \(component)",
                    hint: "set \(path[..<depth].joined(separator: ".")) itself.")
            case .fields(let fields):
                guard let child = fields.first(where: { $0.name == component }) else {
                    throw ConfigError.unknownOverrideKey(file: file, override: text, keyPath: prefix,
                                                         allowed: fields.map(\.name))
                }
                level = child.schema
            case .names(let entry):
                removesEntry = depth == path.count - 1 && value.null != nil
                level = entry
            }
        }
        root = try setting(in: root, at: path[...], removing: removesEntry, file: file)
    }

    /// `node` with `value` written at the non-empty `path` (or the entry removed), mappings created where
    /// absent or null.
    private func setting(in node: Node?, at path: ArraySlice<String>, removing: Bool, file: String) throws -> Node {
        guard let key = path.first else { return value }
        var mapping: Node.Mapping
        if let existing = node?.mapping {
            mapping = existing
        } else if node == nil || node?.null != nil {
            mapping = Node.Mapping([])
        } else {
            let parent = self.path[..<(self.path.count - path.count)].joined(separator: ".")
            throw ConfigError.invalidOverride(
                file: file, override: text,
                reason: "\(parent) is \(node.map(TrainConfig.describe) ?? "nothing") in the file, not a mapping",
                hint: "fix \(parent) in the file, or set it whole: --set \(parent)={\(key): ...}.")
        }
        if path.count == 1 {
            mapping[key] = removing ? nil : value
        } else {
            mapping[key] = try setting(in: mapping[key], at: path.dropFirst(), removing: removing, file: file)
        }
        return .mapping(mapping)
    }
}

/// The shape of the config's key tree, derived from the `CodingKeys` of each section, that `--set`
/// paths are checked against.
indirect enum ConfigSchema {
    /// A leaf: scalar or list, no keys below.
    case value
    /// A mapping with these keys, in schema order.
    case fields([(name: String, schema: ConfigSchema)])
    /// A mapping from user-chosen names (corpora, tasks) to entries of one schema.
    case names(ConfigSchema)

    /// A mapping whose keys are `Key.allCases`, all leaves.
    static func leaves<Key: CodingKey & CaseIterable>(_ keys: Key.Type) -> ConfigSchema {
        .fields(Key.allCases.map { ($0.stringValue, .value) })
    }
}

extension TrainConfig {
    /// The key tree of a config file.
    static var schema: ConfigSchema {
        .fields(CodingKeys.allCases.map { key in
            let child: ConfigSchema
            switch key {
            case .dataDir, .useAllTasks: child = .value
            case .corpora: child = .names(.leaves(CorpusConfig.CodingKeys.self))
            case .tasks: child = .names(.leaves(TaskConfig.CodingKeys.self))
            case .encoder: child = .leaves(EncoderConfig.CodingKeys.self)
            case .training: child = .leaves(TrainingConfig.CodingKeys.self)
            case .sampler: child = .leaves(SamplerConfig.CodingKeys.self)
            case .checkpoint: child = .leaves(CheckpointConfig.CodingKeys.self)
            }
            return (key.stringValue, child)
        })
    }
}
