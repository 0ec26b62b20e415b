/// The `manifest.json` of a checkpoint folder: what the state is (every tensor's name, shape and
/// offset, the optimizer's buffers), where its bytes are (one shard file per rank of the saving
/// run, each a contiguous byte range of the state, with its size and CRC-32C), and the trainer's
/// own record (`training`: step, sampler, schedule, config, vocabularies...), opaque to this module.
///
/// The state is one little-endian float32 array, [parameters | optimizer buffer 0 | buffer 1 | ...]:
/// `parameter_count` parameters laid out as `tensors` says, then each buffer of
/// `optimizer.buffer_length` floats (the parameter count, or 0 before the optimizer's first step).
/// Shard r of W holds floats `shardRange(total:rank:worldSize:)` of it.
public struct CheckpointManifest<Training: Codable>: Codable {
    /// `mtl-dist-checkpoint`.
    public static var formatName: String { "mtl-dist-checkpoint" }
    /// The version this build writes and reads.
    public static var formatVersion: Int { 1 }

    /// One parameter tensor: `shape.count` floats at `offset` in the parameter block.
    public struct Tensor: Codable, Equatable, Sendable {
        public var name: String
        public var shape: [Int]
        public var offset: Int
        public init(name: String, shape: [Int], offset: Int) {
            self.name = name
            self.shape = shape
            self.offset = offset
        }
    }

    /// The optimizer's state as stored after the parameters.
    public struct Optimizer: Codable, Equatable, Sendable {
        /// `sgd`, `adam`, `adamw`.
        public var kind: String
        /// Updates applied so far.
        public var stepCount: Int
        /// Buffer names in storage order (`m`, `v`; `momentum`; none).
        public var buffers: [String]
        /// Floats per buffer: the parameter count, or 0 when nothing is allocated yet.
        public var bufferLength: Int
        public init(kind: String, stepCount: Int, buffers: [String], bufferLength: Int) {
            self.kind = kind
            self.stepCount = stepCount
            self.buffers = buffers
            self.bufferLength = bufferLength
        }
        enum CodingKeys: String, CodingKey {
            case kind, buffers
            case stepCount = "step_count"
            case bufferLength = "buffer_length"
        }
    }

    /// One shard file: bytes `offset ..< offset + size` of the state.
    public struct Shard: Codable, Equatable, Sendable {
        /// A plain file name inside the checkpoint folder (never a path).
        public var file: String
        /// The rank that wrote it.
        public var rank: Int
        public var offset: Int
        public var size: Int
        /// `crc32c:` and 8 hex digits.
        public var checksum: String
        public init(file: String, rank: Int, offset: Int, size: Int, checksum: String) {
            self.file = file
            self.rank = rank
            self.offset = offset
            self.size = size
            self.checksum = checksum
        }
        /// The bytes of the state it holds.
        public var byteRange: Range<Int> { offset..<(offset + size) }
    }

    public var format: String
    public var version: Int
    /// Optimisation steps completed when it was saved.
    public var step: Int
    /// Ranks of the saving run (one shard each).
    public var worldSize: Int
    public var parameterCount: Int
    public var tensors: [Tensor]
    public var optimizer: Optimizer
    /// Bytes of the whole state: 4 · (parameter_count + buffers · buffer_length).
    public var stateBytes: Int
    public var shards: [Shard]
    /// The trainer's record (see Training's `CheckpointRecord`).
    public var training: Training

    public init(step: Int, worldSize: Int, parameterCount: Int, tensors: [Tensor], optimizer: Optimizer,
                shards: [Shard], training: Training) {
        format = Self.formatName
        version = Self.formatVersion
        self.step = step
        self.worldSize = worldSize
        self.parameterCount = parameterCount
        self.tensors = tensors
        self.optimizer = optimizer
        stateBytes = 4 * (parameterCount + optimizer.buffers.count * optimizer.bufferLength)
        self.shards = shards
        self.training = training
    }

    enum CodingKeys: String, CodingKey {
        case format, version, step, tensors, optimizer, shards, training
        case worldSize = "world_size"
        case parameterCount = "parameter_count"
        case stateBytes = "state_bytes"
    }

    /// Floats of the whole state.
    public var stateFloats: Int { stateBytes / 4 }

    /// The float range of optimizer buffer `index` in the state.
    public func bufferRange(_ index: Int) -> Range<Int> {
        let lo = parameterCount + index * optimizer.bufferLength
        return lo..<(lo + optimizer.bufferLength)
    }
}

/// A manifest's `training` record read without interpreting it (for `verify`).
public struct OpaqueRecord: Codable, Sendable {
    public init() {}
    public init(from decoder: Decoder) throws {}
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encodeNil()
    }
}
