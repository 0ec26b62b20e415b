import Foundation
import TestSupport
import XCTest

/// `training.sharded_update` (ZeRO stage 1) through the built binary: the sharded update trains
/// what the replicated one trains (parameters and optimizer state: the same bits on one rank, up to
/// summation order on 2 and 4), with the global gradient norm clipping every step, and its
/// checkpoints resume bit for bit on the same world size and closely on another, or in the other mode.
final class ShardedUpdateTests: XCTestCase {
    /// The agreement tests' run (every dropout on, learning rate 0.05) with SGD momentum and weight
    /// decay (a momentum buffer to shard) and a clip norm the gradient exceeds at every step, 12
    /// steps, a checkpoint every 4.
    private let run = MTLDist.tinyModel + MTLDist.settings([
        "training.max_steps": "12", "training.batch_size": "8", "training.learning_rate": "0.05",
        "training.momentum": "0.9", "training.weight_decay": "0.001", "training.clip_norm": "0.5",
        "training.log_every": "1", "training.seed": "1", "checkpoint.every": "4",
        "encoder.dropout": "0.5", "encoder.word_dropout": "0.05", "encoder.locked_dropout": "0.2",
        "encoder.unk_replacement": "0.5",
    ])

    private func train(_ np: Int, _ output: URL, sharded: Bool, _ extra: [String] = [],
                       file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try MTLDist.ranks(np, ["train", "--output", output.path] + run
                                       + MTLDist.settings(["training.sharded_update": "\(sharded)"]) + extra, file: file, line: line)
        XCTAssertEqual(result.status, 0, "\(result)", file: file, line: line)
        if np > 1 {
            XCTAssertEqual(result.occurrences(of: "sharded update: one reduce-scatter"), sharded ? 1 : 0, "\(result)", file: file, line: line)
        }
    }

    func testShardedUpdateEqualsTheReplicatedOne() throws {
        let root = try temporaryDirectory()
        for np in [1, 2, 4] {
            let replicated = root.appendingPathComponent("replicated\(np)"), sharded = root.appendingPathComponent("sharded\(np)")
            try train(np, replicated, sharded: false)
            try train(np, sharded, sharded: true)
            let a = try CheckpointState(replicated, step: 12), b = try CheckpointState(sharded, step: 12)
            // parameters and the momentum buffer
            XCTAssertEqual(a.manifest["state_bytes"] as? Int, 2 * 4 * (a.manifest["parameter_count"] as! Int))
            if np == 1 {
                XCTAssertEqual(a.bytes, b.bytes, "np 1: the sharded update must give the replicated bits")
            } else {
                let d = a.values.differences(from: b.values)
                XCTAssertEqual(d.outside, 0, "np \(np): \(d.outside) of \(a.values.values.count) state floats differ by more than summation order; worst \(d.worstRatio)× at [\(d.worstIndex)]")
            }
        }
        // the clip norm is in force: without it the run ends elsewhere, so clipping each slice by
        // its own norm instead of the global one could not pass the comparisons above
        let unclipped = root.appendingPathComponent("unclipped")
        try train(2, unclipped, sharded: true, MTLDist.settings(["training.clip_norm": "0"]))
        let d = try CheckpointState(root.appendingPathComponent("sharded2"), step: 12).values
            .differences(from: try CheckpointState(unclipped, step: 12).values)
        XCTAssertGreaterThan(d.outside, 1000, "clip_norm 0.5 must change the run: \(d)")
    }

    /// Saved sharded, resumed sharded on the same W: the same bits; on another W (2 → 1, 1 → 2,
    /// 4 → 2) or in the other mode: equal up to summation order. Each rank of a sharded run wrote
    /// its own slice of the momentum buffer.
    func testShardedCheckpointsResumeExactlyAndAcrossWorldSizesAndModes() throws {
        let root = try temporaryDirectory()
        let s2 = root.appendingPathComponent("sharded2"), s1 = root.appendingPathComponent("sharded1")
        let s4 = root.appendingPathComponent("sharded4")
        try train(2, s2, sharded: true)
        try train(1, s1, sharded: true)
        try train(4, s4, sharded: true, MTLDist.settings(["training.max_steps": "8"]))
        let step8 = { (output: URL) in ["--resume", output.appendingPathComponent("checkpoints/step-8").path] }
        // the same W and mode: bit for bit
        let same = root.appendingPathComponent("resume2from2")
        try train(2, same, sharded: true, step8(s2))
        XCTAssertEqual(try CheckpointState(same, step: 12).bytes, try CheckpointState(s2, step: 12).bytes)
        // another W or the other mode
        let reference = try CheckpointState(s2, step: 12).values
        for (np, sharded, source, name) in [(1, true, s2, "1from2"), (2, true, s1, "2from1"), (2, true, s4, "2from4"),
                                            (2, false, s2, "replicated2from2"), (1, false, s4, "replicated1from4")] {
            let resumed = root.appendingPathComponent("resume" + name)
            try train(np, resumed, sharded: sharded, step8(source))
            let d = reference.differences(from: try CheckpointState(resumed, step: 12).values)
            XCTAssertEqual(d.outside, 0, "\(name): \(d.outside) of \(reference.values.count) state floats differ by more than summation order; worst \(d.worstRatio)× at [\(d.worstIndex)]")
        }
        // a sharded save wrote the slices it holds: one shard per rank, momentum included
        let manifest = try CheckpointState(s4, step: 8).manifest
        XCTAssertEqual((manifest["shards"] as? [[String: Any]])?.count, 4)
        XCTAssertEqual((manifest["optimizer"] as? [String: Any])?["buffers"] as? [String], ["momentum"])
    }
}
