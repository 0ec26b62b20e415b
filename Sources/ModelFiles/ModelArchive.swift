import Autodiff
import Checkpointing
import Foundation

/// A trained model on disk: `model.json` (what it is: structure, vocabularies, label
/// dictionaries, the resolved config, every parameter's name, shape and offset, a checksum) and
/// `parameters.bin` (the flat parameter buffer, little-endian float32).
///
/// Saving writes both into a temporary sibling folder, flushes them, and renames it into place,
/// so a crash leaves either the old model or the new one, never a mix. Loading checks the
/// format, every size and the checksum, and executes nothing from the files.
public enum ModelArchive {
    public static let format = "mtl-dist-model"
    public static let version = 1

    /// One parameter's entry in `model.json`.
    public struct Entry: Codable, Equatable {
        public let name: String
        public let shape: [Int]
        public let offset: Int
    }

    /// The JSON half of the archive, generic over what the caller stores with the parameters.
    public struct Manifest<Metadata: Codable>: Codable {
        public let format: String
        public let version: Int
        public let parameterCount: Int
        /// FNV-1a 64 of the bytes of `parameters.bin`, hex.
        public let checksum: String
        public let parameters: [Entry]
        public let metadata: Metadata

        enum CodingKeys: String, CodingKey {
            case format, version, parameters, metadata, checksum
            case parameterCount = "parameter_count"
        }
    }

    /// Writes `store` and `metadata` to the folder `url`, replacing it in one step
    /// (`DurableFile.replaceFolder`: there is no moment where `url` is missing or half-written).
    public static func save<M: Codable>(store: ParameterStore, metadata: M, to url: URL) throws {
        do {
            try DurableFile.replaceFolder(url) { temp in
                let bytes = UnsafeRawBufferPointer(start: store.values.base, count: store.count * 4)
                let manifest = Manifest(format: format, version: version, parameterCount: store.count,
                                        checksum: fnv1a64Hex(Data(bytes)),
                                        parameters: store.parameters.map { Entry(name: $0.name, shape: $0.shape.dims, offset: $0.offset) },
                                        metadata: metadata)
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try DurableFile.write([bytes], to: temp.appendingPathComponent("parameters.bin"))
                let json = JSONSeal.seal(try encoder.encode(manifest), key: ModelIntegrity.sealKey)
                try json.withUnsafeBytes { try DurableFile.write([$0], to: temp.appendingPathComponent("model.json")) }
            }
        } catch let e as CheckpointError {
            throw ModelError.cannotWrite(url.path, reason: "\(e)")
        } catch {
            throw ModelError.cannotWrite(url.path, reason: "\(error)")
        }
    }

    /// Reads and checks the manifest of the model folder `url`: the size of `model.json` (before
    /// reading it), its schema (a missing or mistyped field names its key path), the format and
    /// version, and the tensor table against the parameter count (`validateTensorTable`).
    public static func manifest<M: Codable>(at url: URL, as: M.Type) throws -> Manifest<M> {
        let jsonURL = url.appendingPathComponent("model.json")
        guard DurableFile.size(of: jsonURL) != nil else {
            throw ModelError.invalidModel(url.path, reason: "no model.json (expected the folder written by 'mtl-dist train', e.g. OUTPUT/best, an export or a checkpoint)")
        }
        let manifest: Manifest<M> = try decodeJSON(jsonURL)
        guard manifest.format == format else {
            throw ModelError.invalidModel(jsonURL.path, reason: "format is '\(manifest.format)', expected '\(format)'")
        }
        guard manifest.version == version else {
            throw ModelError.invalidModel(jsonURL.path, reason: "format version \(manifest.version), this build reads \(version)")
        }
        try validateTensorTable(manifest.parameters.map { ($0.name, $0.shape, $0.offset) }, count: manifest.parameterCount,
                                file: jsonURL.path, field: "parameters")
        return manifest
    }

    /// Decodes the JSON file `url` as `T`, refusing a file above `LayoutLimits.maxJSONBytes` before
    /// reading it; a schema error names the key path, what was found and what was expected.
    static func decodeJSON<T: Decodable>(_ url: URL) throws -> T {
        let data = try DurableFile.contents(of: url, limit: LayoutLimits.maxJSONBytes)
        do {
            return try JSONDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            let (field, found, expected) = error.located(in: data, as: T.self)
            throw ModelError.invalidModel(url.path, reason: "\(field) is \(found), expected \(expected)")
        } catch {
            throw ModelError.invalidModel(url.path, reason: "does not parse as JSON: \(error)")
        }
    }

    /// Loads the parameters of the model folder `url` into `store`, whose layout (built from the
    /// manifest's metadata) must match the manifest's entries exactly; `parameters.bin` must have
    /// exactly 4 bytes per parameter (checked before reading) and the recorded checksum.
    public static func loadParameters<M: Codable>(_ manifest: Manifest<M>, from url: URL, into store: ParameterStore) throws {
        let binURL = url.appendingPathComponent("parameters.bin")
        guard manifest.parameterCount == store.count else {
            throw ModelError.invalidModel(url.path, reason: "model.json lists \(manifest.parameterCount) parameters, the model it describes has \(store.count)")
        }
        let expected = store.parameters.map { Entry(name: $0.name, shape: $0.shape.dims, offset: $0.offset) }
        guard manifest.parameters == expected else {
            let first = zip(manifest.parameters, expected).first { $0 != $1 }
            throw ModelError.invalidModel(url.path, reason: "parameter layout differs from the model's structure" +
                                             (first.map { " (saved \($0.0.name) \($0.0.shape), built \($0.1.name) \($0.1.shape))" } ?? ""))
        }
        guard let size = DurableFile.size(of: binURL) else {
            throw ModelError.invalidModel(binURL.path, reason: "parameters.bin is missing")
        }
        guard size == store.count * 4 else {
            throw ModelError.invalidModel(binURL.path, reason: "parameters.bin has \(size) bytes, expected \(store.count * 4)")
        }
        let data = try DurableFile.contents(of: binURL, limit: store.count * 4)
        guard fnv1a64Hex(data) == manifest.checksum else {
            throw ModelError.invalidModel(binURL.path, reason: "checksum mismatch: the file is corrupt or from another model")
        }
        data.withUnsafeBytes { raw in
            if let source = raw.baseAddress { UnsafeMutableRawPointer(store.values.base).copyMemory(from: source, byteCount: raw.count) }
        }
    }

    /// FNV-1a 64-bit hash of `data`, as 16 hex digits.
    public static func fnv1a64Hex(_ data: Data) -> String {
        FNV1a64.hex(of: data)
    }
}
