/// Bounds on the numbers a saved model or checkpoint may declare. Each is far above any model this
/// trainer builds; their job is to reject a corrupted number before it is multiplied, compared
/// with a file size or used to allocate.
public enum LayoutLimits {
    /// Floats in one flat buffer (16 GiB of float32).
    public static let maxFloats = 1 << 32
    /// Parameter tensors in a table.
    public static let maxTensors = 1 << 20
    /// Axes of one tensor.
    public static let maxRank = 8
    /// Ranks of a saving run.
    public static let maxWorldSize = 1 << 16
    /// UTF-8 bytes of a tensor or buffer name.
    public static let maxNameBytes = 512
    /// Optimizer state buffers.
    public static let maxOptimizerBuffers = 16
    /// Bytes of a JSON file (manifest.json, model.json) read before decoding.
    public static let maxJSONBytes = 1 << 30
}

/// The checks every loader (model folder, export, checkpoint) applies to a tensor table, before
/// anything is allocated from it: within `LayoutLimits`, names non-empty and unique, every
/// dimension ≥ 0, products without overflow, tensors packed in order from offset 0, and their
/// sizes summing to `count`. `file` names the file in the error, `field` the JSON key of the table.
public func validateTensorTable(_ entries: [(name: String, shape: [Int], offset: Int)], count: Int,
                                file: String, field: String) throws {
    func bad(_ where_: String, _ found: String, _ expected: String) -> CheckpointError {
        .invalidManifest(path: file, field: where_, found: found, expected: expected)
    }
    guard count >= 0 && count <= LayoutLimits.maxFloats else {
        throw bad("the parameter count", "\(count)", "0...\(LayoutLimits.maxFloats)")
    }
    guard entries.count <= LayoutLimits.maxTensors else {
        throw bad("\(field)", "\(entries.count) entries", "at most \(LayoutLimits.maxTensors)")
    }
    var names = Set<String>()
    var next = 0
    for (i, e) in entries.enumerated() {
        let at = "\(field)[\(i)]"
        guard !e.name.isEmpty && e.name.utf8.count <= LayoutLimits.maxNameBytes else {
            throw bad("\(at).name", "'\(e.name.prefix(40))' (\(e.name.utf8.count) bytes)", "1...\(LayoutLimits.maxNameBytes) bytes")
        }
        guard names.insert(e.name).inserted else { throw bad("\(at).name", "'\(e.name)' again", "unique names") }
        guard e.shape.count <= LayoutLimits.maxRank else {
            throw bad("\(at).shape", "\(e.shape.count) axes", "at most \(LayoutLimits.maxRank)")
        }
        var size = 1
        for d in e.shape {
            guard d >= 0 && d <= count else { throw bad("\(at).shape", "\(e.shape)", "dimensions in 0...\(count) (the parameter count)") }
            let (p, overflow) = size.multipliedReportingOverflow(by: d)
            guard !overflow && p <= count else { throw bad("\(at).shape", "\(e.shape)", "at most \(count) elements in all") }
            size = p
        }
        guard e.offset == next else {
            throw bad("\(at).offset", "\(e.offset)", "\(next) (tensors packed in order from 0)")
        }
        next += size
        guard next <= count else { throw bad("\(at)", "end at \(next)", "at most the parameter count \(count)") }
    }
    guard next == count else { throw bad("\(field)", "\(next) floats in all", "\(count) (the parameter count)") }
}

/// True when `name` is a plain file name: not empty, at most 255 bytes, no `/`, `\` or NUL, not
/// `.`/`..` and not hidden (a leading `.`, the prefix of temporary files).
public func isPlainFileName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= 255 && !name.hasPrefix(".")
        && !name.contains("/") && !name.contains("\\") && !name.utf8.contains(0)
}

