import Foundation

/// A trainer's record that can check itself against the manifest that carries it: the step in
/// the record against the manifest's, counts and positions against their ranges. The reader calls
/// it after the manifest's own fields are checked and before the manifest's checksum, so an
/// out-of-range field is named as such rather than as a checksum mismatch.
public protocol CheckpointRecordChecking {
    /// Throws `CheckpointError.invalidManifest(path: file, field:...)` (field paths under
    /// `training.`) for the first field out of range or inconsistent with `step` (the manifest's),
    /// `optimizerStepCount` (updates applied) or `worldSize` (the saving run's ranks).
    func check(step: Int, optimizerStepCount: Int, worldSize: Int, file: String) throws
}

extension CheckpointManifest {
    /// The top-level key of `manifest.json` holding its own checksum (`JSONSeal`).
    public static var checksumKey: String { "manifest_checksum" }

    /// The manifest as written to `manifest.json`: pretty-printed JSON with sorted keys, sealed
    /// with its checksum (`JSONSeal`, key `manifest_checksum`).
    public func sealedJSON() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return JSONSeal.seal(try encoder.encode(self), key: Self.checksumKey)
    }

    /// The checks of a manifest read from the folder `directory` beyond its fields' own
    /// (`validate(file:)`): a folder named `step-N` holds the checkpoint of step N, the trainer's
    /// record agrees with the manifest (`CheckpointRecordChecking`), and last the file's bytes
    /// match its checksum, which refuses any other edit.
    func checkIntegrity(of data: Data, directory: URL, file: String) throws {
        if let named = CheckpointDirectory.step(ofFolder: directory.standardizedFileURL.lastPathComponent), named != step {
            throw CheckpointError.invalidManifest(path: file, field: "step", found: "\(step) in the folder \(directory.lastPathComponent)",
                                                  expected: "\(named), the step the folder's name says")
        }
        if let record = training as? CheckpointRecordChecking {
            try record.check(step: step, optimizerStepCount: optimizer.stepCount, worldSize: worldSize, file: file)
        }
        try JSONSeal.verify(data, key: Self.checksumKey, file: file)
    }
}
