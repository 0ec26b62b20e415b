import Foundation
import RunConfig

extension RunDirectory {
    /// `--resume auto` when the checkpoint directory holds no complete checkpoint: a fresh start,
    /// allowed only where `check` allows one (a new or empty folder, or a start that never
    /// trained). A folder holding a run's results (`best/`, logged steps) is refused with
    /// `RunGuardError.nothingToResume`, naming what it holds, instead of being overwritten.
    /// Returns what `check` returns.
    @discardableResult
    public static func checkFreshStartInPlace(_ url: URL, checkpointDirectory: URL) throws -> [String] {
        do {
            return try check(url)
        } catch {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue,
                  !holdsOnlyStartFiles(url) else { throw error }
            throw RunGuardError.nothingToResume(url.path, holds: contentsSummary(url), checkpointDirectory: checkpointDirectory.path)
        }
    }

    /// What a run folder holds, for messages: `best/ (step 40, dev main score 53.70), metrics.jsonl
    /// (41 KB, last step 40, finished), curves.svg`.
    static func contentsSummary(_ url: URL) -> String {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [])
            .filter { !heldFiles.contains($0) && $0 != RunIdentity.fileName && $0 != ResolvedConfig.fileName }.sorted()
        let parts = names.prefix(6).map { name -> String in
            switch name {
            case "best":
                guard let stamp = RunIdentity.bestStamp(url) else { return "best/" }
                let score = stamp.score.map { String(format: ", dev main score %.2f", 100 * $0) } ?? ""
                return "best/ (step \(stamp.step)\(score))"
            case "metrics.jsonl":
                return "metrics.jsonl (" + metricsSummary(url.appendingPathComponent(name)) + ")"
            default:
                var isDirectory: ObjCBool = false
                _ = FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path, isDirectory: &isDirectory)
                return name + (isDirectory.boolValue ? "/" : "")
            }
        }
        return parts.joined(separator: ", ") + (names.count > 6 ? ", …" : "")
    }

    /// `41 KB, last step 40, finished` for a `metrics.jsonl` (finished: it ends with the throughput
    /// line a run writes last), from its last 256 KiB.
    private static func metricsSummary(_ url: URL) -> String {
        guard let handle = FileHandle(forReadingAtPath: url.path) else { return "unreadable" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 256 << 10 ? size - (256 << 10) : 0)
        let tail = (try? handle.readToEnd()) ?? Data()
        var lastStep: Int? = nil, finished = false
        for line in tail.split(separator: 0x0A) {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any] else { continue }
            if let step = object["step"] as? Int { lastStep = step }
            finished = object["type"] as? String == "throughput"
        }
        return ByteCountFormatter.string(fromByteCount: Int64(size), countStyle: .file)
            + (lastStep.map { ", last step \($0)" } ?? "") + (finished ? ", finished" : "")
    }
}
