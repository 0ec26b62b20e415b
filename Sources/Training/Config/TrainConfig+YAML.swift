import Foundation
import Yams

/// Reading and writing configs as YAML text or Yams node trees.
extension TrainConfig {
    /// Decodes and validates a config from YAML text (no files are checked on disk; `file` is the name
    /// errors show).
    public init(yaml: String, file: String = "<yaml>") throws {
        self = try TrainConfig.decode(from: TrainConfig.parseYAML(yaml, file: file), file: file)
    }

    /// The config as YAML: every key, in schema order, corpora and tasks in their order. Decoding the
    /// result gives back an equal config.
    public func yamlString() throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = false
        encoder.options.sequenceStyle = .flow
        return try encoder.encode(self)
    }

    /// Parses YAML text into a node tree whose top level is a mapping (an empty document is an empty mapping).
    static func parseYAML(_ text: String, file: String) throws -> Node {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ConfigError.invalidYAML(file: file, reason: "\(error)")
        }
        guard let root, root.null == nil else { return Node([(Node, Node)]()) }
        guard root.mapping != nil else {
            throw ConfigError.invalidYAML(file: file, reason: "the top level is \(describe(root)), not a mapping of keys")
        }
        return root
    }

    /// Decodes and validates a config from a node tree; `DecodingError`s become `ConfigError`s naming
    /// `file`, the key path and the value found.
    static func decode(from root: Node, file: String) throws -> TrainConfig {
        do {
            return try YAMLDecoder().decode(TrainConfig.self, from: root, userInfo: [.configFile: file])
        } catch let error as DecodingError {
            throw translate(error, root: root, file: file)
        }
    }

    /// A `DecodingError` from Yams, as a `ConfigError`.
    static func translate(_ error: DecodingError, root: Node, file: String) -> ConfigError {
        switch error {
        case let .typeMismatch(type, context):
            return .wrongType(file: file, keyPath: ConfigKeyPath.string(context.codingPath),
                              expected: ConfigTypeName.of(type), found: found(at: context.codingPath, in: root))
        case let .valueNotFound(type, context):
            return .wrongType(file: file, keyPath: ConfigKeyPath.string(context.codingPath),
                              expected: ConfigTypeName.of(type), found: "null (no value)")
        case let .keyNotFound(key, context):
            return .missingKey(file: file, keyPath: ConfigKeyPath.string(context.codingPath + [key]),
                               expected: "a value")
        case let .dataCorrupted(context):
            return .invalidYAML(file: file, reason: "\(ConfigKeyPath.string(context.codingPath)): \(context.debugDescription)")
        @unknown default:
            return .invalidYAML(file: file, reason: "\(error)")
        }
    }

    /// The value at `path` as the user wrote it: `'ten'`, `null (no value)`, `a list`, `a mapping`.
    static func found(at path: [CodingKey], in root: Node) -> String {
        var node: Node? = root
        for key in path {
            if let index = key.intValue, let items = node?.sequence {
                node = index < items.count ? items[index] : nil
            } else {
                node = node?.mapping?[key.stringValue]
            }
        }
        return node.map(describe) ?? "nothing"
    }

    /// A node as an error message shows it.
    static func describe(_ node: Node) -> String {
        if node.null != nil { return "null (no value)" }
        switch node {
        case .scalar(let scalar): return "'\(scalar.string)'"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }
}
