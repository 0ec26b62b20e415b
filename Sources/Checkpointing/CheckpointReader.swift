import Foundation

/// A checkpoint folder opened for reading: the manifest decoded and validated (nothing is read
/// from the shards yet). `read(floats:into:)` reads any float range of the state, from whichever
/// shards hold it, on any current world size: of each shard whose slice overlaps the range it
/// reads only the blocks the range touches, each checked against the shard's size (before
/// reading) and the block's CRC-32C (while reading). Nothing in the files is executed or trusted.
public struct CheckpointReader<Training: Codable> {
    public let directory: URL
    public let manifest: CheckpointManifest<Training>

    /// The manifest file of a checkpoint folder.
    public static func manifestURL(in directory: URL) -> URL { directory.appendingPathComponent("manifest.json") }

    /// Opens the checkpoint folder `directory`: reads `manifest.json` (refusing one larger than
    /// `LayoutLimits.maxJSONBytes`), decodes it and validates every field.
    public init(directory: URL) throws {
        let url = Self.manifestURL(in: directory)
        if let problem = DurableFile.problem(at: url) {
            throw CheckpointError.cannotRead(path: url.path, reason: problem == "no such file"
                ? "no manifest.json (expected a folder OUTPUT/checkpoints/step-N written by 'mtl-dist train')" : problem)
        }
        let data = try DurableFile.contents(of: url, limit: LayoutLimits.maxJSONBytes)
        // the version first: another version's fields would fail to decode with a less useful message
        if let header = try? JSONDecoder().decode(VersionHeader.self, from: data), let version = header.version,
           version != CheckpointManifest<Training>.formatVersion {
            throw CheckpointError.invalidManifest(path: url.path, field: "version", found: "\(version)",
                                                  expected: "\(CheckpointManifest<Training>.formatVersion) (the version this build reads; version 1 stored each shard as a slice of the concatenated state: resume it with the build that wrote it)")
        }
        do {
            manifest = try JSONDecoder().decode(CheckpointManifest<Training>.self, from: data)
        } catch let error as DecodingError {
            let (field, found, expected) = error.located(in: data, as: CheckpointManifest<Training>.self)
            throw CheckpointError.invalidManifest(path: url.path, field: field, found: found, expected: expected)
        } catch {
            throw CheckpointError.invalidManifest(path: url.path, field: "(document)", found: "\(error)", expected: "JSON")
        }
        try manifest.validate(file: url.path)
        try manifest.checkIntegrity(of: data, directory: directory, file: url.path)
        self.directory = directory
    }

    /// The `version` of a manifest of any version.
    private struct VersionHeader: Decodable { var version: Int? }

    /// The URL of shard `index`'s file (the name was checked to be a plain file name).
    public func shardURL(_ index: Int) -> URL { directory.appendingPathComponent(manifest.shards[index].file) }

    /// Copies floats `floats` of the state into `destination` (as many floats as the range holds).
    /// Reads, of every shard whose slice overlaps the range, each block the range touches whole, so
    /// its checksum is checked: a rank reading the optimizer state of its own slice reads its
    /// shard's buffers on the saving world size, and the shards overlapping its slice on another.
    /// Throws `CheckpointError` for a missing, resized or damaged shard (the destination is then
    /// partly written and must be discarded).
    public func read(floats: Range<Int>, into destination: UnsafeMutablePointer<Float>) throws {
        precondition(floats.lowerBound >= 0 && floats.upperBound <= manifest.stateFloats,
                     "read: floats \(floats) outside the state's \(manifest.stateFloats)")
        let p = manifest.parameterCount
        for block in 0..<manifest.blockCount {
            // the range's part in this block, as parameter indices
            let start = block * p
            let lo = max(floats.lowerBound, start) - start, hi = min(floats.upperBound, start + p) - start
            guard lo < hi else { continue }
            let out = destination + (start + lo - floats.lowerBound)
            for (i, shard) in manifest.shards.enumerated() where shard.parameters.overlaps(lo..<hi) {
                try check(i, block: block) { chunk, first in
                    // copy parameters [first, first + n) of the chunk that fall in [lo, hi)
                    let n = chunk.count / 4
                    let a = max(first, lo), b = min(first + n, hi)
                    if a < b {
                        UnsafeMutableRawPointer(out + (a - lo)).copyMemory(from: chunk.baseAddress! + 4 * (a - first), byteCount: 4 * (b - a))
                    }
                }
            }
        }
    }

    /// Checks every shard: present, of the recorded size, every block with its recorded checksum.
    /// Throws the first problem, naming the shard file and the block and slice that is wrong.
    public func verify() throws {
        for i in manifest.shards.indices {
            for block in 0..<manifest.blockCount { try check(i, block: block) { _, _ in } }
        }
    }

    /// Streams block `block` of shard `index` (the file's size checked first), passing each chunk
    /// and the parameter index of its first float to `body`, then compares the block's CRC.
    private func check(_ index: Int, block: Int, _ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        let shard = manifest.shards[index], url = shardURL(index)
        let slice = "parameters \(shard.parameters.lowerBound)..<\(shard.parameters.upperBound)"
        guard let size = DurableFile.size(of: url) else {
            throw CheckpointError.corruptShard(path: url.path, part: "rank \(shard.rank)'s shard, \(slice)", found: "no such file",
                                               expected: "a shard of \(shard.size) bytes")
        }
        guard size == shard.size else {
            throw CheckpointError.corruptShard(path: url.path, part: "rank \(shard.rank)'s shard, \(slice)", found: "\(size) bytes",
                                               expected: "\(shard.size) bytes")
        }
        let bytes = (4 * shard.parameterCount * block)..<(4 * shard.parameterCount * (block + 1))
        var crc = CRC32C()
        try DurableFile.forEachChunk(of: url, bytes: bytes) { chunk, at in
            crc.update(chunk)
            try body(chunk, shard.parameterOffset + (at - bytes.lowerBound) / 4)
        }
        let expected = CheckpointManifest<Training>.parseChecksum(shard.checksums[block])
        guard crc.value == expected else {
            throw CheckpointError.corruptShard(path: url.path, part: "bytes \(bytes.lowerBound)..<\(bytes.upperBound): \(manifest.blockName(block)), \(slice)",
                                               found: "checksum \(CRC32C.text(crc.value))", expected: shard.checksums[block])
        }
    }
}

extension DecodingError {
    /// The JSON key path of the problem, e.g. `shards[1].size`.
    public var fieldPath: String {
        let path: [CodingKey]
        switch self {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): path = c.codingPath
        case .keyNotFound(let key, let c): path = c.codingPath + [key]
        @unknown default: path = []
        }
        guard !path.isEmpty else { return "(document)" }
        return path.reduce("") { text, key in
            if let i = key.intValue { return text + "[\(i)]" }
            return text.isEmpty ? key.stringValue : text + "." + key.stringValue
        }
    }

    /// What was found there.
    public var found: String {
        switch self {
        case .keyNotFound: return "missing"
        case .valueNotFound: return "null"
        case .typeMismatch(_, let c): return "a value of another type (\(c.debugDescription))"
        case .dataCorrupted(let c): return "unreadable (\(c.debugDescription))"
        @unknown default: return "unreadable"
        }
    }

    /// What the decoder wanted.
    public var expected: String {
        switch self {
        case .typeMismatch(let type, _), .valueNotFound(let type, _): return "a value of type \(type)"
        case .keyNotFound: return "the key to be present"
        default: return "valid JSON of the manifest's schema"
        }
    }
}
