import Foundation
import TestSupport
import XCTest

/// Sizes beyond the machine's memory, given on the command line of the release binary: a config error
/// naming the key, before anything is allocated or written (issue 10's cases).
final class ConfigLimitCommandTests: XCTestCase {
    func testHugeSizesStopTrainWithAConfigError() throws {
        let folder = try temporaryDirectory()
        for (setting, key) in [("training.batch_size=1000000000000", "training.batch_size"),
                               ("encoder.word_dim=1000000000000", "encoder.word_dim"),
                               ("tasks.ner.hidden=1000000000", "tasks.ner.hidden")] {
            let output = folder.appendingPathComponent(key)
            let run = try MTLDist.run(["train", "--config", MTLDist.defaultConfig.path, "--output", output.path,
                                       "--set", setting], timeout: 30)
            XCTAssertFalse(run.timedOut, "\(run)")
            XCTAssertNotEqual(run.status, 0, "\(run)")
            let message = run.stdout + run.stderr
            XCTAssertTrue(message.contains("invalid value for \(key)"), message)
            XCTAssertTrue(message.contains("of memory"), message)
            XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), "nothing written for \(setting)")
        }
    }
}
