import Foundation

/// A scratch folder of this process for a target's files, created once: `name` tells the targets apart.
public func fuzzScratch(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-dist-fuzz-\(name)-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
