import Foundation

/// A checkpoint folder opened for reading: the manifest decoded and validated (nothing is read
/// from the shards yet). `read(floats:into:)` reads any float range of the state, from whichever
/// shards hold it, on any current world size; every shard it touches is checked against its size
/// (before reading) and its CRC-32C (while reading). Nothing in the files is executed or trusted.
public struct CheckpointReader<Training: Codable> {
    public let directory: URL
    public let manifest: CheckpointManifest<Training>

    /// The manifest file of a checkpoint folder.
    public static func manifestURL(in directory: URL) -> URL { directory.appendingPathComponent("manifest.json") }

    /// Opens the checkpoint folder `directory`: reads `manifest.json` (refusing one larger than
    /// `LayoutLimits.maxJSONBytes`), decodes it and validates every field.
    public init(directory: URL) throws {
        let url = Self.manifestURL(in: directory)
        guard DurableFile.size(of: url) != nil else {
            throw CheckpointError.cannotRead(path: url.path, reason: "no manifest.json (expected a folder OUTPUT/checkpoints/step-N written by 'mtl-dist train')")
        }
        let data = try DurableFile.contents(of: url, limit: LayoutLimits.maxJSONBytes)
        do {
            manifest = try JSONDecoder().decode(CheckpointManifest<Training>.self, from: data)
        } catch let error as DecodingError {
            throw CheckpointError.invalidManifest(path: url.path, field: error.fieldPath, found: error.found, expected: error.expected)
        } catch {
            throw CheckpointError.invalidManifest(path: url.path, field: "(document)", found: "\(error)", expected: "JSON")
        }
        try manifest.validate(file: url.path)
        self.directory = directory
    }

    /// The URL of shard `index`'s file (the name was checked to be a plain file name).
    public func shardURL(_ index: Int) -> URL { directory.appendingPathComponent(manifest.shards[index].file) }

    /// Copies floats `floats` of the state into `destination` (as many floats as the range holds).
    /// Reads every shard overlapping the range whole, so its checksum is checked; throws
    /// `CheckpointError` for a missing, resized or damaged shard (the destination is then partly
    /// written and must be discarded).
    public func read(floats: Range<Int>, into destination: UnsafeMutablePointer<Float>) throws {
        precondition(floats.lowerBound >= 0 && floats.upperBound <= manifest.stateFloats,
                     "read: floats \(floats) outside the state's \(manifest.stateFloats)")
        let bytes = (floats.lowerBound * 4)..<(floats.upperBound * 4)
        let out = UnsafeMutableRawPointer(destination)
        for (i, shard) in manifest.shards.enumerated() where shard.byteRange.overlaps(bytes) {
            try check(i) { chunk, at in
                // copy the overlap of state bytes [at, at + chunk.count) with `bytes`
                let lo = max(at, bytes.lowerBound), hi = min(at + chunk.count, bytes.upperBound)
                if lo < hi {
                    (out + (lo - bytes.lowerBound)).copyMemory(from: chunk.baseAddress! + (lo - at), byteCount: hi - lo)
                }
            }
        }
    }

    /// Checks every shard: present, of the recorded size, with the recorded checksum. Throws the
    /// first problem, naming the shard file and its byte range of the state.
    public func verify() throws {
        for i in manifest.shards.indices { try check(i) { _, _ in } }
    }

    /// Streams shard `index` (size checked first), passing each chunk and its offset in the state
    /// to `body`, then compares the CRC.
    private func check(_ index: Int, _ body: (UnsafeRawBufferPointer, Int) throws -> Void) throws {
        let shard = manifest.shards[index], url = shardURL(index)
        guard let size = DurableFile.size(of: url) else {
            throw CheckpointError.corruptShard(path: url.path, byteRange: shard.byteRange, found: "no such file",
                                               expected: "a shard of \(shard.size) bytes")
        }
        guard size == shard.size else {
            throw CheckpointError.corruptShard(path: url.path, byteRange: shard.byteRange, found: "\(size) bytes",
                                               expected: "\(shard.size) bytes")
        }
        var crc = CRC32C()
        try DurableFile.forEachChunk(of: url, size: size) { chunk, at in
            crc.update(chunk)
            try body(chunk, shard.offset + at)
        }
        let expected = CheckpointManifest<Training>.parseChecksum(shard.checksum)
        guard crc.value == expected else {
            throw CheckpointError.corruptShard(path: url.path, byteRange: shard.byteRange, found: "checksum \(CRC32C.text(crc.value))",
                                               expected: shard.checksum)
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
