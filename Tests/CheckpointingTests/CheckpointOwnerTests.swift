@testable import Checkpointing
import Collective
import Foundation
import XCTest

/// A checkpoint directory belongs to the run that first saved into it: another run's save is
/// refused before it writes anything; old checkpoints leave by way of a leftover name.
final class CheckpointOwnerTests: XCTestCase {
    private let a = CheckpointOwner(runID: "run-a", outputDirectory: "/runs/a")
    private let b = CheckpointOwner(runID: "run-b", outputDirectory: "/runs/b")

    func testAnotherRunsSaveIsRefusedBeforeItWritesAnything() throws {
        let dir = try newFolder()
        var writer = CheckpointWriter(directory: dir, keep: 3)
        writer.owner = a
        _ = try save(writer, step: 4)
        XCTAssertEqual(try CheckpointDirectory(url: dir).owner(), a)
        let before = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        writer.owner = b
        XCTAssertThrowsError(try save(writer, step: 4)) { error in
            XCTAssertTrue("\(error)".contains("belongs to run run-a (output /runs/a)"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), before)
        // the owner goes on saving
        writer.owner = a
        _ = try save(writer, step: 8)
        XCTAssertEqual(CheckpointDirectory(url: dir).newest()?.lastPathComponent, "step-8")
        // a claim that finds the file linked by another run in the meantime loses
        let other = try newFolder()
        try CheckpointDirectory(url: other).claim(b)
        XCTAssertThrowsError(try CheckpointDirectory(url: other).claim(a))
        XCTAssertEqual(try CheckpointDirectory(url: other).owner(), b)
    }

    func testRemovedCheckpointsAndFoldersWithoutAManifestAreLeftoversTheNextSaveRemoves() throws {
        let dir = try newFolder()
        let writer = CheckpointWriter(directory: dir, keep: 1)
        _ = try save(writer, step: 4)
        // what kills during removals left: a renamed checkpoint, and (before renaming) a folder without its manifest
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".step-2.removing"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("step-3"), withIntermediateDirectories: true)
        try Data([1, 2]).write(to: dir.appendingPathComponent("step-3/shard-0-of-1.bin"))
        XCTAssertEqual(CheckpointDirectory(url: dir).complete().map(\.step), [4])
        var phases: [CheckpointWriter.Phase] = []
        var observed = writer
        observed.onPhase = { (phase: CheckpointWriter.Phase, _: Int) in
            phases.append(phase)
            if phase == .oldRenamed {
                // step-4 is aside under its leftover name, not yet deleted
                XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(".step-4.removing/manifest.json").path))
                XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("step-4").path))
            }
        }
        _ = try save(observed, step: 8)
        XCTAssertEqual(phases.last, .oldRenamed)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["latest", "step-8"])
    }

    /// A new empty folder, removed when the test ends.
    private func newFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-dist-owner-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func save(_ writer: CheckpointWriter, step: Int) throws -> URL {
        let state: [Float] = [1, 2, 3, Float(step)]
        return try state.withUnsafeBufferPointer { s in
            try writer.save(step: step, blocks: [s], parameterCount: state.count,
                            tensors: [CheckpointManifest<String>.Tensor(name: "w", shape: [state.count], offset: 0)],
                            optimizer: .init(kind: "sgd", stepCount: step, buffers: [], bufferLength: 0),
                            communicator: SingleProcessCommunicator()) { "step \(step)" }
        }
    }
}
