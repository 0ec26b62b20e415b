/// The `manifest.json` of a checkpoint folder: what the state is (every tensor's name, shape and
/// offset, the optimizer's buffers), where its bytes are (one shard file per rank of the saving
/// run, each holding that rank's slice of every block, with its size and one CRC-32C per block),
/// and the trainer's own record (`training`: step, sampler, schedule, config, vocabularies...),
/// opaque to this module.
///
/// The state is one little-endian float32 array of blocks, [parameters | optimizer buffer 0 |
/// buffer 1 | ...]: `parameter_count` parameters laid out as `tensors` says, then each buffer of
/// `optimizer.buffer_length` floats (the parameter count, or 0 before the optimizer's first step,
/// when the buffers are no blocks). Shard r of W holds rank r's slice of the parameters,
/// `shardRange(total: parameter_count, rank: r, worldSize: W)`, of every block, block after block:
/// the slice a sharded update (`training.sharded_update`) updates and keeps optimizer state for,
/// so each rank writes what it holds and a resume reads a rank's optimizer state from the shards
/// overlapping its slice only.
public struct CheckpointManifest<Training: Codable>: Codable {
    /// `mtl-dist-checkpoint`.
    public static var formatName: String { "mtl-dist-checkpoint" }
    /// The version this build writes and reads.
    public static var formatVersion: Int { 2 }

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

    /// One shard file: the parameters `parameters` of every block, block after block
    /// (`size` = 4 × `parameter_count` × blocks), and a CRC-32C per block.
    public struct Shard: Codable, Equatable, Sendable {
        /// A plain file name inside the checkpoint folder (never a path).
        public var file: String
        /// The rank that wrote it.
        public var rank: Int
        /// The first parameter of its slice.
        public var parameterOffset: Int
        /// Parameters in its slice.
        public var parameterCount: Int
        /// Bytes of the file.
        public var size: Int
        /// `crc32c:` and 8 hex digits, one per block in block order.
        public var checksums: [String]
        public init(file: String, rank: Int, parameterOffset: Int, parameterCount: Int, size: Int, checksums: [String]) {
            self.file = file
            self.rank = rank
            self.parameterOffset = parameterOffset
            self.parameterCount = parameterCount
            self.size = size
            self.checksums = checksums
        }
        /// Its slice of the parameters (of every block).
        public var parameters: Range<Int> { parameterOffset..<(parameterOffset + parameterCount) }
        enum CodingKeys: String, CodingKey {
            case file, rank, size, checksums
            case parameterOffset = "parameter_offset"
            case parameterCount = "parameter_count"
        }
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

    /// The blocks of the state, each `parameter_count` floats: the parameters, then each optimizer
    /// buffer when `buffer_length` > 0.
    public var blockCount: Int { 1 + (optimizer.bufferLength > 0 ? optimizer.buffers.count : 0) }

    /// Block `index` in messages: `parameters`, `optimizer buffer 'm'`.
    public func blockName(_ index: Int) -> String {
        index == 0 ? "parameters" : "optimizer buffer '\(optimizer.buffers[index - 1])'"
    }

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
