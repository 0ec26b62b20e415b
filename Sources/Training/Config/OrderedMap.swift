/// A mapping from unique names to values that keeps the order the names were written in (the order of
/// `corpora:` and `tasks:` in a config file, which fixes task ids, head order and log order).
///
/// Encodes as a mapping in that order; decodes a mapping in file order through Yams (whose containers
/// list keys in file order; Foundation's JSON decoder does not promise an order).
public struct OrderedMap<Value> {
    /// The names, in order.
    public private(set) var names: [String] = []
    private var storage: [String: Value] = [:]

    /// An empty map.
    public init() {}

    /// A map holding `entries` in order; the names must be unique.
    public init(_ entries: [(name: String, value: Value)]) {
        for (name, value) in entries {
            precondition(storage[name] == nil, "OrderedMap: duplicate name \(name)")
            self[name] = value
        }
    }

    /// The value for `name`. Assigning a new name appends it; assigning `nil` removes the entry.
    public subscript(name: String) -> Value? {
        get { storage[name] }
        set {
            if let newValue {
                if storage.updateValue(newValue, forKey: name) == nil { names.append(name) }
            } else if storage.removeValue(forKey: name) != nil {
                names.removeAll { $0 == name }
            }
        }
    }

    /// Number of entries.
    public var count: Int { names.count }

    /// Whether the map has no entries.
    public var isEmpty: Bool { names.isEmpty }

    /// The values, in name order.
    public var values: [Value] { names.compactMap { storage[$0] } }

    /// The same names, in the same order, with transformed values.
    public func mapValues<T>(_ transform: (Value) throws -> T) rethrows -> OrderedMap<T> {
        var result = OrderedMap<T>()
        for (name, value) in self { result[name] = try transform(value) }
        return result
    }
}

extension OrderedMap: Sequence {
    /// Iterates `(name, value)` pairs in order.
    public func makeIterator() -> AnyIterator<(name: String, value: Value)> {
        var index = 0
        return AnyIterator {
            while index < names.count {
                let name = names[index]
                index += 1
                if let value = storage[name] { return (name, value) }
            }
            return nil
        }
    }
}

extension OrderedMap: Equatable where Value: Equatable {
    /// Equal when the names, their order and their values are equal.
    public static func == (lhs: OrderedMap, rhs: OrderedMap) -> Bool {
        lhs.names == rhs.names && lhs.storage == rhs.storage
    }
}

extension OrderedMap: Encodable where Value: Encodable {
    /// Encodes a mapping `name: value` in order.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        for (name, value) in self { try container.encode(value, forKey: AnyCodingKey(name)) }
    }
}

extension OrderedMap: Decodable where Value: Decodable {
    /// Decodes a mapping in the order its keys appear.
    public init(from decoder: Decoder) throws {
        try self.init(from: decoder) { try Value(from: $0) }
    }
}

extension OrderedMap {
    /// Decodes a mapping in key order, each value by `decodeValue` given the value's own decoder (whose
    /// coding path ends in the entry's name).
    init(from decoder: Decoder, decodeValue: (Decoder) throws -> Value) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init()
        for key in container.allKeys {
            self[key.stringValue] = try decodeValue(container.superDecoder(forKey: key))
        }
    }
}
