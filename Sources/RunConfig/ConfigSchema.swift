import Yams

/// One mapping of a config file: a section (`training:`), a corpus or a task. Each stored property is
/// one key: its default is the property's initial value, its YAML name its `CodingKeys` case, its range
/// a line of `validate`. Swift synthesises `Codable`; `ConfigWalk` prepares the tree it decodes.
protocol ConfigSection: Codable {
    associatedtype CodingKeys: CodingKey & CaseIterable & Hashable
    /// What a mapping without keys decodes to (keys in `required` hold placeholders there).
    static var defaults: Self { get }
    /// Keys a file must write, with what they hold.
    static var required: [CodingKeys: String] { get }
    /// What each key means (every key has one; the config reference prints it).
    static var meanings: [CodingKeys: String] { get }
    /// Keys that hold mappings, with their schema (other keys hold values).
    static var children: [CodingKeys: ConfigSchema] { get }
    /// Defaults that depend on the `written` keys or on the only corpus's name.
    static func dependentDefaults(written: [String: Node], soleCorpus: String?) -> [String: Node]
    /// Throws the first value that breaks a rule.
    func validate(_ rules: ConfigRules<CodingKeys>) throws
}

extension ConfigSection {
    static var required: [CodingKeys: String] { [:] }
    static var children: [CodingKeys: ConfigSchema] { [:] }
    static func dependentDefaults(written: [String: Node], soleCorpus: String?) -> [String: Node] { [:] }
}

/// The shape of the config's key tree, which the schema walk and `--set` paths are checked against.
indirect enum ConfigSchema {
    /// A leaf: scalar or list.
    case value
    /// A mapping with the keys of a section type.
    case section(any ConfigSection.Type)
    /// A mapping from user-chosen names (corpora, tasks) to entries of one schema.
    case names(ConfigSchema)

    /// A section's keys in order, each with the schema below it; nil for the other cases.
    var fields: [(name: String, schema: ConfigSchema)]? {
        guard case .section(let type) = self else { return nil }
        func fields<S: ConfigSection>(_: S.Type) -> [(name: String, schema: ConfigSchema)] {
            S.CodingKeys.allCases.map { ($0.stringValue, S.children[$0] ?? .value) }
        }
        return fields(type)
    }
}

/// The schema walk over a YAML tree, before decoding. It rejects unknown keys (suggesting the closest),
/// a value where a mapping belongs and the reverse, absent required keys and `null` entries; and it
/// completes every section so that synthesised decoding finds each key: written values as written,
/// absent keys at their default (or `null`), a `null` or absent section as its defaults.
struct ConfigWalk {
    /// The config file name errors show.
    let file: String
    /// The name of the only corpus, when there is exactly one: a task's default corpus.
    let soleCorpus: String?
    /// Writing a config rather than reading one: absent keys are unset optional ones, written `null`, and
    /// numbers take Swift's shortest form (`0.1`, `1e-05`) rather than Yams's (`1e-1`), so
    /// `resolved-config.yaml` reads like the file the user wrote.
    var writing = false

    /// `node`, the value at `path`, checked against `schema` and completed.
    func prepare(_ node: Node?, _ schema: ConfigSchema, at path: [String]) throws -> Node? {
        switch schema {
        case .value:
            return node
        case .names(let entry):
            return .mapping(Node.Mapping(try pairs(of: node, at: path).map { name, value in
                if value.null != nil { throw wrongType(path + [name], expected: ConfigWalk.mapping, found: value) }
                return (Node(name), try prepare(value, entry, at: path + [name]) ?? value)
            }))
        case .section(let type):
            return try section(type, node, at: path)
        }
    }

    private func section<S: ConfigSection>(_: S.Type, _ node: Node?, at path: [String]) throws -> Node {
        let keys = S.CodingKeys.allCases.map(\.stringValue)
        let written = try pairs(of: node, at: path)
        if let unknown = written.first(where: { !keys.contains($0.0) }) {
            throw ConfigError.unknownKey(file: file, keyPath: ConfigWalk.keyPath(path + [unknown.0]), allowed: keys)
        }
        let values = S.dependentDefaults(written: Dictionary(written, uniquingKeysWith: { $1 }), soleCorpus: soleCorpus)
            .merging(written, uniquingKeysWith: { $1 })
        for key in S.CodingKeys.allCases where values[key.stringValue].map({ $0.null != nil }) ?? true {
            guard let expected = S.required[key] else { continue }
            throw ConfigError.missingKey(file: file, keyPath: ConfigWalk.keyPath(path + [key.stringValue]), expected: expected)
        }
        let defaults = writing ? [:] : try ConfigWalk.defaults(of: S.self)
        return .mapping(Node.Mapping(try S.CodingKeys.allCases.map { key in
            let name = key.stringValue
            if let child = S.children[key] { return (Node(name), try prepare(values[name], child, at: path + [name]) ?? .yamlNull) }
            if let value = values[name], let standard = defaults[name], value.scalar == nil, standard.scalar != nil {
                let type: Any.Type = [Tag(.int): Int.self, Tag(.float): Double.self, Tag(.bool): Bool.self][standard.tag] ?? String.self
                throw wrongType(path + [name], expected: TrainConfig.typeName(type), found: value)
            }
            let value = values[name] ?? defaults[name] ?? .yamlNull
            guard writing, value.tag == Tag(.float), let number = value.float else { return (Node(name), value) }
            return (Node(name), Node("\(number)", Tag(.float)))
        }))
    }

    /// The pairs of the mapping at `path`, merge keys (`<<: *anchor`) resolved; absent or `null` has none.
    private func pairs(of node: Node?, at path: [String]) throws -> [(String, Node)] {
        guard let node, node.null == nil else { return [] }
        guard let mapping = node.mapping else { throw wrongType(path, expected: ConfigWalk.mapping, found: node) }
        var merged: [(String, Node)] = [], own: [(String, Node)] = []
        for (key, value) in mapping {
            guard key.tag == Tag(.merge) else { own.append((key.string ?? "\(key)", value)); continue }
            for source in value.sequence.map(Array.init) ?? [value] { merged += try pairs(of: source, at: path) }
        }
        return merged + own
    }

    private func wrongType(_ path: [String], expected: String, found: Node) -> ConfigError {
        .wrongType(file: file, keyPath: ConfigWalk.keyPath(path), expected: expected, found: TrainConfig.describe(found))
    }

    private static let mapping = "a mapping (key: value lines)"

    /// A dotted key path as users write it: `corpora.conll03.columns[1]`.
    static func keyPath(_ components: [String]) -> String {
        components.dropFirst().reduce(components.first ?? "(top level)") { $1.hasPrefix("[") ? $0 + $1 : $0 + "." + $1 }
    }

    /// `S.defaults` as the mapping a file would hold.
    private static func defaults<S: ConfigSection>(of _: S.Type) throws -> [String: Node] {
        let pairs = try Yams.compose(yaml: YAMLEncoder().encode(S.defaults))?.mapping ?? [:]
        return Dictionary(pairs.map { ($0.key.string ?? "", $0.value) }, uniquingKeysWith: { $1 })
    }
}

extension Node {
    /// The YAML `null`.
    static let yamlNull = Node("null", Tag(.null), .plain)
}
