import ArgumentParser
import Collective
import Foundation
import TextIO

/// `mtl-dist collective-check` (hidden): runs every collective on known per-rank data, under
/// `mpirun` (MPI) or alone (single process), and prints one JSON line per rank:
/// `{"rank":R,"world_size":W,"ok":true,"checks":[{"name":…,"ok":…},…]}`.
///
/// A failure on any rank (a failed check, or `--fail-on-rank R`, which makes rank R fail before
/// the first collective the way a bad config or checkpoint would) is shared through
/// `agreeOnFailure`: every rank prints `"ok":false` with `"failed_rank"`, rank 0 alone prints the
/// message on stderr, the ranks meet at a barrier (so none exits before those lines are out), and
/// all ranks exit non-zero after `MPI_Finalize`, so the job never hangs.
struct CollectiveCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collective-check",
        abstract: "Check every MPI collective on known per-rank data (for tests; run under mpirun).",
        shouldDisplay: false)

    @Option(help: "Make this rank report a local error before the first collective.")
    var failOnRank: Int?

    func validate() throws {
        if let failOnRank, failOnRank < 0 {
            throw ValidationError("--fail-on-rank must be a rank (0 or more), found \(failOnRank)")
        }
    }

    func run() throws {
        let communicator = try makeCommunicator(environment: ProcessInfo.processInfo.environment)
        // A CollectiveError thrown here leaves the ranks out of step: exit without MPI_Finalize
        // (a collective that could wait forever) and let mpirun end the other ranks.
        let (checks, failure) = try runChecks(communicator)
        if let failure {
            // every rank fails; every rank reports and rank 0 prints the shared message before any
            // rank can exit (mpirun ends the job at the first non-zero exit)
            try report(communicator, checks: checks, ok: false, failedRank: failure.rank)
            let exit = communicator.exitTogether(after: CollectiveCheckFailure(rank: failure.rank, message: failure.message))
            try communicator.finalize()
            throw exit
        }
        try communicator.finalize()
        let afterFinalize = useAfterFinalizeThrows(communicator)
        try report(communicator, checks: checks + [afterFinalize], ok: afterFinalize.ok, failedRank: nil)
        if !afterFinalize.ok { throw CollectiveCheckFailure(rank: communicator.rank, message: afterFinalize.detail ?? "") }
    }

    /// This rank's JSON line on stdout.
    private func report(_ communicator: any Communicator, checks: [CollectiveCheckResult], ok: Bool, failedRank: Int?) throws {
        var report: [String: Any] = ["rank": communicator.rank, "world_size": communicator.worldSize,
                                     "ok": ok, "checks": checks.map(\.json)]
        if let failedRank { report["failed_rank"] = failedRank }
        let line = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
        // out before any rank can exit (see exitTogether)
        try TextWriter.standardOutput.writeLine(String(decoding: line, as: UTF8.self))
        try TextWriter.standardOutput.flush()
    }

    /// The local pre-flight status is agreed first (as training does before its first collective);
    /// only when every rank is fine do the checks run, and their outcome is agreed again.
    private func runChecks(_ communicator: any Communicator) throws
        -> (checks: [CollectiveCheckResult], failure: (rank: Int, message: String)?) {
        var local: String?
        if let failOnRank, failOnRank >= communicator.worldSize, communicator.isRoot {
            local = "--fail-on-rank \(failOnRank) is not a rank of this run (world size \(communicator.worldSize))"
        } else if failOnRank == communicator.rank {
            local = "injected failure (--fail-on-rank \(communicator.rank))"
        }
        if let failure = try communicator.agreeOnFailure(local) { return ([], failure) }

        let checks = try CollectiveChecks(communicator: communicator).run()
        let failed = checks.filter { !$0.ok }
        let summary = failed.isEmpty ? nil : failed.map { "\($0.name): \($0.detail ?? "")" }.joined(separator: "; ")
        return (checks, try communicator.agreeOnFailure(summary))
    }

    private func useAfterFinalizeThrows(_ communicator: any Communicator) -> CollectiveCheckResult {
        let name = "use_after_finalize_throws"
        do {
            try communicator.barrier()
            return CollectiveCheckResult(name: name, ok: false, detail: "barrier after finalize() returned normally")
        } catch CollectiveError.finalized {
            return CollectiveCheckResult(name: name, ok: true, detail: nil)
        } catch {
            return CollectiveCheckResult(name: name, ok: false, detail: "expected CollectiveError.finalized, found \(error)")
        }
    }
}

/// The failure every rank agreed on, printed by rank 0: `rank 1: injected failure (--fail-on-rank 1)`.
struct CollectiveCheckFailure: Error, CustomStringConvertible {
    /// The lowest rank that failed.
    let rank: Int
    /// That rank's message.
    let message: String

    var description: String { "collective-check failed on rank \(rank): \(message)" }
}
