import Checkpointing
import Foundation

/// For tests of crash safety: `MTL_DIST_TEST_KILL_AT=<phase>:<rank>:<step>` makes that rank end
/// itself with SIGKILL (as `kill -9` would) when the save of the checkpoint of that step reaches
/// that phase (`CheckpointWriter.Phase`: shard-written, ranks-met, manifest-written, renamed,
/// latest-replaced). Unset: no effect. A malformed value is an error, never ignored.
///
/// A test hook, not part of the command line: no flag, no help text; the variable is read in one
/// place (`Train.run`), and only Tests/DistributedTests/CheckpointResumeTests.swift sets it.
struct TestKillPoint {
    static let variable = "MTL_DIST_TEST_KILL_AT"
    let phase: CheckpointWriter.Phase
    let rank: Int
    let step: Int
    let currentRank: Int

    init?(environment: [String: String], rank currentRank: Int) throws {
        guard let value = environment[Self.variable] else { return nil }
        let parts = value.split(separator: ":").map(String.init)
        guard parts.count == 3, let phase = CheckpointWriter.Phase(rawValue: parts[0]),
              let rank = Int(parts[1]), let step = Int(parts[2]) else {
            throw TestKillPointError(value: value)
        }
        self.phase = phase
        self.rank = rank
        self.step = step
        self.currentRank = currentRank
    }

    /// The hook: SIGKILL at the phase on the rank, for the save whose folder is `step-<step>`.
    var hook: (CheckpointWriter.Phase, Int) -> Void {
        { [self] reached, savingStep in
            if reached == phase && currentRank == rank && savingStep == step { kill(getpid(), SIGKILL) }
        }
    }
}

struct TestKillPointError: Error, CustomStringConvertible {
    let value: String
    var description: String {
        "\(TestKillPoint.variable)=\(value): expected <phase>:<rank>:<step> with phase one of "
            + CheckpointWriter.Phase.allCases.map(\.rawValue).joined(separator: ", ")
    }
}
