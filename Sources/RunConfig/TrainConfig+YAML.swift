import Foundation
import Transformer
import Yams

/// Reading and writing configs as YAML text or Yams node trees.
extension TrainConfig {
    /// Decodes and validates a config from YAML text (no files are checked; errors name `file`).
    public init(yaml: String, file: String = "<yaml>") throws {
        self = try TrainConfig.decode(from: TrainConfig.parseYAML(yaml, file: file), file: file)
    }

    /// The config as YAML: every key (`null` for unset optional ones), in schema order, corpora and tasks
    /// in their order, numbers in their shortest form. Decoding the result gives back an equal config.
    public func yamlString() throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.sequenceStyle = .flow
        let encoded = try Yams.compose(yaml: encoder.encode(self)) ?? [:]
        let tree = try ConfigWalk(file: "<written config>", soleCorpus: nil, writing: true).prepare(encoded, TrainConfig.schema, at: [])
        return try Yams.serialize(node: tree ?? encoded, sequenceStyle: .flow)
    }

    /// Parses YAML text into a node tree whose top level is a mapping (an empty document is an empty mapping).
    static func parseYAML(_ text: String, file: String) throws -> Node {
        let parsed = Result { try Yams.compose(yaml: text) }.mapError { ConfigError.invalidYAML(file: file, reason: "\($0)") }
        guard let root = try parsed.get(), root.null == nil else { return [:] }
        guard root.mapping != nil else {
            throw ConfigError.invalidYAML(file: file, reason: "the top level is \(describe(root)), not a mapping of keys")
        }
        return root
    }

    /// Decodes and validates a config from a node tree: the schema walk, synthesised decoding (whose
    /// `DecodingError`s become `ConfigError`s naming `file`, the key path and the value found), `validate`.
    static func decode(from root: Node, file: String) throws -> TrainConfig {
        let corpora = root.mapping?[CodingKeys.corpora.stringValue]?.mapping
        let walk = ConfigWalk(file: file, soleCorpus: corpora?.count == 1 ? corpora?.first?.key.string : nil)
        let tree = try walk.prepare(root, schema, at: []) ?? root
        let config = try Result { try YAMLDecoder().decode(TrainConfig.self, from: tree) }
            .mapError { ($0 as? DecodingError).map { translate($0, root: tree, file: file) } ?? $0 }.get()
        try config.validate(ConfigRules(file: file, path: []))
        return config
    }

    /// A `DecodingError` from Yams, as a `ConfigError`.
    static func translate(_ error: DecodingError, root: Node, file: String) -> ConfigError {
        func keyPath(_ path: [CodingKey]) -> String {
            ConfigWalk.keyPath(path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue })
        }
        switch error {
        case let .typeMismatch(type, context), let .valueNotFound(type, context):
            return .wrongType(file: file, keyPath: keyPath(context.codingPath), expected: typeName(type),
                              found: found(at: context.codingPath, in: root))
        case let .keyNotFound(key, context):
            return .missingKey(file: file, keyPath: keyPath(context.codingPath + [key]), expected: "a value")
        case let .dataCorrupted(context):
            guard let choice = context.underlyingError as? UnknownChoice else {
                return .invalidYAML(file: file, reason: "\(keyPath(context.codingPath)): \(context.debugDescription)")
            }
            let path = keyPath(context.codingPath), allowed = choice.allowed
            return .invalidValue(file: file, keyPath: path, found: choice.found, allowed: allowed.joined(separator: " | "),
                                 hint: ConfigSpelling.hint(for: choice.found, among: allowed,
                                                           otherwise: "set \(path) to one of \(allowed.joined(separator: ", "))."))
        @unknown default:
            return .invalidYAML(file: file, reason: "\(error)")
        }
    }

    /// A Swift type the way an error message names it: `Int` → "an integer".
    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        case is Node.Sequence.Type: return "a list"
        case is Node.Scalar.Type: return "a single value (not a list or mapping)"
        case is LayerSelection.Type: return "a list of layer indices such as [-1] or [-1, -2, -3, -4], or all"
        default: return "a value of type \(type)"
        }
    }

    /// The value at `path` as the user wrote it: `'ten'`, `null (no value)`, `a list`, `a mapping`.
    static func found(at path: [CodingKey], in root: Node) -> String {
        let node = path.reduce(root as Node?) { node, key in
            key.intValue.flatMap { index in node?.sequence.flatMap { index < $0.count ? $0[index] : nil } }
                ?? node?.mapping?[key.stringValue]
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
