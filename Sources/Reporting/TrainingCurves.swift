import Foundation

/// The training curves of a run folder, drawn from its `metrics.jsonl`: each task's training loss
/// (`train` lines) and dev score (`eval` lines) against the step, as `curves.svg`.
public struct TrainingCurves {
    /// Per task, (step, mean training loss).
    public var loss: [String: [(x: Double, y: Double)]] = [:]
    /// Per task, (step, dev score in %): F1 for span tasks, LAS for dependency tasks, accuracy otherwise.
    public var devScore: [String: [(x: Double, y: Double)]] = [:]
    /// Task names in the order they first appear.
    public var tasks: [String] = []

    /// The file name the curves are written to inside a run folder.
    public static let fileName = "curves.svg"

    /// Points kept per series: a longer run is thinned evenly (every 2nd, 4th, ... point, and its
    /// last), so memory and drawing stay bounded whatever the length of `metrics.jsonl`.
    public static let maxPointsPerSeries = 2000
    /// Longest line read (bytes); a longer one is refused with its number.
    public static let maxLineBytes = 1 << 20

    /// Reads `metrics.jsonl` line by line (never whole); lines of other types are skipped,
    /// malformed lines throw. Steps must be finite and ≥ 0, values finite.
    public init(metrics url: URL) throws {
        var lossSeries: [String: ThinnedSeries] = [:], devSeries: [String: ThinnedSeries] = [:]
        try forEachJSONLine(url, maxLineBytes: Self.maxLineBytes) { line, object in
            guard let type = object["type"] as? String else {
                throw ReportError.badLine(path: url.path, line: line, expected: "a \"type\"",
                                          found: String(describing: object).prefix(80).description)
            }
            guard type == "train" || type == "eval" else { return }
            guard let step = (object["step"] as? NSNumber)?.doubleValue, step.isFinite, step >= 0 else {
                throw ReportError.badLine(path: url.path, line: line, expected: "a \"step\" ≥ 0 in a \(type) line",
                                          found: String(describing: object).prefix(80).description)
            }
            func value(_ v: Any?, _ what: String) throws -> Double? {
                guard let number = (v as? NSNumber)?.doubleValue else { return nil }
                guard number.isFinite else {
                    throw ReportError.badLine(path: url.path, line: line, expected: "a finite \(what)", found: "\(number)")
                }
                return number
            }
            if type == "train" {
                guard let losses = object["loss"] as? [String: Any] else {
                    throw ReportError.badLine(path: url.path, line: line, expected: "\"loss\": {task: value}", found: "no loss object")
                }
                for (task, v) in losses.sorted(by: { $0.key < $1.key }) {
                    guard let y = try value(v, "loss") else { continue }
                    note(task)
                    lossSeries[task, default: ThinnedSeries(capacity: Self.maxPointsPerSeries)].append((x: step, y: y))
                }
            } else {
                guard let tasks = object["tasks"] as? [String: Any] else {
                    throw ReportError.badLine(path: url.path, line: line, expected: "\"tasks\": {task: scores}", found: "no tasks object")
                }
                for (task, v) in tasks.sorted(by: { $0.key < $1.key }) {
                    guard let scores = v as? [String: Any], let y = try value(scores["f1"] ?? scores["las"] ?? scores["accuracy"], "score") else { continue }
                    note(task)
                    devSeries[task, default: ThinnedSeries(capacity: Self.maxPointsPerSeries)].append((x: step, y: 100 * y))
                }
            }
        }
        loss = lossSeries.mapValues(\.points)
        devScore = devSeries.mapValues(\.points)
    }

    private mutating func note(_ task: String) {
        if !tasks.contains(task) { tasks.append(task) }
    }

    /// Two panels: training loss and dev score against the step, a line per task.
    public var figure: SVGFigure {
        let lossSeries = tasks.compactMap { t in loss[t].map { SVGChart.Series(name: t, points: $0, style: .line) } }
        let devSeries = tasks.compactMap { t in devScore[t].map { SVGChart.Series(name: t, points: $0, style: .line) } }
        return SVGFigure(panels: [
            SVGChart(title: "Training loss", xLabel: "step", yLabel: "mean loss per sentence", series: lossSeries),
            SVGChart(title: "Dev score", xLabel: "step", yLabel: "F1 (span tasks), LAS (dependency) or accuracy, %", series: devSeries, yFromZero: false),
        ])
    }

    /// Redraws `RUN_DIR/curves.svg` from `RUN_DIR/metrics.jsonl` (atomically); returns its URL.
    @discardableResult
    public static func redraw(runDirectory: URL) throws -> URL {
        let curves = try TrainingCurves(metrics: runDirectory.appendingPathComponent("metrics.jsonl"))
        let url = runDirectory.appendingPathComponent(fileName)
        try writeAtomically(curves.figure.svg, to: url)
        return url
    }
}
