import Collective
import Foundation

/// Saves sharded checkpoints into a `CheckpointDirectory`, atomically, with every rank writing its
/// own slice in parallel:
///
/// 1. rank 0 removes leftovers of interrupted saves and creates `.step-<N>.partial/`;
/// 2. rank r writes its slice `shardRange(total: parameterCount, rank: r, worldSize: W)` of every
///    block of the state (the parameters, then each optimizer buffer) to `shard-<r>-of-<W>.bin`
///    there and flushes it (fsync); it needs nothing from the other ranks, so a rank holding
///    optimizer state for its slice only (a sharded update) writes what it holds;
/// 3. the ranks meet: a shared failure check, and a sum that brings every block's CRC to rank 0;
/// 4. rank 0 writes and flushes `manifest.json`, flushes the folder, renames it to `step-<N>/`,
///    flushes the parent, and only then replaces `latest` (by rename); then it deletes all but the
///    newest `keep` complete checkpoints, each first renamed to a leftover name (`.step-<N>.removing`),
///    so a kill during a deletion leaves a leftover, never a `step-<N>/` missing some files.
///
/// A process killed at any point leaves the previous checkpoint and `latest` as they were (at
/// worst a `.partial` folder, which loading ignores). Collective: every rank calls `save` with the
/// same step; a failure on any rank throws `CheckpointError.saveFailed` on all of them.
public struct CheckpointWriter {
    /// The moments of a save, for tests that stop a rank there (`onPhase`).
    public enum Phase: String, CaseIterable, Sendable {
        /// This rank's shard is written and flushed; the ranks have not met yet.
        case shardWritten = "shard-written"
        /// The ranks have met; rank 0 has every checksum.
        case ranksMet = "ranks-met"
        /// Rank 0 has written the manifest into the temporary folder.
        case manifestWritten = "manifest-written"
        /// Rank 0 has renamed the folder into place; `latest` is not replaced yet.
        case renamed
        /// Rank 0 has replaced `latest`; old checkpoints are not deleted yet.
        case latestReplaced = "latest-replaced"
        /// Rank 0 has renamed an old checkpoint to its leftover name; it is not deleted yet.
        case oldRenamed = "old-renamed"
    }

    public let directory: CheckpointDirectory
    /// Complete checkpoints to keep (≥ 1).
    public let keep: Int
    /// The run saving (rank 0's; nil on the other ranks): the directory is claimed for it before
    /// anything is written there, and a directory of another run is refused (`CheckpointOwner`).
    public var owner: CheckpointOwner?
    /// Called on each rank at each phase it reaches, with the step saved (tests end the process there).
    public var onPhase: (Phase, Int) -> Void = { _, _ in }

    public init(directory: URL, keep: Int) {
        precondition(keep >= 1, "CheckpointWriter: keep must be ≥ 1, got \(keep)")
        self.directory = CheckpointDirectory(url: directory)
        self.keep = keep
    }

    /// The name of rank `rank`'s shard file in a checkpoint of `worldSize` ranks.
    public static func shardFileName(rank: Int, worldSize: Int) -> String { "shard-\(rank)-of-\(worldSize).bin" }

