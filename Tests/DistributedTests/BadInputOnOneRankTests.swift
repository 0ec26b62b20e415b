import Foundation
import TestSupport
import XCTest

/// Bad input on one rank ends every rank, with that rank's message printed once and nothing
/// written: the ranks agree on the outcome of loading before the first collective of training.
/// mpirun's MPMD form (`-np 1 A : -np 1 B`) gives one rank a data folder that does not exist.
final class BadInputOnOneRankTests: XCTestCase {
    func testAMissingDataFolderOnRankOneStopsBothRanks() throws {
        try assertOneRankFails(badRank: 1)
    }

    func testAMissingDataFolderOnRankZeroStopsBothRanks() throws {
        try assertOneRankFails(badRank: 0)
    }

    private func assertOneRankFails(badRank: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let folder = try temporaryDirectory()
        let missing = folder.appendingPathComponent("no-such-corpus").path
        let output = folder.appendingPathComponent("run")
        let binary = try MTLDist.binary()
        let common = ["train", "--output", output.path] + MTLDist.tinyModel + MTLDist.settings(["training.max_steps": "3"])
        let contexts = (0..<2).map { rank in
            ["-np", "1", binary] + common + ["--data-dir", rank == badRank ? missing : MTLDist.defaultCorpus.path]
        }
        // a hang would be a rank waiting in a collective for one that has left: 60 s is ample
        let run = try ProcessRun(try ProcessRun.mpirun() + contexts[0] + [":"] + contexts[1],
                                 environment: MTLDist.environment, timeout: 60, file: file, line: line)
        XCTAssertFalse(run.timedOut, "\(run)", file: file, line: line)
        XCTAssertNotEqual(run.status, 0, "\(run)", file: file, line: line)
        XCTAssertEqual(run.occurrences(of: missing), 1, "the message naming the path, printed once\n\(run)", file: file, line: line)
        XCTAssertEqual(run.occurrences(of: "Error: rank \(badRank) of 2: data_dir (from --data-dir)"), 1, "\(run)",
                       file: file, line: line)
        XCTAssertFalse(run.stdout.contains("training upos + ner"), "no rank started training\n\(run)", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "nothing written to --output", file: file, line: line)
    }
}
