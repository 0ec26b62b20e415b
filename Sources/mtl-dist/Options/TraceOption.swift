import ArgumentParser
import Foundation

/// `--trace FILE`: every rank's timeline as Chrome trace-event JSON. Shared by `train` and `bench step`.
struct TraceOption: ParsableArguments {
    @Option(help: ArgumentHelp("Write every rank's timeline (forward, backward, each exchange, waiting for ranks, update, evaluation, checkpoint saves) to FILE as Chrome trace-event JSON, one track per rank; open it in https://ui.perfetto.dev. Tracing adds a barrier before each blocking exchange, to tell waiting from transfer.", valueName: "FILE"))
    var trace: String?

    var url: URL? { trace.map { URL(fileURLWithPath: $0) } }

    func validate() throws {
        guard let url else { return }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("--trace \(url.path) is a folder: give a file name, e.g. \(url.appendingPathComponent("trace.json").path)")
        }
        let folder = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--trace \(url.path): the folder \(folder.path) does not exist; create it first")
        }
    }
}
