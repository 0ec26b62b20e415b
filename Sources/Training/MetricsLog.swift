import Foundation

/// Appends one JSON object per line to `metrics.jsonl` (training lines every `log_every` steps,
/// evaluation lines after each evaluation), flushing each line so a crash loses nothing written.
public final class MetricsLog {
    private let handle: FileHandle
    public let url: URL

    /// Opens `url` for appending, creating it when missing.
    public init(url: URL) throws {
        self.url = url
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw TrainingError.cannotWrite(url.path, reason: "could not create the file")
            }
        }
        do {
            handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
        } catch {
            throw TrainingError.cannotWrite(url.path, reason: "\(error)")
        }
    }

    deinit { try? handle.close() }

    /// Writes `object` as one line of JSON with sorted keys.
    public func append(_ object: [String: Any]) throws {
        do {
            var data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            data.append(0x0A)
            try handle.write(contentsOf: data)
        } catch {
            throw TrainingError.cannotWrite(url.path, reason: "\(error)")
        }
    }

    /// Writes the lines of `source` whose `step` is at most `step` to `destination` (replacing it
    /// atomically): what a run resumed at `step` continues from, so no step is logged twice or
    /// missing. A missing `source` gives an empty file; lines that do not parse are dropped.
    public static func keepLines(upTo step: Int, from source: URL, to destination: URL) throws {
        var kept = Data()
        if let data = FileManager.default.contents(atPath: source.path) {
            for line in data.split(separator: 0x0A, omittingEmptySubsequences: true) {
                guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                      let s = object["step"] as? Int, s <= step else { continue }
                kept.append(contentsOf: line)
                kept.append(0x0A)
            }
        }
        do {
            try kept.write(to: destination, options: .atomic)
        } catch {
            throw TrainingError.cannotWrite(destination.path, reason: "\(error)")
        }
    }

    /// Removes from `url` the lines at `step` marked `"end_of_run": true`: written because a run
    /// ended there, and not what a run that goes on from `step` would have written. A missing file
    /// is left missing.
    public static func dropEndOfRunLines(at step: Int, in url: URL) throws {
        guard let data = FileManager.default.contents(atPath: url.path) else { return }
        var kept = Data()
        for line in data.split(separator: 0x0A, omittingEmptySubsequences: true) {
            let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any]
            if let object, object["step"] as? Int == step, object["end_of_run"] as? Bool == true { continue }
            kept.append(contentsOf: line)
            kept.append(0x0A)
        }
        guard kept.count != data.count else { return }
        do {
            try kept.write(to: url, options: .atomic)
        } catch {
            throw TrainingError.cannotWrite(url.path, reason: "\(error)")
        }
    }
}
