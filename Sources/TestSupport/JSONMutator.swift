import Autodiff
import Foundation

/// Seeded random damage to a JSON document, for fuzz tests of loaders: each call picks one value
/// anywhere in the tree and replaces a number by an extreme or nearby one, a value by one of
/// another type, deletes a key, or drops or repeats an array element.
public struct JSONMutator {
    private var rng: SplitMix64
    private let root: Any

    /// Mutations of the JSON document `data`, drawn from `seed`.
    public init(_ data: Data, seed: UInt64) throws {
        root = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        rng = SplitMix64(seed: seed)
    }

    /// One mutated copy of the document, and a description of the change.
    public mutating func next() throws -> (data: Data, change: String) {
        var paths: [[PathStep]] = []
        collect(root, [], into: &paths)
        let path = paths[pick(paths.count)]
        var change = ""
        let mutated = apply(root, path[...], change: &change)
        return (try JSONSerialization.data(withJSONObject: mutated, options: [.fragmentsAllowed]),
                path.map(\.text).joined() + ": " + change)
    }

    enum PathStep {
        case key(String), index(Int)
        var text: String {
            switch self {
            case .key(let k): return "." + k
            case .index(let i): return "[\(i)]"
            }
        }
    }

    private func collect(_ value: Any, _ path: [PathStep], into paths: inout [[PathStep]]) {
        paths.append(path)
        if let d = value as? [String: Any] {
            for k in d.keys.sorted() { collect(d[k]!, path + [.key(k)], into: &paths) }
        } else if let a = value as? [Any] {
            // long arrays (vocabularies, data) are sampled, not walked whole
            for i in Set([0, 1, a.count / 2, a.count - 2, a.count - 1]) where i >= 0 && i < a.count {
                collect(a[i], path + [.index(i)], into: &paths)
            }
        }
    }

    private mutating func pick(_ n: Int) -> Int { Int(rng.next() % UInt64(max(n, 1))) }

    private mutating func apply(_ value: Any, _ path: ArraySlice<PathStep>, change: inout String) -> Any {
        guard let step = path.first else { return replacement(for: value, change: &change) }
        let rest = path.dropFirst()
        switch step {
        case .key(let k):
            var d = value as! [String: Any]
            if rest.isEmpty && pick(5) == 0 {
                d[k] = nil
                change = "key deleted"
                return d
            }
            d[k] = apply(d[k]!, rest, change: &change)
            return d
        case .index(let i):
            var a = value as! [Any]
            if rest.isEmpty && pick(5) == 0 {
                if pick(2) == 0 { a.remove(at: i); change = "element removed" } else { a.insert(a[i], at: i); change = "element repeated" }
                return a
            }
            a[i] = apply(a[i], rest, change: &change)
            return a
        }
    }

    private mutating func replacement(for value: Any, change: inout String) -> Any {
        let others: [Any] = ["x", NSNull(), true, [Any](), [String: Any](), -1, 0]
        if let n = value as? NSNumber {
            let d = n.doubleValue
            let candidates: [Any] = [d + 1, d - 1, -d, 0, -1, d * 1000, 1 << 31, 1 << 40, Int.max, Int.min, 1e300, -1e300, 0.5]
            let chosen = pick(3) == 0 ? others[pick(others.count)] : candidates[pick(candidates.count)]
            change = "\(n) → \(chosen)"
            return chosen
        }
        let chosen = others[pick(others.count)]
        change = "\(type(of: value)) → \(chosen)"
        return chosen
    }
}
