/// What can be wrong with a pretrained transformer folder (`config.json`, `vocab.txt`,
/// `tokenizer_config.json`, `tokenizer.json`, `model.safetensors`) or with what is asked of it. Every message names
/// the file, and the key or tensor, says what was expected and what was found, and how to fix it.
public enum TransformerError: Error, CustomStringConvertible, Equatable {
    /// A file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// A file could not be written.
    case unwritable(file: String, reason: String)
    /// The safetensors header (8-byte length + JSON) is malformed or out of bounds.
    case safetensorsHeader(file: String, problem: String)
    /// One tensor entry of a safetensors header is malformed (dtype, shape, offsets).
    case safetensorsEntry(file: String, tensor: String, problem: String)
    /// The tensor has a dtype this program does not read as floats.
    case unsupportedDType(file: String, tensor: String, dtype: String)
    /// The model needs a tensor the file does not hold.
    case missingTensor(file: String, tensor: String, expectedShape: [Int])
    /// The file holds a tensor the model has no place for.
    case unexpectedTensor(file: String, tensor: String)
    /// The file's tensor has another shape than the configuration implies.
    case tensorShape(file: String, tensor: String, expected: [Int], found: [Int])
    /// A `config.json` (or `tokenizer_config.json`) key is missing, of the wrong type or out of range.
    case config(file: String, key: String, problem: String)
    /// A line of `vocab.txt` is unusable, or the vocabulary lacks a required token.
    case vocabulary(file: String, line: Int?, problem: String)
    /// A field of `tokenizer.json` is missing, of the wrong type, out of its bounds, or names a
    /// component this build does not implement; `field` is its path, e.g. `normalizer.normalizers[1].type`.
    case tokenizer(file: String, field: String, problem: String)
    /// A request that does not fit the model (a layer index, a pooling name, an empty sentence).
    case request(String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .unwritable(file, reason):
            return "\(file): cannot write: \(reason)"
        case let .safetensorsHeader(file, problem):
            return "\(file): not a valid safetensors file: \(problem); re-export it with safetensors' save_file, or fetch the model again"
        case let .safetensorsEntry(file, tensor, problem):
            return "\(file): tensor '\(tensor)': \(problem); the file is corrupt or truncated, fetch it again"
        case let .unsupportedDType(file, tensor, dtype):
            return "\(file): tensor '\(tensor)' has dtype \(dtype); only F32, F16 and BF16 are read as weights (convert the model to float32)"
        case let .missingTensor(file, tensor, shape):
            return "\(file): missing tensor '\(tensor)' of shape \(shape); the file does not match config.json (wrong architecture or a head-only checkpoint?)"
        case let .unexpectedTensor(file, tensor):
            return "\(file): unexpected tensor '\(tensor)': a BERT encoder has no such parameter; use the base model's weights (BertModel, not a task head) or remove the tensor"
        case let .tensorShape(file, tensor, expected, found):
            return "\(file): tensor '\(tensor)' has shape \(found), config.json implies \(expected); config.json and model.safetensors come from different models"
        case let .config(file, key, problem):
            return "\(file): '\(key)': \(problem)"
        case let .vocabulary(file, line, problem):
            return "\(file)\(line.map { ":\($0)" } ?? ""): \(problem)"
        case let .tokenizer(file, field, problem):
            return "\(file): '\(field)': \(problem)"
        case let .request(message):
            return message
        }
    }
}
