import Foundation

/// One JSON object of `tokenizer.json` with its path in the file, so that every value read from it
/// is type-checked and every problem names the file and the field (`model.vocab`,
/// `pre_tokenizer.pretokenizers[1].behavior`). Lists are counted against a bound before anything
/// is built from them.
struct TokenizerFields {
    let file: String
    /// The object's path from the top of the file ("" at the top).
    let path: String
    let object: [String: Any]

    /// The path of `key` inside this object.
    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// An error about `key` of this object (the object itself when nil).
    func error(_ key: String?, _ problem: String) -> TransformerError {
        .tokenizer(file: file, field: key.map(field) ?? (path.isEmpty ? "(top level)" : path), problem: problem)
    }

    /// The value of `key`, nil when absent or null.
    func value(_ key: String) -> Any? {
        guard let v = object[key], !(v is NSNull) else { return nil }
        return v
    }

    func string(_ key: String) throws -> String {
        guard let v = value(key) else { throw error(key, "missing, expected a string") }
        guard let s = v as? String else { throw error(key, "expected a string, found \(Self.describe(v))") }
        return s
    }

    func optionalString(_ key: String) throws -> String? {
        guard value(key) != nil else { return nil }
        return try string(key)
    }

    func bool(_ key: String, default fallback: Bool) throws -> Bool {
        guard let v = value(key) else { return fallback }
        guard Self.isBoolean(v), let b = v as? Bool else {
            throw error(key, "expected true or false, found \(Self.describe(v))")
        }
        return b
    }

    /// An optional boolean (null and absent are nil).
    func optionalBool(_ key: String) throws -> Bool? {
        guard value(key) != nil else { return nil }
        return try bool(key, default: false)
    }

    /// A whole number in `range`.
    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int {
        guard let v = value(key) else { throw error(key, "missing, expected a whole number in \(range.lowerBound)...\(range.upperBound)") }
        return try Self.int(v, in: range) { self.error(key, $0) }
    }

    func optionalInt(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard value(key) != nil else { return nil }
        return try int(key, in: range)
    }

    /// A finite number.
    func double(_ key: String) throws -> Double {
        guard let v = value(key) else { throw error(key, "missing, expected a number") }
        guard !Self.isBoolean(v), let d = (v as? NSNumber)?.doubleValue, d.isFinite else {
            throw error(key, "expected a finite number, found \(Self.describe(v))")
        }
        return d
    }

    /// The object under `key`, nil when absent or null.
    func optionalObject(_ key: String) throws -> TokenizerFields? {
        guard let v = value(key) else { return nil }
        guard let o = v as? [String: Any] else { throw error(key, "expected a JSON object, found \(Self.describe(v))") }
        return TokenizerFields(file: file, path: field(key), object: o)
    }

    func object(_ key: String) throws -> TokenizerFields {
        guard let o = try optionalObject(key) else { throw error(key, "missing, expected a JSON object") }
        return o
    }

    /// The array under `key`, at most `maxCount` long (checked before it is used).
    func array(_ key: String, maxCount: Int) throws -> [Any] {
        guard let v = value(key) else { throw error(key, "missing, expected a list") }
        guard let a = v as? [Any] else { throw error(key, "expected a list, found \(Self.describe(v))") }
        guard a.count <= maxCount else { throw error(key, "\(a.count) entries, at most \(maxCount) are read") }
        return a
    }

    /// The objects of the array under `key`, each with its indexed path.
    func objects(_ key: String, maxCount: Int) throws -> [TokenizerFields] {
        try array(key, maxCount: maxCount).enumerated().map { i, v in
            guard let o = v as? [String: Any] else { throw error("\(key)[\(i)]", "expected a JSON object, found \(Self.describe(v))") }
            return TokenizerFields(file: file, path: field("\(key)[\(i)]"), object: o)
        }
    }

    /// The component's `type`, which must be one of `known`; anything else is refused naming it.
    func type(_ known: [String]) throws -> String {
        let t = try string("type")
        guard known.contains(t) else {
            throw error("type", "\"\(t)\" is not supported; this build reads \(known.joined(separator: ", "))")
        }
        return t
    }

    /// Refuses a key whose value is set and differs from what this build implements.
    func require(_ key: String, absentOr expected: Any?, _ why: String) throws {
        guard let v = value(key) else { return }
        if let e = expected as? Bool, let b = v as? Bool, b == e { return }
        if let e = expected as? String, let s = v as? String, s == e { return }
        if let e = expected as? Double, let n = (v as? NSNumber)?.doubleValue, n == e { return }
        throw error(key, "\(Self.describe(v)) is not supported: \(why)")
    }

    /// A whole number in `range` from a JSON value.
    static func int(_ v: Any, in range: ClosedRange<Int>, _ fail: (String) -> TransformerError) throws -> Int {
        guard !isBoolean(v), let d = (v as? NSNumber)?.doubleValue, d.rounded() == d,
              d >= Double(range.lowerBound), d <= Double(range.upperBound) else {
            throw fail("expected a whole number in \(range.lowerBound)...\(range.upperBound), found \(describe(v))")
        }
        return Int(d)
    }

    /// JSON true and false (Foundation reads them as a boolean NSNumber, which `as? Bool` cannot
    /// tell from the numbers 0 and 1).
    static func isBoolean(_ v: Any) -> Bool { String(describing: Swift.type(of: v)).contains("Bool") }

    /// A short rendering of a JSON value for messages.
    static func describe(_ v: Any) -> String {
        if v is NSNull { return "null" }
        if let s = v as? String { return "\"\(s.count > 40 ? String(s.prefix(40)) + "…" : s)\"" }
        if v is [Any] { return "a list" }
        if v is [String: Any] { return "an object" }
        return "\(v)"
    }
}
