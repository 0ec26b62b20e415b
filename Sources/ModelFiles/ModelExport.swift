import Autodiff
import Checkpointing
import Foundation
import RegularFiles
import MultiTask
import Transformer

/// A trained model exported for other tools: `model.safetensors` (every parameter as a float32
/// tensor under its name in the manifest, in the standard safetensors layout: an 8-byte
/// little-endian header length, a JSON header `{"name": {"dtype": "F32", "shape": [...],
/// "data_offsets": [begin, end]}, "__metadata__": {...}}` padded with spaces to a multiple of 8,
/// then the data) and `model.json` (`{"format": "mtl-dist-export", "version": 1, "metadata": ...}`:
/// the model structure, the resolved config, the vocabularies, label dictionaries and tag schemes).
/// Python reads it with `safetensors.numpy.load_file`. Reference:
/// https://huggingface.co/docs/safetensors/index (format description).
///
/// A model with a transformer also gets `transformer/`, a Hugging Face model folder of the trained
/// (fine-tuned, or frozen as loaded) encoder: `config.json`, `vocab.txt`, `tokenizer_config.json`
/// and `model.safetensors` with every tensor under its original name, so transformers'
/// `AutoModel.from_pretrained` and `mtl-dist encode --transformer` load it as they load the
/// pretrained one.
public enum ModelExport {
    public static let format = "mtl-dist-export"
    public static let version = 1
    /// Largest JSON header read from a safetensors file (100 MB, as the reference reader allows).
    public static let maxHeaderBytes = 100_000_000

    /// `model.json` of an export (sealed with its own checksum, `ModelIntegrity.sealKey`).
    public struct Document: Codable {
        public let format: String
        public let version: Int
        public let metadata: ModelMetadata
        /// CRC-32C of the whole `model.safetensors` file, checked while it is read.
        public let safetensorsChecksum: String

        enum CodingKeys: String, CodingKey {
            case format, version, metadata
            case safetensorsChecksum = "safetensors_checksum"
        }
    }

    /// True when `url` holds a `model.safetensors`.
    public static func isExport(_ url: URL) -> Bool {
        // anything of that name (a pipe or a folder too: loading then says what it is)
        RegularFile.exists(url.appendingPathComponent("model.safetensors").path)
    }

    /// The folder of an export that holds the transformer (see the type's description).
    public static let transformerFolder = "transformer"

    /// Writes the export of `model` with `metadata` into the folder `url` (replaced in one step).
    public static func write(model: MultiTaskModel, metadata: ModelMetadata, to url: URL) throws {
        let store = model.store
        var header: [String: Any] = ["__metadata__": ["format": "pt", "producer": "mtl-dist"]]
        for p in store.parameters {
            header[p.name] = ["dtype": "F32", "shape": p.shape.dims, "data_offsets": [4 * p.offset, 4 * (p.offset + p.count)]]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var length = UInt64(json.count).littleEndian
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let values = UnsafeRawBufferPointer(start: store.values.base, count: 4 * store.count)
        var crc = CRC32C()
        withUnsafeBytes(of: &length) { crc.update($0) }
        json.withUnsafeBytes { crc.update($0) }
        crc.update(values)
        let document = JSONSeal.seal(try encoder.encode(Document(format: format, version: version, metadata: metadata,
                                                                 safetensorsChecksum: CRC32C.text(crc.value))),
                                     key: ModelIntegrity.sealKey)
        do {
            try DurableFile.replaceFolder(url) { temp in
                try withUnsafeBytes(of: &length) { lengthBytes in
                    try json.withUnsafeBytes { headerBytes in
                        try DurableFile.write([lengthBytes, headerBytes, values], to: temp.appendingPathComponent("model.safetensors"))
                    }
                }
                try document.withUnsafeBytes { try DurableFile.write([$0], to: temp.appendingPathComponent("model.json")) }
                if let transformer = model.encoder.transformer, let tokenizer = metadata.encoder.subwordTokenizer {
                    let bert = transformer.model
                    let tensors = PretrainedEncoder.tensors(of: bert, in: model.encoder.frozenStore ?? store)
                    let folder = temp.appendingPathComponent(transformerFolder)
                    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false)
                    try PretrainedBert.write(config: bert.config, tokenizer: tokenizer, tensors: tensors, to: folder)
                }
            }
        } catch {
            throw ModelError.cannotWrite(url.path, reason: "\(error)")
        }
    }

