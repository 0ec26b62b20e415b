@testable import Checkpointing
import Collective
import Foundation
import XCTest

/// The checkpoint format in one process: rank arithmetic for every rank, the CRC, a save and
/// its commit, reading any range across shards written by any world size (and only the shards a
/// rank's slice needs), and every way `verify` and the manifest checks must refuse a damaged
/// checkpoint.
final class CheckpointingTests: XCTestCase {
    typealias Manifest = CheckpointManifest<Note>

    /// A stand-in for the trainer's record.
    struct Note: Codable, Equatable { var text: String }

    func testCRC32CCheckValueAndChunking() {
        let bytes = Array("123456789".utf8)
        XCTAssertEqual(bytes.withUnsafeBytes { CRC32C.checksum($0) }, 0xE306_9283)
        XCTAssertEqual([UInt8]().withUnsafeBytes { CRC32C.checksum($0) }, 0)
        // any split into pieces gives the same CRC as one pass (the 8-byte path and the byte path agree)
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        let whole = data.withUnsafeBytes { CRC32C.checksum($0) }
        for cut in [1, 3, 7, 8, 9, 500, 999] {
            var c = CRC32C()
            data.withUnsafeBytes { raw in
                c.update(UnsafeRawBufferPointer(rebasing: raw[0..<cut]))
                c.update(UnsafeRawBufferPointer(rebasing: raw[cut...]))
            }
            XCTAssertEqual(c.value, whole, "split at \(cut)")
        }
        XCTAssertEqual(CRC32C.text(0xAB), "crc32c:000000ab")
    }

    func testShardRangesTileTheStateForEveryRank() {
        for world in 1...9 {
            for total in [0, 1, 2, 7, 8, 9, 100, 1001] {
                var next = 0
                for rank in 0..<world {
                    let r = shardRange(total: total, rank: rank, worldSize: world)
                    XCTAssertEqual(r.lowerBound, next, "total \(total), W \(world), rank \(rank)")
                    // sizes differ by at most one, larger first
                    XCTAssertTrue(r.count == total / world || r.count == total / world + 1)
                    XCTAssertEqual(r.count, total / world + (rank < total % world ? 1 : 0))
                    next = r.upperBound
                }
                XCTAssertEqual(next, total, "total \(total), W \(world)")
            }
        }
        // no overflow near the top of Int
        let big = Int.max - 5
        XCTAssertEqual(shardRange(total: big, rank: 2, worldSize: 3).upperBound, big)
    }

