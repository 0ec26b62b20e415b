import Foundation

/// One rank's record of where a run's time went, for `--trace FILE`: named spans on a clock
/// (nanoseconds since an origin every rank takes just after the same barrier, so the ranks'
/// tracks line up), written as Chrome trace-event JSON (`ChromeTrace`) that Perfetto and
/// chrome://tracing open, as Horovod's timeline is.
///
/// Recording is bounded: past `limit` events the rest are counted in `dropped`, not kept, so a long
/// run cannot grow the trace without end.
public final class Timeline {
    /// A rank's tracks: its own work, and the exchanges it started that run beside it.
    public enum Track: Int {
        case main = 0, exchange = 1
    }

    /// One span (`end > start`) or instant (`end == start`).
    public struct Event: Equatable {
        public let name: String
        public let track: Track
        /// Nanoseconds since the origin.
        public let start: UInt64, end: UInt64
        /// The training step the event belongs to, if any.
        public let step: Int?
        /// Bytes the event moved, for exchanges.
        public let bytes: Int?
    }

    /// The largest number of events kept.
    public let limit: Int
    public private(set) var events: [Event] = []
    /// Events not kept because `limit` was reached.
    public private(set) var dropped = 0
    /// The clock reading every time is measured from.
    public private(set) var origin: UInt64
    /// The training step events recorded now belong to (their `step` unless given), set by the loop.
    public var currentStep: Int? = nil

    /// A timeline whose origin is now; `limit` at least 1.
    public init(limit: Int = 500_000) {
        precondition(limit >= 1, "a timeline keeps at least one event")
        self.limit = limit
        origin = Timeline.now
    }

    /// The monotonic clock, in nanoseconds.
    public static var now: UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// Measures every later time from now (call it on every rank right after a barrier); events
    /// recorded before are dropped.
    public func startClock() {
        origin = Timeline.now
        events.removeAll(keepingCapacity: true)
        dropped = 0
    }

    /// Records `name` from clock reading `start` to `end` (readings of `Timeline.now`).
    public func record(_ name: String, from start: UInt64, to end: UInt64, track: Track = .main, step: Int? = nil, bytes: Int? = nil) {
        guard events.count < limit else { dropped += 1; return }
        let s = start > origin ? start - origin : 0, e = end > origin ? end - origin : 0
        events.append(Event(name: name, track: track, start: s, end: max(s, e), step: step ?? currentStep, bytes: bytes))
    }

    /// Records the instant `name` now.
    public func mark(_ name: String, track: Track = .main, step: Int? = nil, bytes: Int? = nil) {
        let now = Timeline.now
        record(name, from: now, to: now, track: track, step: step, bytes: bytes)
    }

    /// Runs `body`, recording it as `name`.
    public func span<T>(_ name: String, track: Track = .main, step: Int? = nil, _ body: () throws -> T) rethrows -> T {
        let start = Timeline.now
        defer { record(name, from: start, to: Timeline.now, track: track, step: step) }
        return try body()
    }
}
