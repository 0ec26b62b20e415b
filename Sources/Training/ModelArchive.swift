import Autodiff
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

    /// Writes `store` and `metadata` to the folder `url` (replacing it atomically).
    public static func save<M: Codable>(store: ParameterStore, metadata: M, to url: URL) throws {
        let fm = FileManager.default
        let parent = url.deletingLastPathComponent()
        let temp = parent.appendingPathComponent(".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)")
        do {
            try? fm.removeItem(at: temp)
            try fm.createDirectory(at: temp, withIntermediateDirectories: true)
            let bytes = Data(bytesNoCopy: store.values.base, count: store.count * 4, deallocator: .none)
            let manifest = Manifest(format: format, version: version, parameterCount: store.count,
                                    checksum: fnv1a64Hex(bytes),
                                    parameters: store.parameters.map { Entry(name: $0.name, shape: $0.shape.dims, offset: $0.offset) },
                                    metadata: metadata)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try writeSynced(bytes, to: temp.appendingPathComponent("parameters.bin"))
            try writeSynced(try encoder.encode(manifest), to: temp.appendingPathComponent("model.json"))
            if fm.fileExists(atPath: url.path) {
                let old = parent.appendingPathComponent(".\(url.lastPathComponent).old-\(ProcessInfo.processInfo.processIdentifier)")
                try? fm.removeItem(at: old)
                try fm.moveItem(at: url, to: old)
                try fm.moveItem(at: temp, to: url)
                try? fm.removeItem(at: old)
            } else {
                try fm.moveItem(at: temp, to: url)
            }
        } catch let e as TrainingError {
            throw e
        } catch {
            throw TrainingError.cannotWrite(url.path, reason: "\(error)")
        }
    }

    /// Reads the manifest of the model folder `url`.
    public static func manifest<M: Codable>(at url: URL, as: M.Type) throws -> Manifest<M> {
        let jsonURL = url.appendingPathComponent("model.json")
        guard let data = FileManager.default.contents(atPath: jsonURL.path) else {
            throw TrainingError.invalidModel(url.path, reason: "no model.json (expected the folder written by 'mtl-dist train', e.g. OUTPUT/best)")
        }
        let manifest: Manifest<M>
        do {
            manifest = try JSONDecoder().decode(Manifest<M>.self, from: data)
        } catch {
            throw TrainingError.invalidModel(jsonURL.path, reason: "model.json does not parse: \(error)")
        }
        guard manifest.format == format else {
            throw TrainingError.invalidModel(jsonURL.path, reason: "format is '\(manifest.format)', expected '\(format)'")
        }
        guard manifest.version == version else {
            throw TrainingError.invalidModel(jsonURL.path, reason: "format version \(manifest.version), this build reads \(version)")
        }
        return manifest
    }

    /// Loads the parameters of the model folder `url` into `store`, whose layout (built from the
    /// manifest's metadata) must match the manifest's entries exactly.
    public static func loadParameters<M: Codable>(_ manifest: Manifest<M>, from url: URL, into store: ParameterStore) throws {
        let binURL = url.appendingPathComponent("parameters.bin")
        guard manifest.parameterCount == store.count else {
            throw TrainingError.invalidModel(url.path, reason: "model.json lists \(manifest.parameterCount) parameters, the model it describes has \(store.count)")
        }
        let expected = store.parameters.map { Entry(name: $0.name, shape: $0.shape.dims, offset: $0.offset) }
        guard manifest.parameters == expected else {
            let first = zip(manifest.parameters, expected).first { $0 != $1 }
            throw TrainingError.invalidModel(url.path, reason: "parameter layout differs from the model's structure" +
                                             (first.map { " (saved \($0.0.name) \($0.0.shape), built \($0.1.name) \($0.1.shape))" } ?? ""))
        }
        guard let data = FileManager.default.contents(atPath: binURL.path) else {
            throw TrainingError.invalidModel(binURL.path, reason: "parameters.bin is missing")
        }
        guard data.count == store.count * 4 else {
            throw TrainingError.invalidModel(binURL.path, reason: "parameters.bin has \(data.count) bytes, expected \(store.count * 4)")
        }
        guard fnv1a64Hex(data) == manifest.checksum else {
            throw TrainingError.invalidModel(binURL.path, reason: "checksum mismatch: the file is corrupt or from another model")
        }
        data.withUnsafeBytes { raw in
            store.values.base.update(from: raw.bindMemory(to: Float.self).baseAddress!, count: store.count)
        }
    }

    /// FNV-1a 64-bit hash of `data`, as 16 hex digits.
    public static func fnv1a64Hex(_ data: Data) -> String {
        FNV1a64.hex(of: data)
    }

    static func writeSynced(_ data: Data, to url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw TrainingError.cannotWrite(url.path, reason: "could not create the file")
        }
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.write(contentsOf: data)
        try handle.synchronize()
    }
}
