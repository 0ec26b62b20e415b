import Checkpointing
import Foundation
import FuzzSupport
import ModelFiles

/// A checkpoint's `manifest.json` from arbitrary bytes, in a folder `step-4` beside no shards, read
/// as `checkpoint verify`, a resume and `evaluate` read it: decoded, every field checked against its
/// limits, the trainer's record against the manifest, the model description against the tensors,
/// then every shard checked (all missing here). The first input byte chooses whether the rest is
/// first sealed with a correct `manifest_checksum` (odd) or kept as it is (even), so the checks behind
/// the checksum are reached too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard let selector = bytes.first else { return 0 }
    var document = Data(bytes.dropFirst())
    if selector & 1 == 1, var object = (try? JSONSerialization.jsonObject(with: document)) as? [String: Any] {
        object.removeValue(forKey: CheckpointManifest<CheckpointRecord>.checksumKey)
        guard let json = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return 0 }
        document = JSONSeal.seal(json, key: CheckpointManifest<CheckpointRecord>.checksumKey)
    }
    guard (try? document.write(to: folder.appendingPathComponent("manifest.json"))) != nil else { return 0 }
    fuzzCheck {
        let reader = try CheckpointReader<CheckpointRecord>(directory: folder)
        let m = reader.manifest
        try m.training.model.validate(file: "manifest.json", tensors: m.tensors.map { ($0.name, $0.shape, $0.offset) })
        try reader.verify()
    }
    return 0
}

private let folder: URL = {
    let url = fuzzScratch("manifest").appendingPathComponent("step-4")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}()
