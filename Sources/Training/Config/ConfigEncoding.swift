import Yams

/// A number that Yams writes in Swift's shortest round-trip form (`0.1`, `5.0`, `1e-05`) rather than
/// its own (`1e-1`, `5e+0`), so `resolved-config.yaml` reads like the file the user wrote. Other
/// encoders see a plain `Double`.
struct ConfigNumber: YAMLEncodable {
    let value: Double

    func box() -> Node { Node("\(value)", Tag(.float)) }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

extension KeyedEncodingContainer {
    /// Encodes `value`, or an explicit `null` when it is `nil` (a resolved config shows every key).
    mutating func encodeOrNull<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    /// Encodes a number in its shortest round-trip form (see `ConfigNumber`).
    mutating func encodeNumber(_ value: Double, forKey key: Key) throws {
        try encode(ConfigNumber(value: value), forKey: key)
    }

    /// Encodes a number in its shortest round-trip form, or `null` when it is `nil`.
    mutating func encodeNumberOrNull(_ value: Double?, forKey key: Key) throws {
        try encodeOrNull(value.map(ConfigNumber.init(value:)), forKey: key)
    }
}
