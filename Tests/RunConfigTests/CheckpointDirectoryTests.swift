import Foundation
import RunConfig
import TestSupport
import XCTest

/// `checkpoint.directory` resolves in one place: `~` expanded, relative to the config file's
/// folder, absolute in the stored config; unset, `OUTPUT/checkpoints`.
final class CheckpointDirectoryTests: XCTestCase {
    private func load(directory: String?) throws -> ResolvedConfig {
        let fixture = try ConfigFixture(self)
        try fixture.touch("configs/conll03/train.txt")
        let extra = directory.map { "\ncheckpoint:\n  directory: \($0)\n" } ?? ""
        return try ConfigLoader.load(file: try fixture.write(minimalYAML + extra, to: "configs/x.yaml"))
    }

    func testTildeRelativeAbsoluteAndUnset() throws {
        let output = URL(fileURLWithPath: "/tmp/run")
        let home = FileManager.default.homeDirectoryForCurrentUser.standardizedFileURL.path
        let tilde = try load(directory: "~/mtl-checkpoints")
        XCTAssertEqual(tilde.checkpointDirectory(output: output).path, home + "/mtl-checkpoints")
        XCTAssertEqual(tilde.absoluteConfig.checkpoint.directory, home + "/mtl-checkpoints")
        let relative = try load(directory: "ckpt")
        XCTAssertEqual(relative.checkpointDirectory(output: output).path,
                       relative.file!.deletingLastPathComponent().appendingPathComponent("ckpt").path)
        XCTAssertEqual(try load(directory: "/srv/ckpt").checkpointDirectory(output: output).path, "/srv/ckpt")
        XCTAssertEqual(try load(directory: nil).checkpointDirectory(output: output).path, "/tmp/run/checkpoints")
    }

    /// A stored config (what a checkpoint holds) loads alone, with `--set` on top.
    func testAStoredConfigLoadsWithOverrides() throws {
        let original = try load(directory: "ckpt")
        let stored = try original.yamlString()
        let loaded = try ConfigLoader.load(storedYAML: stored, name: "manifest.json", overrides: ["training.max_steps=5"])
        XCTAssertEqual(loaded.config.training.maxSteps, 5)
        XCTAssertEqual(loaded.config.checkpoint.directory, original.absoluteConfig.checkpoint.directory)
        XCTAssertEqual(loaded.checkpointDirectory(output: URL(fileURLWithPath: "/tmp/run")), original.checkpointDirectory(output: URL(fileURLWithPath: "/tmp/run")))
        XCTAssertThrowsError(try ConfigLoader.load(storedYAML: stored, name: "manifest.json", overrides: ["training.nope=1"])) {
            XCTAssertTrue("\($0)".contains("manifest.json"), "\($0)")
        }
    }
}
