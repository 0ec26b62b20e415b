/// A mapping from unique names to values that keeps the order the names were written in (the order of
/// `corpora:` and `tasks:` in a config file, which fixes task ids, head order and log order).
///
/// A collection of `(name, value)` pairs in that order; encodes as a mapping in that order and decodes
/// one in file order through Yams (whose containers list keys in file order).
public struct OrderedMap<Value>: RandomAccessCollection {
    /// The names, in order.
    public private(set) var names: [String] = []
    private var storage: [String: Value] = [:]

    /// An empty map.
    public init() {}

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

    /// Positions `0..<count`, in name order.
    public var startIndex: Int { 0 }
    public var endIndex: Int { names.count }

    /// The `position`-th entry.
    public subscript(position: Int) -> (name: String, value: Value) {
        guard let value = storage[names[position]] else { preconditionFailure("OrderedMap: \(names[position]) has no value") }
        return (names[position], value)
    }
}

extension OrderedMap: Equatable where Value: Equatable {}

extension OrderedMap: Encodable where Value: Encodable {
    /// Encodes a mapping `name: value` in order.
    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: AnyCodingKey.self)
        for (name, value) in self { try container.encode(value, forKey: AnyCodingKey(stringValue: name)) }
    }
}

extension OrderedMap: Decodable where Value: Decodable {
    /// Decodes a mapping in the order its keys appear.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        self.init()
        for key in container.allKeys { self[key.stringValue] = try container.decode(Value.self, forKey: key) }
    }
}

/// A coding key with any name: the keys of mappings whose keys are data (corpus and task names).
struct AnyCodingKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
