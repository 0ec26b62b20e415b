import Checkpointing
import Foundation
import ModelFiles

/// A run's identity: an id made when the run first starts, kept in its folder (`OUTPUT/run-id`),
/// in its checkpoint directory (`owner.json`, see `CheckpointOwner`) and in every checkpoint's
/// manifest (`training.run_id`). It decides what belongs to whom: a checkpoint directory is written
/// by its own run only, `--resume auto` continues only the run the folder holds, and a resume into
/// a new folder copies the original folder's `best/` and metrics only from the same run.
public enum RunIdentity {
    /// The file holding the id in the run folder.
    public static let fileName = "run-id"

    /// A new id (a random UUID).
    public static func make() -> String { UUID().uuidString }

    /// The id kept in the run folder `output`, nil when there is none (or it is not one line of at
    /// most 64 printable characters).
    public static func read(_ output: URL) -> String? {
        guard let data = try? DurableFile.contents(of: output.appendingPathComponent(fileName), limit: 256),
              let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
              !text.isEmpty, text.count <= 64, text.allSatisfy({ $0.isASCII && !$0.isWhitespace }) else { return nil }
        return text
    }

    /// Writes `id` into the run folder `output` (flushed, renamed into place).
    public static func write(_ id: String, to output: URL) throws {
        do { try DurableFile.replace(output.appendingPathComponent(fileName), with: Data((id + "\n").utf8)) } catch {
            throw TrainingError.cannotWrite(output.appendingPathComponent(fileName).path, reason: "\(error)")
        }
    }

    /// The id of the run starting in `output` (rank 0, before anything is written), after checking
    /// that it may use `checkpointDirectory`:
    /// - continuing in place from `reader` (`--resume auto`): the folder's id; the checkpoint must
    ///   carry it. A folder without an id (written before runs had ids, or never started) continues
    ///   only a checkpoint written from this very folder;
    /// - `--resume auto` without a checkpoint: the folder's id (a start that never trained left it), or a new one;
    /// - any other start: a new id.
    /// Then the directory must be this run's, or nobody's and hold no complete checkpoint of an
    /// unknown run. Throws `RunGuardError.anotherRun` naming the other run and what to do.
    public static func resolve(output: URL, checkpointDirectory: URL, reader: CheckpointReader<CheckpointRecord>?,
                               continuesInPlace: Bool) throws -> String {
        let folderID = read(output)
        let directory = CheckpointDirectory(url: checkpointDirectory)
        let owner = try directory.owner()
        let id: String
        if continuesInPlace, let reader {
            let record = reader.manifest.training
            let fromHere = samePath(record.outputDirectory, output.path)
            if let folderID {
                id = folderID
            } else if fromHere {
                id = record.runID ?? owner?.runID ?? make()
            } else {
                throw RunGuardError.anotherRun(reader.directory.path, reason: "this checkpoint was written by the run in \(record.outputDirectory)"
                    + (record.runID.map { " (run \($0))" } ?? "") + ", not by a run in \(output.path). "
                    + "Continue it there (--resume auto --output \(record.outputDirectory)), or continue from it into this folder with "
                    + "--resume \(reader.directory.path) --output \(output.path) and a checkpoint.directory of its own")
            }
            if let saved = record.runID, saved != id {
                throw RunGuardError.anotherRun(reader.directory.path, reason: "this checkpoint belongs to run \(saved) (output \(record.outputDirectory)), "
                    + "but \(output.path) holds run \(id); --resume auto continues the folder's own run only. "
                    + "Point checkpoint.directory at this run's checkpoints, or continue that run in its own folder")
            }
        } else if continuesInPlace {
            // no checkpoint to continue: the folder's own run (its lock is held, so it is not running) starts over
            id = folderID ?? make()
        } else {
            id = make()
        }
        if let owner, owner.runID != id {
            throw RunGuardError.anotherRun(checkpointDirectory.path, reason: owner.refusal)
        }
        let foreign = directory.complete()
        if owner == nil, !(continuesInPlace && reader != nil), let newest = foreign.last {
            throw RunGuardError.anotherRun(checkpointDirectory.path, reason: "this checkpoint directory already holds checkpoints "
                + "(\(foreign.map { $0.url.lastPathComponent }.joined(separator: ", "))) of a run this one does not continue, which it would replace. "
                + "Continue from them with --resume \(newest.url.path), or give this run its own: --set checkpoint.directory=<new folder>")
        }
        return id
    }

