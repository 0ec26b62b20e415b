import Foundation
import RegularFiles

/// A model folder's weights as transformers saves them: one `model.safetensors`, or the shards a
/// `model.safetensors.index.json` lists (`{"metadata": {...}, "weight_map": {tensor: shard file}}`).
/// Opening reads and checks every header (`SafeTensorsFile`) and, for a sharded checkpoint, that
/// the map and the shards agree: each mapped tensor is in its shard, and each shard holds only the
/// tensors mapped to it. A folder with both takes `model.safetensors`, as transformers does.
public final class SafeTensorsWeights: TensorSource {
    /// The single file, or the index of the shards.
    public let path: String
    public let entries: [String: SafeTensorsFile.Entry]
    /// The file each tensor is read from.
    private let files: [String: SafeTensorsFile]

    /// The largest index file read (16 MiB; a 7B model's is about 30 KB).
    public static let maxIndexBytes = 16 << 20
    /// The most shards accepted.
    public static let maxShards = 1024

    /// Opens the weights of `folder`.
    public init(folder: URL) throws {
        let single = folder.appendingPathComponent("model.safetensors")
        let index = folder.appendingPathComponent("model.safetensors.index.json")
        if RegularFile.exists(single.path) || !RegularFile.exists(index.path) {
            let file = try SafeTensorsFile(url: single)
            path = file.path
            entries = file.entries
            files = Dictionary(uniqueKeysWithValues: file.entries.keys.map { ($0, file) })
            return
        }
        path = index.path
        let map = try SafeTensorsWeights.weightMap(index)
        var shards: [String: SafeTensorsFile] = [:]
        for shard in Set(map.values).sorted() {
            shards[shard] = try SafeTensorsFile(url: folder.appendingPathComponent(shard))
        }
        var entries: [String: SafeTensorsFile.Entry] = [:], files: [String: SafeTensorsFile] = [:]
        for (tensor, shard) in map {
            guard let file = shards[shard], let entry = file.entries[tensor] else {
                throw TransformerError.config(file: index.path, key: "weight_map.\(tensor)",
                                              problem: "names shard \(shard), which does not hold it; the index and the shards come from different saves")
            }
            entries[tensor] = entry
            files[tensor] = file
        }
        for (shard, file) in shards.sorted(by: { $0.key < $1.key }) {
            for tensor in file.names where map[tensor] != shard {
                throw TransformerError.config(file: index.path, key: "weight_map",
                                              problem: "shard \(shard) holds '\(tensor)', which the map \(map[tensor].map { "sends to \($0)" } ?? "does not list"); the index and the shards come from different saves")
            }
        }
        self.entries = entries
        self.files = files
    }

    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let file = files[name] else {
            throw TransformerError.missingTensor(file: path, tensor: name, expectedShape: [destination.count])
        }
        try file.read(name, into: destination)
    }

    /// The `weight_map` of an index file: tensor name → shard file name (a plain file name in the
    /// folder ending in `.safetensors`), at most `maxShards` shards.
    static func weightMap(_ index: URL) throws -> [String: String] {
        let file = index.path
        let data: Data
        do { data = try RegularFile.read(file, limit: maxIndexBytes) } catch let problem as FileProblem {
            throw TransformerError.unreadable(file: file, reason: problem.reason)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TransformerError.config(file: file, key: "(top level)", problem: "expected a JSON object")
        }
        guard let raw = object["weight_map"] as? [String: Any], !raw.isEmpty else {
            throw TransformerError.config(file: file, key: "weight_map", problem: "expected an object of tensor name to shard file, found \(object["weight_map"] ?? "nothing")")
        }
        var map: [String: String] = [:]
        for (tensor, value) in raw {
            guard let shard = value as? String, shard.hasSuffix(".safetensors"), !shard.contains("/"), !shard.contains("\\"),
                  !shard.hasPrefix(".") else {
                throw TransformerError.config(file: file, key: "weight_map.\(tensor)",
                                              problem: "expected a file name in this folder ending in .safetensors, found \(value)")
            }
            map[tensor] = shard
        }
        let shardCount = Set(map.values).count
        guard shardCount <= maxShards else {
            throw TransformerError.config(file: file, key: "weight_map", problem: "\(shardCount) shards, at most \(maxShards) are read")
        }
        return map
    }
}
