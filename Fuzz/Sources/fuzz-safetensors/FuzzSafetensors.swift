import Foundation
import FuzzSupport
import ModelFiles
import Transformer

/// A `model.safetensors` from arbitrary bytes (its 8-byte header length, JSON header and data), read
/// by both readers: the export loader's `ModelExport.header(of:)` (float32 tensors packed in order)
/// and the pretrained transformer's `SafeTensorsFile` (any dtype it reads, every tensor read as
/// floats). Whatever the header claims, nothing larger than the file is allocated.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard (try? Data(fuzzBytes(data, size)).write(to: file)) != nil else { return 0 }
    fuzzCheck { _ = try ModelExport.header(of: file) }
    fuzzCheck {
        let weights = try SafeTensorsFile(url: file)
        for name in weights.entries.keys.sorted() { _ = try weights.floats(name) }
    }
    return 0
}

private let file = fuzzScratch("safetensors").appendingPathComponent("model.safetensors")
