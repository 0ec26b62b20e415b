import Foundation
import Timeline
import XCTest

/// A timeline keeps spans and instants on its own clock, stops at its limit and counts the rest,
/// and becomes a Chrome trace with one process per rank whose times are microseconds.
final class TimelineTests: XCTestCase {
    func testSpansAndInstantsBecomeChromeTraceEventsPerRank() throws {
        let timeline = Timeline()
        timeline.startClock()
        let o = timeline.origin
        timeline.currentStep = 7
        timeline.record("forward", from: o + 1_000, to: o + 3_500)
        timeline.record("all-reduce", from: o + 3_500, to: o + 4_000, bytes: 4096)
        timeline.mark("bucket 0 exchange started", track: .exchange, step: 8)
        let other = Timeline()
        other.startClock()
        other.record("update", from: other.origin, to: other.origin + 2_000_000)
        let document = try ChromeTrace.document(ranks: [try ChromeTrace.rankEvents(timeline, rank: 0, host: "a"),
                                                        try ChromeTrace.rankEvents(other, rank: 1, host: "b")])
        let root = try XCTUnwrap(try JSONSerialization.jsonObject(with: document) as? [String: Any])
        let events = try XCTUnwrap(root["traceEvents"] as? [[String: Any]])
        let names = events.filter { $0["ph"] as? String == "M" && $0["name"] as? String == "process_name" }
            .map { ($0["args"] as? [String: Any])?["name"] as? String }
        XCTAssertEqual(names, ["rank 0 (a)", "rank 1 (b)"])
        let forward = try XCTUnwrap(events.first { $0["name"] as? String == "forward" })
        XCTAssertEqual(forward["ph"] as? String, "X")
        XCTAssertEqual(forward["ts"] as? Double, 1.0)
        XCTAssertEqual(forward["dur"] as? Double, 2.5)
        XCTAssertEqual((forward["args"] as? [String: Any])?["step"] as? Int, 7)
        let reduce = try XCTUnwrap(events.first { $0["name"] as? String == "all-reduce" })
        XCTAssertEqual((reduce["args"] as? [String: Any])?["bytes"] as? Int, 4096)
        let bucket = try XCTUnwrap(events.first { ($0["name"] as? String)?.hasPrefix("bucket 0") == true })
        XCTAssertEqual(bucket["ph"] as? String, "i")
        XCTAssertEqual(bucket["tid"] as? Int, Timeline.Track.exchange.rawValue)
        XCTAssertEqual((bucket["args"] as? [String: Any])?["step"] as? Int, 8)
        let update = try XCTUnwrap(events.first { $0["name"] as? String == "update" })
        XCTAssertEqual(update["pid"] as? Int, 1)
        XCTAssertEqual(update["dur"] as? Double, 2000)
    }

    func testRecordingStopsAtTheLimitAndSaysHowManyWereDropped() throws {
        let timeline = Timeline(limit: 3)
        for _ in 0..<5 { timeline.mark("tick") }
        XCTAssertEqual(timeline.events.count, 3)
        XCTAssertEqual(timeline.dropped, 2)
        let events = try XCTUnwrap(try JSONSerialization.jsonObject(with: ChromeTrace.rankEvents(timeline, rank: 0, host: "h")) as? [[String: Any]])
        XCTAssertTrue(events.contains { $0["name"] as? String == "2 later events not recorded (limit 3)" })
        // a time before the origin is clamped to it, an end before the start to the start
        timeline.startClock()
        timeline.record("early", from: 0, to: 0)
        XCTAssertEqual(timeline.events.first?.start, 0)
        XCTAssertEqual(timeline.events.first?.end, 0)
    }

    func testARankThatSentNoListIsAnError() {
        XCTAssertThrowsError(try ChromeTrace.document(ranks: [Data("{}".utf8)]))
    }
}
