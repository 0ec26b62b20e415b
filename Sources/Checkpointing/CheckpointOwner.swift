import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The run a checkpoint directory belongs to: `owner.json` in the directory, written once by the
/// first save (or the start) of a run and checked before every write, so two runs never swap out
/// each other's `step-<N>/` or repoint each other's `latest`.
///
/// ```json
/// {"output_directory": "/runs/a", "run_id": "6F1C…"}
/// ```
public struct CheckpointOwner: Codable, Equatable {
    /// The identity of the run, made when the run first started (kept in its folder's `run-id`).
    public var runID: String
    /// The run folder of that run, to name it in messages.
    public var outputDirectory: String

    public init(runID: String, outputDirectory: String) {
        self.runID = runID
        self.outputDirectory = outputDirectory
    }

    enum CodingKeys: String, CodingKey {
        case runID = "run_id"
        case outputDirectory = "output_directory"
    }
}

extension CheckpointDirectory {
    /// The file naming the directory's run.
    public static let ownerFileName = "owner.json"

    /// The run this directory belongs to; nil when it has no `owner.json` (a new directory, or one
    /// written before runs had identities). Throws when the file is there but unreadable.
    public func owner() throws -> CheckpointOwner? {
        let file = url.appendingPathComponent(Self.ownerFileName)
        guard DurableFile.size(of: file) != nil else { return nil }
        let data = try DurableFile.contents(of: file, limit: 64 << 10)
        do {
            return try JSONDecoder().decode(CheckpointOwner.self, from: data)
        } catch {
            throw CheckpointError.cannotRead(path: file.path, reason: "not an owner file ({\"run_id\", \"output_directory\"}): \(error); it names the run this checkpoint directory belongs to: restore it, or point checkpoint.directory at another folder")
        }
    }

    /// Makes `owner` this directory's run (creating the directory), or checks that it already is:
    /// throws `CheckpointError.cannotWrite` naming the run that owns it otherwise. The file is
    /// written under a temporary name, flushed and linked into place, so of two runs claiming at
    /// once exactly one wins.
    public func claim(_ owner: CheckpointOwner) throws {
        if let current = try self.owner() {
            try Self.refuse(current, claimedBy: owner, in: url)
            return
        }
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw CheckpointError.cannotWrite(path: url.path, reason: "\(error)")
        }
        let file = url.appendingPathComponent(Self.ownerFileName)
        let temp = url.appendingPathComponent(".owner.tmp-\(getpid())")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try encoder.encode(owner) + Data("\n".utf8)
        try json.withUnsafeBytes { try DurableFile.write([$0], to: temp) }
        defer { unlink(temp.path) }
        if link(temp.path, file.path) != 0 {
            guard errno == EEXIST, let current = try self.owner() else {
                throw CheckpointError.cannotWrite(path: file.path, reason: DurableFile.errnoText())
            }
            try Self.refuse(current, claimedBy: owner, in: url)
            return
        }
        try DurableFile.syncDirectory(url)
    }

    /// Throws unless `current` is `owner`'s run.
    private static func refuse(_ current: CheckpointOwner, claimedBy owner: CheckpointOwner, in url: URL) throws {
        guard current.runID != owner.runID else { return }
        throw CheckpointError.cannotWrite(path: url.path, reason: current.refusal)
    }
}

extension CheckpointOwner {
    /// Why another run may not write into this run's checkpoint directory, and what to do instead.
    public var refusal: String {
        "this checkpoint directory belongs to run \(runID) (output \(outputDirectory)); a checkpoint directory holds one run's "
            + "checkpoints, and another run would replace them. Continue that run with --resume auto --output \(outputDirectory), "
            + "or give this run its own: --set checkpoint.directory=<new folder> (unset: OUTPUT/checkpoints)"
    }
}