    func testSaveCommitsAtomicallyKeepsKAndCleansLeftovers() throws {
        let dir = try temporaryDirectory()
        let state = (0..<103).map { Float($0) * 0.5 }
        let writer = CheckpointWriter(directory: dir, keep: 2)
        // a leftover of an interrupted save, and a `latest` pointing at nothing yet
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".step-7.partial"), withIntermediateDirectories: true)
        for step in [10, 20, 30] {
            _ = try save(writer, step: step, state: state)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(names, ["latest", "step-20", "step-30"])
        XCTAssertEqual(try String(contentsOf: dir.appendingPathComponent("latest"), encoding: .utf8), "step-30\n")
        XCTAssertEqual(CheckpointDirectory(url: dir).newest()?.lastPathComponent, "step-30")
        let reader = try CheckpointReader<Note>(directory: dir.appendingPathComponent("step-30"))
        XCTAssertEqual(reader.manifest.training, Note(text: "step 30"))
        XCTAssertEqual(reader.manifest.step, 30)
        XCTAssertEqual(reader.manifest.shards.map(\.file), ["shard-0-of-1.bin"])
        try reader.verify()
        XCTAssertEqual(try read(reader, 0..<103), state)
        // saving the same step again (a retry) replaces it in one swap
        _ = try save(writer, step: 30, state: state.map { $0 + 1 })
        XCTAssertEqual(try read(try CheckpointReader<Note>(directory: dir.appendingPathComponent("step-30")), 0..<103), state.map { $0 + 1 })
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted(), ["latest", "step-20", "step-30"])
    }

    func testNewestIgnoresPartialFoldersAndABadLatest() throws {
        let dir = try temporaryDirectory()
        let writer = CheckpointWriter(directory: dir, keep: 5)
        _ = try save(writer, step: 4, state: [1, 2, 3])
        // an interrupted later save: folder without manifest, and a `latest` naming it
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("step-9"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(".step-9.partial"), withIntermediateDirectories: true)
        try Data("step-9\n".utf8).write(to: dir.appendingPathComponent("latest"))
        XCTAssertEqual(CheckpointDirectory(url: dir).newest()?.lastPathComponent, "step-4")
        XCTAssertNil(CheckpointDirectory(url: dir).latest())
        try Data("../../etc\n".utf8).write(to: dir.appendingPathComponent("latest"))
        XCTAssertEqual(CheckpointDirectory(url: dir).newest()?.lastPathComponent, "step-4")
        XCTAssertNil(CheckpointDirectory(url: dir).latest())
        // a save killed after its rename but before `latest` moved: the newer complete one wins
        _ = try save(writer, step: 12, state: [4, 5, 6])
        try Data("step-4\n".utf8).write(to: dir.appendingPathComponent("latest"))
        XCTAssertEqual(CheckpointDirectory(url: dir).newest()?.lastPathComponent, "step-12")
        XCTAssertEqual(CheckpointDirectory(url: dir).latest()?.lastPathComponent, "step-4")
        XCTAssertNil(CheckpointDirectory(url: try temporaryDirectory()).newest())
    }

    func testAnyRangeReadsAcrossShardsOfAnyWorldSize() throws {
        // 19 parameters and a momentum buffer of 19
        let state = (0..<38).map { Float($0) - 3.25 }
        for world in [1, 2, 3, 4, 5] {
            let dir = try temporaryDirectory()
            try writeByHand(state: state, worldSize: world, into: dir)
            let reader = try CheckpointReader<Note>(directory: dir)
            try reader.verify()
            for range in [0..<38, 0..<1, 37..<38, 5..<30, 9..<10, 12..<12, 18..<20] {
                XCTAssertEqual(try read(reader, range), Array(state[range]), "W \(world), range \(range)")
            }
            // what rank r of a current world size W' reads: every parameter, its slice of the buffer
            for current in 1...4 {
                for rank in 0..<current {
                    let r = shardRange(total: 19, rank: rank, worldSize: current)
                    XCTAssertEqual(try read(reader, (19 + r.lowerBound)..<(19 + r.upperBound)), Array(state[(19 + r.lowerBound)..<(19 + r.upperBound)]))
                }
            }
        }
        // the slice's optimizer state comes from the shards overlapping it only: with the others
        // gone, rank 2 of 4 still reads its buffer slice on 4 ranks, and rank 1 of 2 on 2
        for (world, rank) in [(4, 2), (2, 1)] {
            let dir = try temporaryDirectory()
            try writeByHand(state: state, worldSize: world, into: dir)
            let reader = try CheckpointReader<Note>(directory: dir)
            for other in 0..<world where other != rank {
                try FileManager.default.removeItem(at: dir.appendingPathComponent(CheckpointWriter.shardFileName(rank: other, worldSize: world)))
            }
            let r = shardRange(total: 19, rank: rank, worldSize: world)
            XCTAssertEqual(try read(reader, (19 + r.lowerBound)..<(19 + r.upperBound)), Array(state[(19 + r.lowerBound)..<(19 + r.upperBound)]))
            XCTAssertThrowsError(try read(reader, 19..<38))
        }
    }

    func testVerifyNamesTheShardAndPartOfEachDamage() throws {
        // 32 parameters and a buffer of 32: shard 1 of 2 holds parameters 16..<32 of both, 64 bytes each
        let state = (0..<64).map { Float($0) }
        func fresh() throws -> URL {
            let dir = try temporaryDirectory()
            try writeByHand(state: state, worldSize: 2, into: dir)
            return dir
        }
        let shard1 = "shard-1-of-2.bin"
        // a flipped byte in the buffer block: verify names it; the parameters still read
        var dir = try fresh()
        var bytes = try Data(contentsOf: dir.appendingPathComponent(shard1))
        XCTAssertEqual(bytes.count, 128)
        bytes[81] ^= 0x10
        try bytes.write(to: dir.appendingPathComponent(shard1))
        assertCorrupt(try CheckpointReader<Note>(directory: dir).verify(), shard1,
                      "bytes 64..<128: optimizer buffer 'momentum', parameters 16..<32", "checksum")
        XCTAssertEqual(try read(try CheckpointReader<Note>(directory: dir), 0..<32), Array(state[0..<32]))
        assertCorrupt(try read(try CheckpointReader<Note>(directory: dir), 40..<60), shard1, "optimizer buffer 'momentum'", "checksum")
        // a truncated shard
        dir = try fresh()
        try bytes.prefix(100).write(to: dir.appendingPathComponent(shard1))
        assertCorrupt(try CheckpointReader<Note>(directory: dir).verify(), shard1, "rank 1's shard, parameters 16..<32", "100 bytes")
        // a missing shard
        dir = try fresh()
        try FileManager.default.removeItem(at: dir.appendingPathComponent(shard1))
        assertCorrupt(try CheckpointReader<Note>(directory: dir).verify(), shard1, "rank 1's shard, parameters 16..<32", "no such file")
        // reading a range that touches only the healthy shard still works
        XCTAssertEqual(try read(try CheckpointReader<Note>(directory: dir), 0..<16), Array(state[0..<16]))
        XCTAssertEqual(try read(try CheckpointReader<Note>(directory: dir), 32..<48), Array(state[32..<48]))
    }

    func testManifestMutationsAreRefusedWithTheField() throws {
        let dir = try temporaryDirectory()
        try writeByHand(state: (0..<64).map { Float($0) }, worldSize: 2, into: dir)
        let url = CheckpointReader<Note>.manifestURL(in: dir)
        let original = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        func mutated(_ change: (inout [String: Any]) -> Void, field: String, file: StaticString = #filePath, line: UInt = #line) throws {
            var json = original
            change(&json)
            try JSONSerialization.data(withJSONObject: json).write(to: url)
            XCTAssertThrowsError(try CheckpointReader<Note>(directory: dir), file: file, line: line) { error in
                guard case let CheckpointError.invalidManifest(_, f, _, _) = error else {
                    return XCTFail("expected invalidManifest, got \(error)", file: file, line: line)
                }
                XCTAssertTrue(f.hasPrefix(field), "field \(f), expected \(field)", file: file, line: line)
            }
        }
        func shards(_ json: inout [String: Any], _ change: (inout [String: Any]) -> Void) {
            var list = json["shards"] as! [[String: Any]]
            change(&list[1])
            json["shards"] = list
        }
        try mutated({ $0["format"] = "other" }, field: "format")
        try mutated({ $0["version"] = 99 }, field: "version")
        try mutated({ $0["version"] = 1 }, field: "version")
        try mutated({ $0["world_size"] = 3 }, field: "shards")
        try mutated({ $0["world_size"] = -1 }, field: "world_size")
        try mutated({ $0["state_bytes"] = 1 << 40 }, field: "state_bytes")
        try mutated({ $0["parameter_count"] = 1 << 62 }, field: "the parameter count")
        try mutated({ $0["tensors"] = [["name": "w", "shape": [1 << 31, 1 << 31], "offset": 0]] }, field: "tensors[0].shape")
        try mutated({ $0["tensors"] = [["name": "w", "shape": [8, 2], "offset": 1], ["name": "b", "shape": [0], "offset": 16]] }, field: "tensors[0].offset")
        try mutated({ $0.removeValue(forKey: "shards") }, field: "shards")
        try mutated({ $0["step"] = "ten" }, field: "step")
        try mutated({ shards(&$0) { $0["size"] = 1 << 40 } }, field: "shards[1].size")
        try mutated({ shards(&$0) { $0["parameter_offset"] = 0 } }, field: "shards[1].parameter_offset")
        try mutated({ shards(&$0) { $0["parameter_count"] = 40 } }, field: "shards[1].parameter_count")
        try mutated({ shards(&$0) { $0["checksums"] = ["md5:1", "md5:2"] } }, field: "shards[1].checksums")
        try mutated({ shards(&$0) { $0["checksums"] = ["crc32c:00000000"] } }, field: "shards[1].checksums")
        for name in ["../shard-1-of-2.bin", "/etc/passwd", "sub/shard", ".hidden", "..", "a\\b", ""] {
            try mutated({ shards(&$0) { $0["file"] = name } }, field: "shards[1].file")
        }
    }

    func testAnEditedManifestIsRefusedByItsChecksumAndAFolderNameByTheStep() throws {
        let dir = try temporaryDirectory()
        try writeByHand(state: (0..<64).map { Float($0) }, worldSize: 2, into: dir)
        let url = CheckpointReader<Note>.manifestURL(in: dir)
        let sealed = try Data(contentsOf: url)
        XCTAssertNoThrow(try CheckpointReader<Note>(directory: dir).verify())
        func refused(_ data: Data, field: String, file: StaticString = #filePath, line: UInt = #line) throws {
            try data.write(to: url)
            XCTAssertThrowsError(try CheckpointReader<Note>(directory: dir), file: file, line: line) { error in
                guard case let CheckpointError.invalidManifest(_, f, _, _) = error else {
                    return XCTFail("expected invalidManifest, got \(error)", file: file, line: line)
                }
                XCTAssertEqual(f, field, "\(error)", file: file, line: line)
            }
        }
        // every field within its limits, one letter of the trainer's record changed
        try refused(Data(String(decoding: sealed, as: UTF8.self).replacingOccurrences(of: "by hand", with: "by hanD").utf8),
                    field: "manifest_checksum")
        // a space added, the checksum removed, the checksum doubled
        try refused(Data(String(decoding: sealed, as: UTF8.self).replacingOccurrences(of: "{", with: "{ ").utf8), field: "manifest_checksum")
        var json = try JSONSerialization.jsonObject(with: sealed) as! [String: Any]
        let checksum = json.removeValue(forKey: "manifest_checksum")
        try refused(try JSONSerialization.data(withJSONObject: json), field: "manifest_checksum")
        try refused(Data((String(decoding: sealed, as: UTF8.self).dropLast(2) + ",\"x\": {\"manifest_checksum\": \"\(checksum!)\"}}").utf8),
                    field: "manifest_checksum")
        // an integer field holding 1e30 or 7.5 is named (JSONDecoder says only "not valid JSON")
        for value in ["1e30", "7.5"] {
            try refused(Data(String(decoding: sealed, as: UTF8.self).replacingOccurrences(of: "\"world_size\" : 2", with: "\"world_size\" : \(value)").utf8),
                        field: "world_size")
        }
        // the folder step-9 holding the checkpoint of step 3
        try sealed.write(to: url)
        let renamed = dir.deletingLastPathComponent().appendingPathComponent("step-9")
        try? FileManager.default.removeItem(at: renamed)
        try FileManager.default.moveItem(at: dir, to: renamed)
        XCTAssertThrowsError(try CheckpointReader<Note>(directory: renamed)) { error in
            XCTAssertTrue("\(error)".contains("step is 3 in the folder step-9, expected 9"), "\(error)")
        }
        // a FIFO as the manifest is named as one, and does not block
        try FileManager.default.removeItem(at: renamed.appendingPathComponent("manifest.json"))
        XCTAssertEqual(mkfifo(renamed.appendingPathComponent("manifest.json").path, 0o644), 0)
        XCTAssertThrowsError(try CheckpointReader<Note>(directory: renamed)) { error in
            XCTAssertTrue("\(error)".contains("a pipe, not a data file"), "\(error)")
        }
    }

    func testReplaceFolderSwapsInOneStepAndLeavesNoTemporaryFolder() throws {
        let parent = try temporaryDirectory()
        let best = parent.appendingPathComponent("best")
        for version in ["one", "two", "three"] {
            try DurableFile.replaceFolder(best) { temp in
                // while the new folder is built, the old one is still complete in place
                if version != "one" {
                    XCTAssertNotNil(DurableFile.size(of: best.appendingPathComponent("model.json")))
                }
                try Data(version.utf8).write(to: temp.appendingPathComponent("model.json"))
            }
            XCTAssertEqual(try String(contentsOf: best.appendingPathComponent("model.json"), encoding: .utf8), version)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path), ["best"])
        // the swap itself: two folders exchange places in one rename
        let a = parent.appendingPathComponent("a"), b = parent.appendingPathComponent("b")
        try FileManager.default.createDirectory(at: a, withIntermediateDirectories: false)
        try FileManager.default.createDirectory(at: b, withIntermediateDirectories: false)
        try Data("in a".utf8).write(to: a.appendingPathComponent("f"))
        XCTAssertTrue(DurableFile.exchange(a, b), "renameat2(RENAME_EXCHANGE) unavailable on this file system")
        XCTAssertEqual(try String(contentsOf: b.appendingPathComponent("f"), encoding: .utf8), "in a")
    }

    // MARK: helpers

    private func save(_ writer: CheckpointWriter, step: Int, state: [Float]) throws -> URL {
        try state.withUnsafeBufferPointer { s in
            try writer.save(step: step, blocks: [s], parameterCount: state.count,
                            tensors: [Manifest.Tensor(name: "w", shape: [state.count], offset: 0)],
                            optimizer: .init(kind: "sgd", stepCount: step, buffers: [], bufferLength: 0),
                            communicator: SingleProcessCommunicator()) { Note(text: "step \(step)") }
        }
    }

    /// A checkpoint as W ranks write it (shard r = rank r's slice of the parameters, the first
    /// half of `state`, then of the momentum buffer, the second half), built here from the
    /// format's pieces so any W can be read in one process.
    private func writeByHand(state: [Float], worldSize: Int, into dir: URL) throws {
        let p = state.count / 2
        var shards: [Manifest.Shard] = []
        try state.withUnsafeBytes { raw in
            for r in 0..<worldSize {
                let f = shardRange(total: p, rank: r, worldSize: worldSize)
                let blocks = [0, p].map { UnsafeRawBufferPointer(rebasing: raw[(4 * ($0 + f.lowerBound))..<(4 * ($0 + f.upperBound))]) }
                let name = CheckpointWriter.shardFileName(rank: r, worldSize: worldSize)
                try DurableFile.write(blocks, to: dir.appendingPathComponent(name))
                shards.append(.init(file: name, rank: r, parameterOffset: f.lowerBound, parameterCount: f.count, size: 8 * f.count,
                                    checksums: blocks.map { CRC32C.text(CRC32C.checksum($0)) }))
            }
        }
        let manifest = Manifest(step: 3, worldSize: worldSize, parameterCount: p,
                                tensors: [.init(name: "w", shape: [p], offset: 0)],
                                optimizer: .init(kind: "sgd", stepCount: 3, buffers: ["momentum"], bufferLength: p),
                                shards: shards, training: Note(text: "by hand"))
        try manifest.sealedJSON().write(to: CheckpointReader<Note>.manifestURL(in: dir))
    }

    private func read(_ reader: CheckpointReader<Note>, _ range: Range<Int>) throws -> [Float] {
        var out = [Float](repeating: .nan, count: range.count)
        try out.withUnsafeMutableBufferPointer { try reader.read(floats: range, into: $0.baseAddress!) }
        return out
    }

    private func assertCorrupt(_ expression: @autoclosure () throws -> Any, _ shard: String, _ part: String, _ found: String,
                               file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard case let CheckpointError.corruptShard(path, p, f, _) = error else {
                return XCTFail("expected corruptShard, got \(error)", file: file, line: line)
            }
            XCTAssertTrue(path.hasSuffix(shard), path, file: file, line: line)
            XCTAssertTrue(p.contains(part), "part '\(p)', expected '\(part)'", file: file, line: line)
            XCTAssertTrue(f.contains(found), f, file: file, line: line)
            XCTAssertTrue("\(error)".contains(part), "\(error)", file: file, line: line)
        }
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-dist-ckpt-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
