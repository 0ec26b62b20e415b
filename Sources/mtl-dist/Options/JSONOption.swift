import ArgumentParser
import Foundation
import TextIO

/// `--json`: one JSON object instead of a table or text. Shared by `evaluate`, `checkpoint
/// inspect` and every `bench` mode.
struct JSONOption: ParsableArguments {
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    /// Writes `object` as one line of JSON with sorted keys (`--json`), else `text`, to standard output.
    func emit(_ object: [String: Any], text: @autoclosure () -> String) throws {
        if json {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            try TextWriter.standardOutput.writeLine(String(decoding: data, as: UTF8.self))
        } else {
            try TextWriter.standardOutput.writeLine(text())
        }
    }
}