    /// Loads an export folder: `model.json` and the safetensors header are checked (sizes, dtypes,
    /// shapes, offsets against the file size, and against the model `model.json` describes) before
    /// the model is built and the data read.
    public static func load(_ url: URL) throws -> (ModelMetadata, MultiTaskModel) {
        let jsonURL = url.appendingPathComponent("model.json")
        guard DurableFile.size(of: jsonURL) != nil else {
            throw ModelError.invalidModel(url.path, reason: "model.safetensors without model.json (expected a folder written by 'mtl-dist export')")
        }
        let document: Document = try ModelArchive.decodeJSON(jsonURL)
        guard document.format == format && document.version == version else {
            throw ModelError.invalidModel(jsonURL.path, reason: "format '\(document.format)' version \(document.version), expected '\(format)' version \(version)")
        }
        let file = url.appendingPathComponent("model.safetensors")
        let (tensors, dataStart, count) = try header(of: file)
        try document.metadata.validate(file: jsonURL.path, tensors: tensors)
        let model = MultiTaskModel(spec: document.metadata.spec, seed: 0)
        guard model.store.count == count else {
            throw ModelError.invalidModel(file.path, reason: "\(count) floats, the model has \(model.store.count)")
        }
        let out = UnsafeMutableRawPointer(model.store.values.base)
        var crc = CRC32C()
        try DurableFile.forEachChunk(of: file, size: dataStart + 4 * count) { chunk, at in
            crc.update(chunk)
            // copy the part of [at, at + chunk.count) that lies in the data section
            let lo = max(at, dataStart), hi = at + chunk.count
            if lo < hi { (out + (lo - dataStart)).copyMemory(from: chunk.baseAddress! + (lo - at), byteCount: hi - lo) }
        }
        guard CRC32C.text(crc.value) == document.safetensorsChecksum else {
            throw ModelError.invalidModel(file.path, reason: "checksum \(CRC32C.text(crc.value)), model.json records \(document.safetensorsChecksum) "
                + "(safetensors_checksum): the file was changed or damaged after export; export the model again")
        }
        return (document.metadata, model)
    }

    /// The tensor table of a safetensors file written by `write`: entries in data order with
    /// offsets in floats, the byte where the data starts, and the number of floats. Every number
    /// is checked against the file's size and the format's rules first.
    public static func header(of file: URL) throws -> (tensors: [(name: String, shape: [Int], offset: Int)], dataStart: Int, count: Int) {
        func bad(_ reason: String) -> ModelError { .invalidModel(file.path, reason: reason) }
        let size: Int
        do { size = try RegularFile.size(file.path) } catch let problem as FileProblem { throw bad(problem.reason) }
        guard size >= 8 else { throw bad("\(size) bytes, too short for a safetensors header") }
        var lengthField: UInt64 = 0
        try DurableFile.forEachChunk(of: file, size: 8) { chunk, _ in
            lengthField = UInt64(littleEndian: chunk.loadUnaligned(as: UInt64.self))
        }
        guard lengthField <= UInt64(min(maxHeaderBytes, size - 8)) else {
            throw bad("header length \(lengthField), expected at most \(min(maxHeaderBytes, size - 8)) (the file's size)")
        }
        let headerLength = Int(lengthField)
        var headerBytes = Data(count: headerLength)
        try headerBytes.withUnsafeMutableBytes { out in
            try DurableFile.forEachChunk(of: file, size: 8 + headerLength) { chunk, at in
                let lo = max(at, 8), hi = at + chunk.count
                if lo < hi { (out.baseAddress! + (lo - 8)).copyMemory(from: chunk.baseAddress! + (lo - at), byteCount: hi - lo) }
            }
        }
        guard let object = try? JSONSerialization.jsonObject(with: headerBytes), let entries = object as? [String: Any] else {
            throw bad("the header is not a JSON object")
        }
        let dataBytes = size - 8 - headerLength
        var table: [(name: String, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in entries where name != "__metadata__" {
            guard let entry = value as? [String: Any], entry["dtype"] as? String == "F32",
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw bad("tensor '\(name.prefix(80))': expected {dtype: F32, shape: [ints], data_offsets: [begin, end]}")
            }
            guard offsets[0] >= 0 && offsets[0] <= offsets[1] && offsets[1] <= dataBytes && offsets[0] % 4 == 0 else {
                throw bad("tensor '\(name.prefix(80))': data_offsets \(offsets) outside the \(dataBytes) data bytes")
            }
            table.append((name, shape, offsets[0], offsets[1]))
        }
        table.sort { $0.begin < $1.begin }
        guard dataBytes % 4 == 0 else { throw bad("\(dataBytes) data bytes, not a whole number of float32") }
        let count = dataBytes / 4
        let tensors = table.map { (name: $0.name, shape: $0.shape, offset: $0.begin / 4) }
        do {
            try validateTensorTable(tensors, count: count, file: file.path, field: "header")
        } catch {
            throw bad("\(error)")
        }
        // each tensor's byte length equals its shape's size (the table check proved the packing)
        for t in table where t.end - t.begin != 4 * t.shape.reduce(1, *) {
            throw bad("tensor '\(t.name)': data_offsets [\(t.begin), \(t.end)] do not hold shape \(t.shape)")
        }
        return (tensors, 8 + headerLength, count)
    }
}
