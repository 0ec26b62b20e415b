import Foundation
import RegularFiles

/// What is wrong with the files a report is drawn from: where, what was expected, what was found,
/// and what to do.
public enum ReportError: Error, CustomStringConvertible, Equatable {
    /// A required input file is missing or unreadable.
    case cannotRead(path: String, reason: String)
    /// A line is not the JSON object expected, or lacks a field.
    case badLine(path: String, line: Int, expected: String, found: String)
    /// The inputs hold nothing to report.
    case empty(path: String, expected: String)
    /// An output file could not be written.
    case cannotWrite(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotRead(path, reason):
            return "\(path): cannot read (\(reason)); run the sweep (launch/scaling.sh) or the training that writes it first"
        case let .badLine(path, line, expected, found):
            return "\(path):\(line): expected \(expected), found \(found); the file was not written by this version of "
                + "mtl-dist or was cut short: remove the line or rerun"
        case let .empty(path, expected):
            return "\(path): expected \(expected), found none; rerun the command that writes it"
        case let .cannotWrite(path, reason):
            return "\(path): cannot write (\(reason)); check that the folder exists and is writable"
        }
    }
}

/// Writes `text` to `url` under a temporary name, then renames it into place, so a reader sees the
/// old file or the new one, never half of one.
public func writeAtomically(_ text: String, to url: URL) throws {
    do {
        try Data(text.utf8).write(to: url, options: .atomic)
    } catch {
        throw ReportError.cannotWrite(path: url.path, reason: "\(error)")
    }
}

/// The lines of a JSON-lines file, each parsed to an object, with 1-based line numbers; blank
/// lines are skipped.
func readJSONLines(_ url: URL) throws -> [(line: Int, object: [String: Any])] {
    var out: [(Int, [String: Any])] = []
    try forEachJSONLine(url, maxLineBytes: 1 << 20) { out.append(($0, $1)) }
    return out
}

/// Streams a JSON-lines file (a regular file, read by `RegularFile.forEachLine`), calling `body`
/// with each non-blank line's 1-based number and object; memory is bounded by one line.
func forEachJSONLine(_ url: URL, maxLineBytes: Int, _ body: (Int, [String: Any]) throws -> Void) throws {
    do {
        try RegularFile.forEachLine(of: url.path, maxLineBytes: maxLineBytes) { number, bytes in
            // skip blank lines (spaces, tabs, a CR)
            guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { return }
            let data = Data(bytes)
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw ReportError.badLine(path: url.path, line: number, expected: "one JSON object",
                                          found: String(decoding: data.prefix(60), as: UTF8.self))
            }
            try body(number, object)
        }
    } catch let problem as FileProblem {
        throw ReportError.cannotRead(path: url.path, reason: problem.reason)
    }
}

/// Per position, the median over the longest of `lists` (the others left out: a list cut short
/// is not comparable position by position); empty when every list is.
public func medianPerPosition(_ lists: [[Double]]) -> [Double] {
    guard let count = lists.map(\.count).max(), count > 0 else { return [] }
    let complete = lists.filter { $0.count == count }
    return (0..<count).map { i in median(complete.map { $0[i] }) }
}

/// `items` in groups of equal `key`, each group in the order its items came and the groups in the
/// order their first items came.
func groupedInOrder<T, Key: Hashable>(_ items: [T], by key: (T) -> Key) -> [[T]] {
    var index: [Key: Int] = [:], groups: [[T]] = []
    for item in items {
        let k = key(item)
        if let i = index[k] { groups[i].append(item) } else { index[k] = groups.count; groups.append([item]) }
    }
    return groups
}

/// The median of `values` (the mean of the middle two for an even count); 0 when empty.
func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