    /// What proves `best/` of the run folder `output` is the model a checkpoint records: the step
    /// and checksum in its `model.json` (and its dev main score), nil when there is no readable `best/`.
    public static func bestStamp(_ output: URL) -> (step: Int, checksum: String, score: Double?)? {
        struct Stamp: Decodable {
            struct Metadata: Decodable {
                let step: Int
                let devMainScore: Double?
                enum CodingKeys: String, CodingKey { case step, devMainScore = "dev_main_score" }
            }
            let checksum: String
            let metadata: Metadata
        }
        let file = output.appendingPathComponent("best/model.json")
        guard let data = try? DurableFile.contents(of: file, limit: LayoutLimits.maxJSONBytes),
              let stamp = try? JSONDecoder().decode(Stamp.self, from: data) else { return nil }
        return (stamp.metadata.step, stamp.checksum, stamp.metadata.devMainScore)
    }

    /// Why the run folder `original` named by a checkpoint's `record` is not proven to be the run
    /// that wrote it (its id differs or is missing), nil when it is.
    static func notSameRun(_ original: URL, record: CheckpointRecord) -> String? {
        guard let saved = record.runID else {
            return "the checkpoint records no run id (written by an older version), so \(original.path) cannot be proven to be its run"
        }
        guard let found = read(original) else {
            return "\(original.path) holds no \(fileName) (it is gone, or another program's folder)"
        }
        return found == saved ? nil : "\(original.path) now holds run \(found), not the checkpoint's run \(saved)"
    }

    /// Whether two paths name the same folder (after resolving `.`, `..` and symbolic links).
    static func samePath(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).resolvingSymlinksInPath().standardizedFileURL.path
            == URL(fileURLWithPath: b).resolvingSymlinksInPath().standardizedFileURL.path
    }
}

extension RunIdentity {
    /// Into the new folder `output` of a run resumed from a checkpoint with `record`: the lines of
    /// the original folder's `metrics.jsonl` up to the checkpoint's step and its `best/`, each only
    /// when proven to be the checkpoint's run (the folder's id is the record's, and `best/` has the
    /// step and checksum the record holds); returns, for the log, what was not copied and why.
    static func copyFromOriginal(_ record: CheckpointRecord, into output: URL) throws -> [String] {
        let metrics = output.appendingPathComponent("metrics.jsonl")
        let original = URL(fileURLWithPath: record.outputDirectory)
        if let reason = notSameRun(original, record: record) {
            try MetricsLog.keepLines(upTo: 0, from: metrics, to: metrics)
            return ["resume: not copied from \(original.path): metrics.jsonl (this folder's starts after step \(record.step)) and best/, because \(reason)"]
        }
        try MetricsLog.keepLines(upTo: record.step, from: original.appendingPathComponent("metrics.jsonl"), to: metrics)
        guard let step = record.bestStep else { return [] }
        let best = original.appendingPathComponent("best")
        guard let stamp = bestStamp(original) else {
            return ["resume: best/ (step \(step)) not copied: \(best.path) is missing or unreadable"]
        }
        guard stamp.step == step, let saved = record.bestChecksum, stamp.checksum == saved else {
            return ["resume: best/ not copied: \(best.path) holds step \(stamp.step) (checksum \(stamp.checksum)), "
                    + "the checkpoint records the best model of step \(step) (checksum \(record.bestChecksum ?? "not recorded"))"]
        }
        do {
            try FileManager.default.copyItem(at: best, to: output.appendingPathComponent("best"))
        } catch {
            throw TrainingError.cannotWrite(output.appendingPathComponent("best").path, reason: "copying \(best.path): \(error)")
        }
        return []
    }
}
