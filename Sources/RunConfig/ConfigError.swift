/// Everything that can be wrong with a run configuration, found before any rank starts work.
///
/// Every case names the config file (`file`, as shown to the user: relative to the working directory
/// when it lies below it), the dotted key path (`training.batch_size`, `corpora.conll03.columns[1]`),
/// what was found, what is allowed, and a fix.
public enum ConfigError: Error, CustomStringConvertible, Equatable {
    /// The config file could not be read from disk.
    case unreadableFile(file: String, reason: String)
    /// The file (or a `--set` value) is not valid YAML, or its top level is not a mapping.
    case invalidYAML(file: String, reason: String)
    /// A key the schema does not know; `allowed` lists the keys valid at that level.
    case unknownKey(file: String, keyPath: String, allowed: [String])
    /// A value of the wrong YAML type (`found` is the value as written, or "a list" / "a mapping").
    case wrongType(file: String, keyPath: String, expected: String, found: String)
    /// A required key is absent; `expected` says what it must hold.
    case missingKey(file: String, keyPath: String, expected: String)
    /// A value of the right type that is not allowed (out of range, unknown enum case, dangling name).
    case invalidValue(file: String, keyPath: String, found: String, allowed: String, hint: String)
    /// A data file named by the config is not a readable file on disk; `path` is the resolved path.
    case missingFile(file: String, keyPath: String, path: String, found: String, hint: String)
    /// A `--set` argument that is not of the form `dotted.key=value` or whose value is not YAML.
    case invalidOverride(file: String, override: String, reason: String, hint: String)
    /// A `--set` argument whose key path does not exist in the schema.
    case unknownOverrideKey(file: String, override: String, keyPath: String, allowed: [String])
    /// A file the build should carry in its resource bundle (the embedded default corpus) is absent.
    case missingResource(name: String, fix: String)

    /// The dotted key path the error is about, or `nil` for errors about the whole file or a `--set` syntax.
    public var keyPath: String? {
        switch self {
        case .unreadableFile, .invalidYAML, .invalidOverride, .missingResource: return nil
        case let .unknownKey(_, path, _), let .wrongType(_, path, _, _), let .missingKey(_, path, _), let .invalidValue(_, path, _, _, _),
             let .missingFile(_, path, _, _, _), let .unknownOverrideKey(_, _, path, _): return path
        }
    }

    /// One paragraph: where, what was found, what is allowed, and how to fix it.
    public var description: String {
        switch self {
        case let .unreadableFile(file, reason):
            return "cannot read config file \(file): \(reason). Fix: check the --config path and its permissions."
        case let .invalidYAML(file, reason):
            return "\(file) is not a valid config: \(reason). Fix: correct the YAML syntax at the position shown."
        case let .unknownKey(file, keyPath, allowed):
            return "unknown key \(keyPath) in \(file)" + ConfigError.suggestionAndAllowed(keyPath, allowed)
                + " Fix: rename or remove it."
        case let .wrongType(file, keyPath, expected, found):
            return "wrong type for \(keyPath) in \(file): found \(found), expected \(expected). "
                + "Fix: write \(keyPath) as \(expected)."
        case let .missingKey(file, keyPath, expected):
            return "missing key \(keyPath) in \(file): expected \(expected). Fix: add it."
        case let .invalidValue(file, keyPath, found, allowed, hint):
            return "invalid value for \(keyPath) in \(file): found \(found), allowed: \(allowed). Fix: \(hint)"
        case let .missingFile(file, keyPath, path, found, hint):
            return "\(keyPath) in \(file) names \(path), but \(found) is there. Fix: \(hint)"
        case let .invalidOverride(file, override, reason, hint):
            return "invalid --set '\(override)' (config \(file)): \(reason). Fix: \(hint)"
        case let .unknownOverrideKey(file, override, keyPath, allowed):
            return "unknown key \(keyPath) in --set '\(override)' (config \(file))"
                + ConfigError.suggestionAndAllowed(keyPath, allowed) + " Fix: correct the key path."
        case let .missingResource(name, fix):
            return "\(name) is missing from the build's resource bundle. Fix: \(fix)"
        }
    }

    /// `"; did you mean X? Allowed keys under P: a, b, c."` for the last component of `keyPath`.
    private static func suggestionAndAllowed(_ keyPath: String, _ allowed: [String]) -> String {
        let parts = keyPath.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        let guess = ConfigSpelling.closestMatch(to: parts.last ?? keyPath, among: allowed)
        let level = parts.count < 2 ? "at the top level" : "under \(parts.dropLast().joined(separator: "."))"
        return (guess.map { "; did you mean \($0)?" } ?? ".") + " Allowed keys \(level): \(allowed.joined(separator: ", "))."
    }
}
