import Foundation

/// The rules of one config mapping, checked after decoding with one call per rule. A broken rule
/// throws `ConfigError.invalidValue`: the file, the key path, the value, what is allowed, and a fix
/// (by default "set KEY to ALLOWED.").
struct ConfigRules<Key: CodingKey> {
    /// The config file name errors show.
    let file: String
    /// The mapping's key path: `["training"]`, `["corpora", "conll03"]`, `[]` at the top level.
    let path: [String]

    /// The rules of the mapping at `key` (and below it, of the entry `name`).
    func nested<Nested: CodingKey>(_ key: Key, _ name: String? = nil) -> ConfigRules<Nested> {
        ConfigRules<Nested>(file: file, path: path + [key.stringValue] + (name.map { [$0] } ?? []))
    }

    /// The dotted key path of `key`.
    func keyPath(_ key: Key) -> String { ConfigWalk.keyPath(path + [key.stringValue]) }

    /// Throws `invalidValue` for `key` unless `holds`.
    func check(_ holds: Bool, _ key: Key, found: @autoclosure () -> String, allowed: @autoclosure () -> String,
               hint: @autoclosure () -> String) throws {
        guard !holds else { return }
        throw ConfigError.invalidValue(file: file, keyPath: keyPath(key), found: found(), allowed: allowed(), hint: hint())
    }

    /// An integer, when set, of at least `minimum` and at most `maximum` (which `why` explains).
    func integer(_ key: Key, _ value: Int?, atLeast minimum: Int, atMost maximum: Int = .max, why: String = "",
                 hint: String? = nil) throws {
        let allowed = (minimum == 1 ? "an integer > 0" : "an integer >= \(minimum)") + (maximum < .max ? " and <= \(maximum)" : "")
        try check(value.map { $0 >= minimum && $0 <= maximum } ?? true, key, found: "\(value ?? 0)",
                  allowed: allowed + (why.isEmpty ? "" : ": " + why), hint: hint ?? "set \(keyPath(key)) to \(allowed).")
    }

    /// A finite number, when set, inside `bound`.
    func number(_ key: Key, _ value: Double?, _ bound: NumberBound, hint: String? = nil) throws {
        try check(value.map { $0.isFinite && bound.contains($0) } ?? true, key, found: "\(value ?? 0)",
                  allowed: bound.description, hint: hint ?? "set \(keyPath(key)) to \(bound.description).")
    }

    /// A size, when set, whose memory fits the machine: `bytes(n)` (increasing) is the least
    /// memory a value `n` makes the run allocate for `what`. Beyond the largest such value, the error
    /// names it and the memory the value would need.
    func size(_ key: Key, _ value: Int?, bytes: (Double) -> Double, for what: String) throws {
        guard let value, bytes(Double(value)) > ConfigRules.memory else { return }
        var (fits, tooLarge) = (0, value)
        while tooLarge - fits > 1 {
            let middle = fits + (tooLarge - fits) / 2
            if bytes(Double(middle)) <= ConfigRules.memory { fits = middle } else { tooLarge = middle }
        }
        try check(false, key, found: "\(value)", allowed: "at most \(fits) (what this machine's "
                  + "\(ConfigRules.gigabytes(ConfigRules.memory)) of memory holds)",
                  hint: "set \(keyPath(key)) to at most \(fits); \(value) needs at least \(ConfigRules.gigabytes(bytes(Double(value)))) for \(what).")
    }

    /// This machine's memory, which bounds every size.
    static var memory: Double { Double(ProcessInfo.processInfo.physicalMemory) }

    /// `bytes` in GiB, as messages show it.
    static func gigabytes(_ bytes: Double) -> String { String(format: "%.3g GiB", bytes / 1_073_741_824) }

    /// A path, when set, that is not empty.
    func path(_ key: Key, _ value: String?, allowed: String, hint: String) throws {
        try check(value?.isEmpty != true, key, found: "an empty path", allowed: allowed, hint: hint)
    }
}

/// The ranges config numbers are checked against: `probability` for dropout and momentum, `openUnit`
/// for anneal factors.
enum NumberBound: String, CustomStringConvertible {
    case positive = "a number > 0", nonNegative = "a number >= 0", probability = "a number in [0, 1)"
    case openUnit = "a number in (0, 1)"

    var description: String { rawValue }

    func contains(_ x: Double) -> Bool {
        switch self {
        case .positive: return x > 0
        case .nonNegative: return x >= 0
        case .probability: return x >= 0 && x < 1
        case .openUnit: return x > 0 && x < 1
        }
    }
}

/// A string that is none of a string enum's cases; `TrainConfig.translate` makes it a `ConfigError`.
struct UnknownChoice: Error {
    let found: String
    let allowed: [String]
}

extension KeyedDecodingContainer {
    /// Decodes a string enum (`HeadKind`, `TagScheme`, …). The synthesised `Decodable` of every type in
    /// this module picks this overload, so a string outside the cases throws `dataCorrupted` whose
    /// underlying `UnknownChoice` lists the allowed values.
    func decode<T: Decodable & CaseIterable & RawRepresentable<String>>(_ type: T.Type, forKey key: Key) throws -> T {
        let raw = try decode(String.self, forKey: key)
        guard let value = T(rawValue: raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath + [key], debugDescription: "unknown value \(raw)",
                                                    underlyingError: UnknownChoice(found: raw, allowed: T.allCases.map(\.rawValue))))
        }
        return value
    }

    /// The same for an optional key (absent or `null` is nil).
    func decodeIfPresent<T: Decodable & CaseIterable & RawRepresentable<String>>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decode(type, forKey: key)
    }
}
