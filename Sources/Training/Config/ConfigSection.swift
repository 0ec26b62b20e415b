import Foundation
import Yams

/// A coding key with any name: reads mappings whose keys are data (corpus and task names) or unknown.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int?

    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) {
        stringValue = "\(intValue)"
        self.intValue = intValue
    }
}

extension CodingUserInfoKey {
    /// The decoder's userInfo entry holding the config file name that errors show.
    static let configFile = CodingUserInfoKey(rawValue: "mtl-dist.config-file")!
}

extension Decoder {
    /// The config file name that errors show (set by `TrainConfig.decode(from:file:)`).
    var configFile: String { userInfo[.configFile] as? String ?? "<config>" }
}

/// Formats coding paths as the dotted key paths users write: `corpora.conll03.columns[1]`.
enum ConfigKeyPath {
    static func string(_ path: [CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : "." + key.stringValue
            }
        }
        return text.isEmpty ? "(top level)" : text
    }
}

/// Names a Swift type the way an error message should: `Int` → "an integer".
enum ConfigTypeName {
    static func of(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type: return "an integer"
        case is Double.Type: return "a number"
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        case is [String].Type: return "a list of strings"
        case is Node.Mapping.Type: return "a mapping (key: value lines)"
        case is Node.Sequence.Type: return "a list"
        case is Node.Scalar.Type: return "a single value (not a list or mapping)"
        default: return "a value of type \(type)"
        }
    }
}

/// Reads one YAML mapping of the config: rejects keys outside `Key.allCases` (through a dynamic-key
/// container), applies defaults for absent keys, and reports bad values with file and key path.
///
/// Absent keys take their default; an explicit `null` is `nil` for optional keys and a type error for
/// the others; values of the wrong YAML type surface as `DecodingError.typeMismatch`, which
/// `TrainConfig.decode(from:file:)` turns into `ConfigError.wrongType`.
struct ConfigSection<Key: CodingKey & CaseIterable> {
    let file: String
    let path: [CodingKey]
    let container: KeyedDecodingContainer<Key>

    init(_ decoder: Decoder, keys: Key.Type = Key.self) throws {
        file = decoder.configFile
        path = decoder.codingPath
        let present = try decoder.container(keyedBy: AnyCodingKey.self)
        let allowed = Key.allCases.map(\.stringValue)
        for key in present.allKeys where !allowed.contains(key.stringValue) {
            throw ConfigError.unknownKey(file: file, keyPath: ConfigKeyPath.string(path + [key]), allowed: allowed)
        }
        container = try decoder.container(keyedBy: Key.self)
    }

    /// The dotted key path of `key` in this section.
    func keyPath(_ key: Key) -> String { ConfigKeyPath.string(path + [key]) }

    /// The value at `key`, or `defaultValue` when the key is absent; `null` is a type error.
    func value<T: Decodable>(_ key: Key, default defaultValue: T) throws -> T {
        guard container.contains(key) else { return defaultValue }
        if try container.decodeNil(forKey: key) {
            throw ConfigError.wrongType(file: file, keyPath: keyPath(key), expected: ConfigTypeName.of(T.self),
                                        found: "null (no value)")
        }
        return try decode(key)
    }

    /// The value at `key`, `nil` for an explicit `null`, or `defaultValue` when the key is absent.
    func optional<T: Decodable>(_ key: Key, default defaultValue: T?) throws -> T? {
        guard container.contains(key) else { return defaultValue }
        if try container.decodeNil(forKey: key) { return nil }
        return try decode(key)
    }

    /// The value at `key`; absent or `null` is `ConfigError.missingKey` saying what was `expected`.
    func required<T: Decodable>(_ key: Key, expected: String) throws -> T {
        guard container.contains(key), try !container.decodeNil(forKey: key) else {
            throw ConfigError.missingKey(file: file, keyPath: keyPath(key), expected: expected)
        }
        return try decode(key)
    }

