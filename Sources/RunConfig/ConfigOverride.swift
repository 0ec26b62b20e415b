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
        func invalid(_ reason: String, _ hint: String = "write --set dotted.key=value, e.g. --set training.max_steps=30.") -> ConfigError {
            .invalidOverride(file: file, override: text, reason: reason, hint: hint)
        }
        self.text = text
        guard let equals = text.firstIndex(of: "=") else { throw invalid("no `=` found") }
        let key = text[..<equals].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else { throw invalid("the key before `=` is empty") }
        path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if path.contains(where: \.isEmpty) {
            throw invalid("the key `\(key)` has an empty component", "separate key names with single dots, e.g. training.learning_rate.")
        }
        do {
            value = try Yams.compose(yaml: String(text[text.index(after: equals)...])) ?? .yamlNull
        } catch {
            throw invalid("the value is not valid YAML: \(error)", "quote the value, e.g. --set 'corpora.x.train=\"a: b.txt\"'.")
        }
    }

    /// Checks the path against `schema` and writes the value into `root`, creating mappings on the way.
    func apply(to root: inout Node, schema: ConfigSchema = TrainConfig.schema, file: String) throws {
        var level = schema
        var removesEntry = false
        for (depth, component) in path.enumerated() {
            switch level {
            case .value:
                let parent = path[..<depth].joined(separator: ".")
                throw ConfigError.invalidOverride(file: file, override: text, reason: "\(parent) is a single value with no key "
                                                  + component, hint: "set \(parent) itself.")
            case .section:
                let fields = level.fields ?? []
                guard let child = fields.first(where: { $0.name == component }) else {
                    throw ConfigError.unknownOverrideKey(file: file, override: text, keyPath: path[...depth].joined(separator: "."),
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
        guard var mapping = node?.mapping ?? (node?.null != nil || node == nil ? Node.Mapping([]) : nil) else {
            let parent = self.path[..<(self.path.count - path.count)].joined(separator: ".")
            throw ConfigError.invalidOverride(
                file: file, override: text, reason: "\(parent) is \(node.map(TrainConfig.describe) ?? "nothing") in the file, not a mapping",
                hint: "fix \(parent) in the file, or set it whole: --set \(parent)={\(key): ...}.")
        }
        mapping[key] = path.count == 1
            ? (removing ? nil : value) : try setting(in: mapping[key], at: path.dropFirst(), removing: removing, file: file)
        return .mapping(mapping)
    }
}
