import Foundation
import FuzzSupport
import RunConfig

/// The YAML config loader with `--set` overrides on arbitrary bytes: the input up to the first
/// line `%%` is the config file, each line after it one override. The config is written to a
/// scratch file (the loader reads files, and resolves corpus paths against the file's folder)
/// whose folder holds a one-sentence `train.tsv`, so inputs can also get past the file checks.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let text = String(decoding: bytes, as: UTF8.self)
    let parts = text.components(separatedBy: "\n%%\n")
    let yaml = parts[0]
    let overrides = parts.dropFirst().joined(separator: "\n").split(separator: "\n").map(String.init)
    let file = scratch.appendingPathComponent("config.yaml")
    guard (try? Data(yaml.utf8).write(to: file)) != nil else { return 0 }
    fuzzCheck {
        _ = try ConfigLoader.load(file: file, overrides: overrides)
    }
    return 0
}

/// A folder for this process's config file, with a small corpus beside it.
private let scratch: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-dist-fuzz-config-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    try? Data("Paris\tPROPN\tB-LOC\n\n".utf8).write(to: url.appendingPathComponent("train.tsv"))
    return url
}()
