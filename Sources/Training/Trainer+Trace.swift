import Collective
import Foundation
import Timeline

extension Trainer {
    /// Starts the timeline of `--trace` on every rank when rank 0 traces (rank 0's request decides
    /// for all: ranks are not assumed to have been started alike), its clock taken just after a
    /// barrier so the ranks' tracks line up. Collective.
    public func startTimeline(_ wanted: Bool) throws {
        let decided = try communicator.broadcast(message: [wanted ? 1 : 0], root: 0, limit: 1)
        guard decided.first == 1 else { timeline = nil; return }
        let timeline = Timeline()
        try communicator.barrier()
        timeline.startClock()
        self.timeline = timeline
    }

    /// Rank 0 collects every rank's events, in rank order, and writes the Chrome trace to `url`
    /// (atomically); returns the number of events written on rank 0, nil elsewhere or without a
    /// timeline. Collective when tracing; every rank learns whether the write failed.
    @discardableResult
    public func writeTimeline(to url: URL?) throws -> Int? {
        guard let timeline else { return nil }
        let host = ProcessInfo.processInfo.hostName
        var mine: Data? = nil, failure: String? = nil
        do { mine = try ChromeTrace.rankEvents(timeline, rank: communicator.rank, host: host) } catch { failure = "\(error)" }
        if let agreed = try communicator.agreeOnFailure(failure) {
            throw TrainingError.failedOnRank(rank: agreed.rank, worldSize: communicator.worldSize, message: "the trace: \(agreed.message)")
        }
        var ranks: [Data] = []
        for r in 0..<communicator.worldSize {
            let bytes = try communicator.broadcast(message: r == communicator.rank ? Array(mine!) : [], root: r, limit: 1 << 28)
            if communicator.isRoot { ranks.append(Data(bytes)) }
        }
        var written: Int? = nil
        if communicator.isRoot, let url {
            do {
                let document = try ChromeTrace.document(ranks: ranks)
                try document.write(to: url, options: .atomic)
                written = timeline.events.count
            } catch {
                failure = "cannot write the trace \(url.path): \(error)"
            }
        }
        if let agreed = try communicator.agreeOnFailure(failure) {
            throw TrainingError.failedOnRank(rank: agreed.rank, worldSize: communicator.worldSize, message: agreed.message)
        }
        return written
    }

    /// Runs `body`, recorded on the timeline as `name` when tracing.
    public func traced<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
        guard let timeline else { return try body() }
        return try timeline.span(name, body)
    }
}