    /// Decodes `T` at `key`. A type mismatch at the key itself is reported against `T` (Yams reports a
    /// list where an integer belongs as "expected a scalar"); mismatches deeper inside pass through.
    private func decode<T: Decodable>(_ key: Key) throws -> T {
        do {
            return try container.decode(T.self, forKey: key)
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.count == path.count + 1 {
            throw DecodingError.typeMismatch(T.self, context)
        }
    }

    /// A string-valued enum at `key` (or `defaultValue` when absent); unknown strings list the allowed values.
    func choice<E: RawRepresentable & CaseIterable>(_ key: Key, default defaultValue: E) throws -> E
    where E.RawValue == String {
        let raw: String = try value(key, default: defaultValue.rawValue)
        if let parsed = E(rawValue: raw) { return parsed }
        let names = E.allCases.map(\.rawValue)
        throw invalid(key, found: raw, allowed: names.joined(separator: " | "),
                      hint: ConfigSpelling.hint(for: raw, among: names,
                                                otherwise: "set \(keyPath(key)) to one of \(names.joined(separator: ", "))."))
    }

    /// A nested section at `key`, decoded by `decode`; absent or `null` gives `defaultValue`.
    func section<T>(_ key: Key, default defaultValue: T, _ decode: (Decoder) throws -> T) throws -> T {
        guard container.contains(key), try !container.decodeNil(forKey: key) else { return defaultValue }
        return try decode(container.superDecoder(forKey: key))
    }

    /// An `invalidValue` error for `key`.
    func invalid(_ key: Key, found: String, allowed: String, hint: String) -> ConfigError {
        .invalidValue(file: file, keyPath: keyPath(key), found: found, allowed: allowed, hint: hint)
    }

    /// Throws `invalidValue` for `key` unless `condition` holds.
    func check(_ condition: Bool, _ key: Key, found: @autoclosure () -> String, allowed: String,
               hint: @autoclosure () -> String) throws {
        if !condition { throw invalid(key, found: found(), allowed: allowed, hint: hint()) }
    }

    /// An integer at `key` (default when absent) that must be `>= minimum`.
    func integer(_ key: Key, default defaultValue: Int, atLeast minimum: Int, hint: String? = nil) throws -> Int {
        let parsed: Int = try value(key, default: defaultValue)
        try checkInteger(parsed, key, atLeast: minimum, hint: hint)
        return parsed
    }

    /// An optional integer at `key` (`null` = `nil`) that, when set, must be `>= minimum`.
    func optionalInteger(_ key: Key, default defaultValue: Int?, atLeast minimum: Int, hint: String? = nil) throws
        -> Int? {
        let parsed: Int? = try optional(key, default: defaultValue)
        if let parsed { try checkInteger(parsed, key, atLeast: minimum, hint: hint) }
        return parsed
    }

    /// A finite number at `key` (default when absent) inside `bound`.
    func number(_ key: Key, default defaultValue: Double, _ bound: NumberBound, hint: String? = nil) throws -> Double {
        let parsed: Double = try value(key, default: defaultValue)
        try checkNumber(parsed, key, bound, hint: hint)
        return parsed
    }

    /// An optional finite number at `key` (`null` = `nil`) that, when set, lies inside `bound`.
    func optionalNumber(_ key: Key, default defaultValue: Double?, _ bound: NumberBound, hint: String? = nil) throws
        -> Double? {
        let parsed: Double? = try optional(key, default: defaultValue)
        if let parsed { try checkNumber(parsed, key, bound, hint: hint) }
        return parsed
    }

    private func checkInteger(_ parsed: Int, _ key: Key, atLeast minimum: Int, hint: String?) throws {
        let allowed = minimum == 1 ? "an integer > 0" : "an integer >= \(minimum)"
        try check(parsed >= minimum, key, found: "\(parsed)", allowed: allowed,
                  hint: hint ?? "set \(keyPath(key)) to \(allowed).")
    }

    private func checkNumber(_ parsed: Double, _ key: Key, _ bound: NumberBound, hint: String?) throws {
        try check(parsed.isFinite && bound.contains(parsed), key, found: "\(parsed)", allowed: bound.description,
                  hint: hint ?? "set \(keyPath(key)) to \(bound.description).")
    }
}

/// The ranges config numbers are checked against.
enum NumberBound: CustomStringConvertible {
    /// `x > 0`
    case positive
    /// `x >= 0`
    case nonNegative
    /// `0 <= x < 1` (dropout probabilities, momentum)
    case probability
    /// `0 < x < 1` (anneal factors)
    case openUnit

    func contains(_ x: Double) -> Bool {
        switch self {
        case .positive: return x > 0
        case .nonNegative: return x >= 0
        case .probability: return x >= 0 && x < 1
        case .openUnit: return x > 0 && x < 1
        }
    }

    var description: String {
        switch self {
        case .positive: return "a number > 0"
        case .nonNegative: return "a number >= 0"
        case .probability: return "a number in [0, 1)"
        case .openUnit: return "a number in (0, 1)"
        }
    }
}
