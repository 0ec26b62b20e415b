import Checkpointing
import Foundation
import FuzzSupport
import ModelFiles

/// A saved model's `model.json` from arbitrary bytes, loaded as `evaluate --model` loads `best/`
/// (beside a `parameters.bin` of the size model.json claims, when that is small) or, when the
/// first byte's second bit is set, as an export's `model.json` (beside no `model.safetensors`
/// header worth the name). The first bit seals the rest with a correct `model_checksum` first,
/// so the checks behind the checksum are reached too.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    guard let selector = bytes.first else { return 0 }
    var document = Data(bytes.dropFirst())
    var claimed = 0
    if var object = (try? JSONSerialization.jsonObject(with: document)) as? [String: Any] {
        claimed = (object["parameter_count"] as? Int) ?? 0
        if selector & 1 == 1 {
            object.removeValue(forKey: ModelIntegrity.sealKey)
            guard let json = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else { return 0 }
            document = JSONSeal.seal(json, key: ModelIntegrity.sealKey)
        }
    }
    let export = selector & 2 == 2
    let fm = FileManager.default
    for name in ["model.json", "parameters.bin", "model.safetensors"] { try? fm.removeItem(at: folder.appendingPathComponent(name)) }
    guard (try? document.write(to: folder.appendingPathComponent("model.json"))) != nil else { return 0 }
    if export {
        // an 8-byte header length of 2 and the header {}
        guard (try? Data([2, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0x7D]).write(to: folder.appendingPathComponent("model.safetensors"))) != nil else { return 0 }
    } else if claimed >= 0 && claimed <= 1 << 16 {
        guard (try? Data(count: 4 * claimed).write(to: folder.appendingPathComponent("parameters.bin"))) != nil else { return 0 }
    }
    fuzzCheck { _ = try TrainedModel(url: folder) }
    return 0
}

private let folder = fuzzScratch("model-json")
