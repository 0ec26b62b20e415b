import Foundation

/// The Chrome trace-event format ("JSON Object Format" of the Trace Event Format document):
/// `{"traceEvents": [...], "displayTimeUnit": "ms"}` with one process per rank (`pid` = rank, named
/// `rank R (HOST)`), its threads the rank's tracks, spans as complete events (`"ph": "X"`, `ts` and
/// `dur` in microseconds) and instants as `"ph": "i"`.
public enum ChromeTrace {
    /// One rank's events as a JSON array, the part a rank sends to rank 0.
    public static func rankEvents(_ timeline: Timeline, rank: Int, host: String) throws -> Data {
        var objects: [[String: Any]] = [
            ["name": "process_name", "ph": "M", "pid": rank, "tid": 0, "args": ["name": "rank \(rank) (\(host))"]],
            ["name": "process_sort_index", "ph": "M", "pid": rank, "tid": 0, "args": ["sort_index": rank]],
            ["name": "thread_name", "ph": "M", "pid": rank, "tid": Timeline.Track.main.rawValue, "args": ["name": "work"]],
            ["name": "thread_name", "ph": "M", "pid": rank, "tid": Timeline.Track.exchange.rawValue, "args": ["name": "exchange"]],
        ]
        for e in timeline.events {
            var object: [String: Any] = ["name": e.name, "pid": rank, "tid": e.track.rawValue, "ts": Double(e.start) / 1000]
            if e.end > e.start {
                object["ph"] = "X"
                object["dur"] = Double(e.end - e.start) / 1000
            } else {
                object["ph"] = "i"
                object["s"] = "t"
            }
            var args: [String: Any] = [:]
            if let step = e.step { args["step"] = step }
            if let bytes = e.bytes { args["bytes"] = bytes }
            if !args.isEmpty { object["args"] = args }
            objects.append(object)
        }
        if timeline.dropped > 0 {
            objects.append(["name": "\(timeline.dropped) later events not recorded (limit \(timeline.limit))", "ph": "i", "s": "p",
                            "pid": rank, "tid": 0, "ts": Double(timeline.events.last?.end ?? 0) / 1000])
        }
        return try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys])
    }

    /// The whole trace from every rank's `rankEvents`, in rank order.
    public static func document(ranks: [Data]) throws -> Data {
        var events: [Any] = []
        for (r, data) in ranks.enumerated() {
            guard let array = try JSONSerialization.jsonObject(with: data) as? [Any] else {
                throw CocoaError(.coderReadCorrupt, userInfo: [NSDebugDescriptionErrorKey: "rank \(r) sent no event list"])
            }
            events += array
        }
        return try JSONSerialization.data(withJSONObject: ["traceEvents": events, "displayTimeUnit": "ms"], options: [.sortedKeys])
    }
}