extension CheckpointManifest {
    /// Checks every number and name of the manifest against the limits and against each other
    /// (not against the shard files: `CheckpointReader` does that before reading). `file` names
    /// the manifest in errors.
    public func validate(file: String) throws {
        func bad(_ field: String, _ found: String, _ expected: String) -> CheckpointError {
            .invalidManifest(path: file, field: field, found: found, expected: expected)
        }
        guard format == Self.formatName else { throw bad("format", "'\(format)'", "'\(Self.formatName)'") }
        guard version == Self.formatVersion else {
            throw bad("version", "\(version)", "\(Self.formatVersion) (the version this build reads)")
        }
        guard step >= 0 && step <= Int(Int32.max) else { throw bad("step", "\(step)", "0...\(Int32.max)") }
        guard worldSize >= 1 && worldSize <= LayoutLimits.maxWorldSize else {
            throw bad("world_size", "\(worldSize)", "1...\(LayoutLimits.maxWorldSize)")
        }
        try validateTensorTable(tensors.map { ($0.name, $0.shape, $0.offset) }, count: parameterCount,
                                file: file, field: "tensors")
        let o = optimizer
        guard !o.kind.isEmpty && o.kind.utf8.count <= LayoutLimits.maxNameBytes else {
            throw bad("optimizer.kind", "'\(o.kind.prefix(40))'", "a name such as sgd, adam, adamw")
        }
        guard o.stepCount >= 0 && o.stepCount <= Int(Int32.max) else {
            throw bad("optimizer.step_count", "\(o.stepCount)", "0...\(Int32.max)")
        }
        guard o.buffers.count <= LayoutLimits.maxOptimizerBuffers else {
            throw bad("optimizer.buffers", "\(o.buffers.count) buffers", "at most \(LayoutLimits.maxOptimizerBuffers)")
        }
        guard Set(o.buffers).count == o.buffers.count,
              o.buffers.allSatisfy({ !$0.isEmpty && $0.utf8.count <= LayoutLimits.maxNameBytes }) else {
            throw bad("optimizer.buffers", "\(o.buffers.map { String($0.prefix(40)) })", "distinct, non-empty names")
        }
        let lengthFits = o.buffers.isEmpty ? o.bufferLength == 0
            : o.bufferLength == parameterCount || (o.bufferLength == 0 && o.stepCount == 0)
        guard lengthFits else {
            throw bad("optimizer.buffer_length", "\(o.bufferLength)", o.buffers.isEmpty ? "0 (no buffers)"
                      : "\(parameterCount) (the parameter count), or 0 when optimizer.step_count is 0")
        }
        // ≤ (1 + 16) · 2^32 floats: no overflow
        let floats = parameterCount + o.buffers.count * o.bufferLength
        guard stateBytes == 4 * floats else {
            throw bad("state_bytes", "\(stateBytes)", "\(4 * floats) (4 × (parameter_count + buffers × buffer_length))")
        }
        guard shards.count == worldSize else {
            throw bad("shards", "\(shards.count) entries", "\(worldSize) (one per rank of world_size)")
        }
        var next = 0
        for (i, s) in shards.enumerated() {
            let at = "shards[\(i)]"
            guard isPlainFileName(s.file) else {
                throw bad("\(at).file", "'\(s.file.prefix(80))'", "a plain file name inside the checkpoint folder (no '/', '\\', '..' or leading '.')")
            }
            guard s.rank == i else { throw bad("\(at).rank", "\(s.rank)", "\(i) (shards in rank order)") }
            guard s.parameterOffset == next else {
                throw bad("\(at).parameter_offset", "\(s.parameterOffset)", "\(next) (slices contiguous from 0)")
            }
            guard s.parameterCount >= 0 && s.parameterCount <= parameterCount - next else {
                throw bad("\(at).parameter_count", "\(s.parameterCount)", "0...\(parameterCount - next) (what is left of parameter_count)")
            }
            // ≤ 4 · 2^32 · 17 bytes: no overflow
            guard s.size == 4 * s.parameterCount * blockCount else {
                throw bad("\(at).size", "\(s.size)", "\(4 * s.parameterCount * blockCount) (4 × parameter_count × \(blockCount) blocks)")
            }
            guard s.checksums.count == blockCount, s.checksums.allSatisfy({ Self.parseChecksum($0) != nil }) else {
                throw bad("\(at).checksums", "\(s.checksums.prefix(4).map { String($0.prefix(40)) })",
                          "\(blockCount) of crc32c: and 8 hex digits (one per block)")
            }
            next += s.parameterCount
        }
        guard next == parameterCount else { throw bad("shards", "\(next) parameters in all", "\(parameterCount) (parameter_count)") }
        guard Set(shards.map(\.file)).count == shards.count else {
            throw bad("shards", "a file name used twice", "one file per shard")
        }
    }

    /// The CRC in a `crc32c:xxxxxxxx` string, nil when malformed.
    public static func parseChecksum(_ text: String) -> UInt32? {
        guard text.hasPrefix("crc32c:") else { return nil }
        let hex = text.dropFirst(7)
        guard hex.count == 8, hex.allSatisfy({ $0.isHexDigit && $0.isASCII }) else { return nil }
        return UInt32(hex, radix: 16)
    }
}
