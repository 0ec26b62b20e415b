import Foundation

/// The folder that holds a run's checkpoints: complete ones as `step-<N>/`, a `latest` file naming
/// the newest complete one, and possibly leftovers of an interrupted save (`.step-<N>.partial/`,
/// `.latest.tmp-*`), which loading ignores and the next save removes.
public struct CheckpointDirectory {
    public let url: URL

    public init(url: URL) { self.url = url }

    /// `step-<N>`.
    public static func folderName(step: Int) -> String { "step-\(step)" }

    /// N for a name `step-<N>` (digits only), else nil.
    public static func step(ofFolder name: String) -> Int? {
        guard name.hasPrefix("step-") else { return nil }
        let digits = name.dropFirst(5)
        guard !digits.isEmpty, digits.count <= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }

    /// Complete checkpoints (folders `step-<N>` holding a manifest.json), oldest first.
    public func complete() -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard let step = Self.step(ofFolder: name) else { return nil }
            let folder = url.appendingPathComponent(name)
            guard DurableFile.size(of: CheckpointReader<OpaqueRecord>.manifestURL(in: folder)) != nil else { return nil }
            return (step, folder)
        }.sorted { $0.0 < $1.0 }
    }

    /// The newest complete checkpoint (the highest step among folders holding a manifest: a folder
    /// gets its name only after its manifest and shards are flushed), nil when there is none.
    /// `latest` names the same folder once a save has finished; a save killed between its rename
    /// and the update of `latest` leaves `latest` one behind, and this still finds the newer one.
    public func newest() -> URL? {
        complete().last?.url
    }

    /// The step `latest` names, when it names a complete checkpoint.
    public func latest() -> URL? {
        guard let data = try? DurableFile.contents(of: url.appendingPathComponent("latest"), limit: 4096),
              let name = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
              Self.step(ofFolder: name) != nil else { return nil }
        let folder = url.appendingPathComponent(name)
        return DurableFile.size(of: CheckpointReader<OpaqueRecord>.manifestURL(in: folder)) != nil ? folder : nil
    }

    /// Leftovers of interrupted saves and removals: `.step-*` folders (`.partial`, `.removing`),
    /// `.latest.tmp-*` and `.owner.tmp-*` files, and `step-<N>` folders without a manifest (what a
    /// removal killed midway left before removals renamed first).
    func leftovers() -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.filter { name in
            if name.hasPrefix(".step-") || name.hasPrefix(".latest.tmp-") || name.hasPrefix(".owner.tmp-") { return true }
            guard Self.step(ofFolder: name) != nil else { return false }
            return DurableFile.size(of: CheckpointReader<OpaqueRecord>.manifestURL(in: url.appendingPathComponent(name))) == nil
        }.map { url.appendingPathComponent($0) }
    }

    /// Removes the checkpoint folder `folder` of this directory: renamed to `.step-<N>.removing`
    /// first (flushed), then deleted, so at any moment it is complete or a leftover. `renamed` runs
    /// between the two (tests end the process there).
    func remove(_ folder: URL, renamed: () -> Void = {}) throws {
        let aside = url.appendingPathComponent(".\(folder.lastPathComponent).removing")
        if FileManager.default.fileExists(atPath: aside.path) { try FileManager.default.removeItem(at: aside) }
        try DurableFile.rename(folder, to: aside)
        try DurableFile.syncDirectory(url)
        renamed()
        try FileManager.default.removeItem(at: aside)
    }
}
