import Foundation

extension DecodingError {
    /// The field, what was found and what was expected, as `fieldPath`, `found` and `expected`
    /// say, except for a number the decoder cannot convert (1e30 or 7.5 where an integer is
    /// wanted): JSONDecoder reports those as "not valid JSON" with no path, so each number of
    /// `data` that is not an integer within Int's range is replaced in turn by a string, and the
    /// one whose replacement the schema `T` rejects at that very path is the field.
    public func located<T: Decodable>(in data: Data, as: T.Type) -> (field: String, found: String, expected: String) {
        guard case .dataCorrupted(let context) = self, context.codingPath.isEmpty, data.count <= 64 << 20,
              let object = try? JSONSerialization.jsonObject(with: data) else {
            return (fieldPath, found, expected)
        }
        var candidates: [(path: [JSONPathPart], number: NSNumber)] = []
        collectNonIntegers(object, [], into: &candidates)
        for candidate in candidates.prefix(64) {
            guard let changed = JSONPathPart.replacing(object, at: candidate.path[...], with: "(probe)"),
                  let probe = try? JSONSerialization.data(withJSONObject: changed) else { continue }
            do {
                _ = try JSONDecoder().decode(T.self, from: probe)
            } catch let DecodingError.typeMismatch(type, c) where JSONPathPart.text(c.codingPath) == JSONPathPart.text(candidate.path) && type is any BinaryInteger.Type {
                // only a field that wants an integer: a Double field rejects the probe string too
                return (JSONPathPart.text(candidate.path), "\(candidate.number)",
                        "a value of type \(type) (an integer within ±\(Int.max))")
            } catch {}
        }
        return (fieldPath, found, expected)
    }
}

/// One step of a path into a JSON document: an object key or an array index.
enum JSONPathPart {
    case key(String)
    case index(Int)

    /// The path as `shards[1].size`.
    static func text(_ path: [JSONPathPart]) -> String {
        path.reduce("") { text, part in
            switch part {
            case .index(let i): return text + "[\(i)]"
            case .key(let k): return text.isEmpty ? k : text + "." + k
            }
        }
    }

    /// The path of a decoder's coding path, as `text` writes it.
    static func text(_ path: [CodingKey]) -> String {
        text(path.map { $0.intValue.map(JSONPathPart.index) ?? .key($0.stringValue) })
    }

    /// `object` with the value at `path` replaced by `value`; nil when the path is not there.
    static func replacing(_ object: Any, at path: ArraySlice<JSONPathPart>, with value: Any) -> Any? {
        guard let first = path.first else { return value }
        switch first {
        case .key(let k):
            guard var d = object as? [String: Any], let inner = d[k],
                  let changed = replacing(inner, at: path.dropFirst(), with: value) else { return nil }
            d[k] = changed
            return d
        case .index(let i):
            guard var a = object as? [Any], a.indices.contains(i),
                  let changed = replacing(a[i], at: path.dropFirst(), with: value) else { return nil }
            a[i] = changed
            return a
        }
    }
}

/// The numbers of `object` (in key order) that are not integers within Int64's range.
private func collectNonIntegers(_ object: Any, _ path: [JSONPathPart], into out: inout [(path: [JSONPathPart], number: NSNumber)]) {
    guard out.count < 64 else { return }
    if let d = object as? [String: Any] {
        for k in d.keys.sorted() { collectNonIntegers(d[k]!, path + [.key(k)], into: &out) }
    } else if let a = object as? [Any] {
        for (i, v) in a.enumerated() { collectNonIntegers(v, path + [.index(i)], into: &out) }
    } else if let n = object as? NSNumber, !(object is String) {
        let d = n.doubleValue
        if !(d.isFinite && d == d.rounded() && abs(d) < 9.2e18) { out.append((path, n)) }
    }
}