    /// Saves the checkpoint of `step` and returns its folder: `blocks` are this rank's slice
    /// (`shardRange(total: parameterCount, rank:, worldSize:)`) of the parameters, then of each
    /// optimizer buffer (none when `optimizer.bufferLength` is 0), each as long as the slice.
    /// `tensors` and `optimizer` describe the whole state; `record` is called on rank 0 only. A
    /// complete checkpoint of `step` already there (from an earlier attempt) is replaced by one
    /// atomic swap.
    public func save<Record: Codable>(step: Int, blocks: [UnsafeBufferPointer<Float>], parameterCount: Int,
                                      tensors: [CheckpointManifest<Record>.Tensor],
                                      optimizer: CheckpointManifest<Record>.Optimizer,
                                      communicator: Communicator, record: () throws -> Record) throws -> URL {
        let rank = communicator.rank, world = communicator.worldSize
        let slice = shardRange(total: parameterCount, rank: rank, worldSize: world)
        let blockCount = 1 + (optimizer.bufferLength > 0 ? optimizer.buffers.count : 0)
        precondition(optimizer.bufferLength == 0 || optimizer.bufferLength == parameterCount,
                     "CheckpointWriter: buffers of \(optimizer.bufferLength) floats for \(parameterCount) parameters")
        precondition(blocks.count == blockCount && blocks.allSatisfy { $0.count == slice.count },
                     "CheckpointWriter: blocks of \(blocks.map(\.count)) floats, expected \(blockCount) of rank \(rank)'s slice \(slice)")
        let dir = directory.url
        let final = dir.appendingPathComponent(CheckpointDirectory.folderName(step: step))
        let temp = dir.appendingPathComponent(".\(CheckpointDirectory.folderName(step: step)).partial")

        // 1. rank 0 prepares the temporary folder
        var local: String? = nil
        if rank == 0 {
            do {
                try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                if let owner { try directory.claim(owner) }
                for leftover in directory.leftovers() { try FileManager.default.removeItem(at: leftover) }
                try FileManager.default.createDirectory(at: temp, withIntermediateDirectories: false)
            } catch {
                local = "\(dir.path): \(error)"
            }
        }
        try agree(local, communicator)

        // 2. every rank writes its slice of every block
        let parts = blocks.map { UnsafeRawBufferPointer($0) }
        let crcs = parts.map { CRC32C.checksum($0) }
        do {
            try DurableFile.write(parts, to: temp.appendingPathComponent(Self.shardFileName(rank: rank, worldSize: world)))
        } catch {
            local = "\(error)"
        }
        onPhase(.shardWritten, step)
        // 3. the ranks meet; each CRC reaches rank 0 in its rank's slots of a sum
        try agree(local, communicator)
        var all = [Double](repeating: 0, count: world * blockCount)
        for (b, crc) in crcs.enumerated() { all[rank * blockCount + b] = Double(crc) }
        try all.withUnsafeMutableBufferPointer { try communicator.allReduceSum($0) }
        onPhase(.ranksMet, step)

        // 4. rank 0 commits
        if rank == 0 {
            do {
                let shards = (0..<world).map { r -> CheckpointManifest<Record>.Shard in
                    let range = shardRange(total: parameterCount, rank: r, worldSize: world)
                    return .init(file: Self.shardFileName(rank: r, worldSize: world), rank: r, parameterOffset: range.lowerBound,
                                 parameterCount: range.count, size: 4 * range.count * blockCount,
                                 checksums: (0..<blockCount).map { CRC32C.text(UInt32(all[r * blockCount + $0])) })
                }
                let manifest = CheckpointManifest(step: step, worldSize: world, parameterCount: parameterCount,
                                                  tensors: tensors, optimizer: optimizer, shards: shards, training: try record())
                let json = try manifest.sealedJSON()
                try json.withUnsafeBytes { try DurableFile.write([$0], to: CheckpointReader<Record>.manifestURL(in: temp)) }
                try DurableFile.syncDirectory(temp)
                onPhase(.manifestWritten, step)
                if FileManager.default.fileExists(atPath: final.path) {
                    // a checkpoint of this step from an earlier attempt: swapped out in one step
                    guard DurableFile.exchange(temp, final) else {
                        throw CheckpointError.cannotWrite(path: final.path, reason: "exists already and cannot be swapped atomically; remove it")
                    }
                    try DurableFile.syncDirectory(dir)
                    try FileManager.default.removeItem(at: temp)
                } else {
                    try DurableFile.rename(temp, to: final)
                }
                try DurableFile.syncDirectory(dir)
                onPhase(.renamed, step)
                let latest = dir.appendingPathComponent("latest")
                let latestTemp = dir.appendingPathComponent(".latest.tmp-\(getpid())")
                try Data((final.lastPathComponent + "\n").utf8).withUnsafeBytes { try DurableFile.write([$0], to: latestTemp) }
                try DurableFile.rename(latestTemp, to: latest)
                try DurableFile.syncDirectory(dir)
                onPhase(.latestReplaced, step)
                for old in directory.complete().dropLast(keep) where old.url != final {
                    try directory.remove(old.url) { onPhase(.oldRenamed, step) }
                }
            } catch {
                local = "\(error)"
            }
        }
        try agree(local, communicator)
        return final
    }

    private func agree(_ local: String?, _ communicator: Communicator) throws {
        if let failure = try communicator.agreeOnFailure(local) {
            throw CheckpointError.saveFailed(rank: failure.rank, message: failure.message)
        }
    }
}
