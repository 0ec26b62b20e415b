import Foundation
import TestSupport
import XCTest

/// Sharded checkpoints and resume through the built binary, alone and under mpirun: bit-exact on
/// the same world size, equal up to float summation order on another, intact after a rank is
/// killed at any point of a save, and written on SIGUSR1/SIGTERM before exit status 75.
final class CheckpointResumeTests: XCTestCase {
    /// The agreement tests' run (every dropout on, learning rate 0.05), 12 steps, a checkpoint every 4.
    private let run = MTLDist.tinyModel + MTLDist.settings([
        "training.max_steps": "12", "training.batch_size": "8", "training.learning_rate": "0.05",
        "training.log_every": "1", "training.seed": "1", "checkpoint.every": "4",
        "encoder.dropout": "0.5", "encoder.word_dropout": "0.05", "encoder.locked_dropout": "0.2",
        "encoder.unk_replacement": "0.5",
    ])

    func testResumeIsBitExactOnTheSameWorldSizeAndCloseOnAnother() throws {
        let root = try temporaryDirectory()
        func train(_ np: Int, _ name: String, _ extra: [String] = []) throws -> URL {
            let output = root.appendingPathComponent(name)
            let result = try MTLDist.ranks(np, ["train", "--output", output.path] + run + extra)
            XCTAssertEqual(result.status, 0, "\(result)")
            return output
        }
        let s1 = try train(1, "straight1"), s2 = try train(2, "straight2")
        let s4 = try train(4, "save4", MTLDist.settings(["training.max_steps": "8"]))
        // k = 8 steps, save, resume, N − k = 4 steps; same W: bit for bit (parameters, optimizer state, losses)
        for (np, straight) in [(1, s1), (2, s2)] {
            let resumed = try train(np, "resume\(np)from\(np)", ["--resume", straight.appendingPathComponent("checkpoints/step-8").path])
            XCTAssertEqual(try CheckpointState(resumed, step: 12).bytes, try CheckpointState(straight, step: 12).bytes, "np \(np)")
            XCTAssertEqual(try losses(resumed), try losses(straight), "np \(np)")
            XCTAssertEqual(try losses(resumed).map(\.step), Array(1...12))
        }
        // another W: saved by 4, resumed by 2 and 1; saved by 1, resumed by 2
        let reference = try CheckpointState(s1, step: 12).values
        for (np, source, name) in [(2, s4, "2from4"), (1, s4, "1from4"), (2, s1, "2from1")] {
            let resumed = try train(np, "resume" + name, ["--resume", source.appendingPathComponent("checkpoints/step-8").path])
            let d = reference.differences(from: try CheckpointState(resumed, step: 12).values)
            XCTAssertEqual(d.outside, 0, "\(name): \(d.outside) of \(reference.values.count) state floats differ by more than summation order; worst \(d.worstRatio)× at [\(d.worstIndex)]")
            XCTAssertEqual(try losses(resumed).map(\.step), Array(1...12), name)
        }
        XCTAssertEqual(try CheckpointState(s4, step: 8).manifest["world_size"] as? Int, 4)
        // the comparison can tell runs apart: the state at step 8 is not the state at step 12
        XCTAssertGreaterThan(reference.differences(from: try CheckpointState(s1, step: 8).values).outside, 1000)
    }

    /// A rank killed (SIGKILL) at each point of the save of step 8 leaves step 4 (or, once the
    /// rename is done, step 8) complete: `checkpoint verify` passes and `--resume auto` finishes the
    /// run bit-identical to the straight one.
    func testAKillAtAnyPointOfASaveLeavesAResumableCheckpoint() throws {
        let root = try temporaryDirectory()
        let straight = root.appendingPathComponent("straight")
        XCTAssertEqual(try MTLDist.mpirun(2, ["train", "--output", straight.path] + run).status, 0)
        let expected = try CheckpointState(straight, step: 12).bytes
        // rank 1 killed after the ranks met: rank 0 may still commit step 8 before mpirun ends it
        for (phase, rank, survivors) in [("shard-written", 1, [4]), ("shard-written", 0, [4]), ("ranks-met", 1, [4, 8]),
                                         ("manifest-written", 0, [4]), ("renamed", 0, [8]), ("latest-replaced", 0, [8])] {
            let output = root.appendingPathComponent("\(phase)-\(rank)")
            let killed = try ProcessRun(try ProcessRun.mpirun() + ["-np", "2", try MTLDist.binary(), "train", "--output", output.path] + run,
                                        environment: MTLDist.environment.merging(["MTL_DIST_TEST_KILL_AT": "\(phase):\(rank):8"]) { $1 },
                                        timeout: MTLDist.timeout)
            XCTAssertNotEqual(killed.status, 0, "\(phase)@\(rank): \(killed)")
            let verify = try MTLDist.run(["checkpoint", "verify", output.appendingPathComponent("checkpoints").path])
            XCTAssertEqual(verify.status, 0, "\(phase)@\(rank): \(verify)")
            let survivor = survivors.first { verify.stdout.contains("step \($0),") } ?? -1
            XCTAssertTrue(survivors.contains(survivor), "\(phase)@\(rank): expected step \(survivors): \(verify)")
            let resumed = try MTLDist.mpirun(2, ["train", "--resume", "auto", "--output", output.path] + run)
            XCTAssertEqual(resumed.status, 0, "\(phase)@\(rank): \(resumed)")
            XCTAssertTrue(resumed.stdout.contains("resuming at step \(survivor)"), "\(phase)@\(rank): \(resumed)")
            XCTAssertEqual(try CheckpointState(output, step: 12).bytes, expected, "\(phase)@\(rank)")
            XCTAssertEqual(try losses(output).map(\.step), Array(1...12), "\(phase)@\(rank)")
            // leftovers of the killed save are gone after the next one
            let names = try FileManager.default.contentsOfDirectory(atPath: output.appendingPathComponent("checkpoints").path)
            XCTAssertFalse(names.contains { $0.hasPrefix(".") }, "\(phase)@\(rank): \(names)")
        }
    }

    /// SIGUSR1 to mpirun (which forwards it to every rank) and SIGTERM to one rank each end the
    /// run with a checkpoint and status 75; resuming it matches the straight run bit for bit.
    func testSignalsSaveACheckpointAndExit75AndTheResumeMatches() throws {
        let root = try temporaryDirectory()
        let long = run + MTLDist.settings(["training.max_steps": "150", "checkpoint.every": "50"])
        let straight = root.appendingPathComponent("straight")
        XCTAssertEqual(try MTLDist.mpirun(2, ["train", "--output", straight.path] + long).status, 0)
        let expected = try CheckpointState(straight, step: 150).bytes
        for target in ["mpirun", "rank 1"] {
            let output = root.appendingPathComponent(target.replacingOccurrences(of: " ", with: ""))
            let stopped = try ProcessRun(try ProcessRun.mpirun() + ["-np", "2", try MTLDist.binary(), "train", "--output", output.path] + long,
                                         environment: MTLDist.environment, timeout: MTLDist.timeout) { mpirun in
                // once training has logged step 3, signal
                let metrics = output.appendingPathComponent("metrics.jsonl")
                for _ in 0..<3000 {
                    if let text = try? String(contentsOf: metrics, encoding: .utf8), text.contains("\"step\":3,") { break }
                    usleep(2000)
                }
                if target == "mpirun" {
                    kill(mpirun, SIGUSR1)
                } else if let rank = rankProcess(of: mpirun, rank: 1) {
                    kill(rank, SIGTERM)
                }
            }
            XCTAssertEqual(stopped.status, 75, "\(target): \(stopped)")
            XCTAssertTrue(stopped.stdout.contains("stopped by \(target == "mpirun" ? "SIGUSR1" : "SIGTERM")"), "\(target): \(stopped)")
            let latest = try String(contentsOf: output.appendingPathComponent("checkpoints/latest"), encoding: .utf8)
            let step = Int(latest.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
            XCTAssertTrue(step > 0 && step < 150, "\(target): latest \(latest)")
            let resumed = try MTLDist.mpirun(2, ["train", "--resume", "auto", "--output", output.path] + long)
            XCTAssertEqual(resumed.status, 0, "\(target): \(resumed)")
            XCTAssertEqual(try CheckpointState(output, step: 150).bytes, expected, target)
            XCTAssertEqual(try losses(output).map(\.step), Array(1...150), target)
        }
    }

    func testVerifyInspectAndExportCommands() throws {
        let root = try temporaryDirectory()
        let output = root.appendingPathComponent("run")
        XCTAssertEqual(try MTLDist.mpirun(2, ["train", "--output", output.path] + run).status, 0)
        let step = output.appendingPathComponent("checkpoints/step-12")
        let ok = try MTLDist.run(["checkpoint", "verify", step.path])
        XCTAssertEqual(ok.status, 0, "\(ok)")
        let inspect = try MTLDist.run(["checkpoint", "inspect", "--json", step.path])
        XCTAssertEqual(inspect.status, 0, "\(inspect)")
        let info = try XCTUnwrap(inspect.jsonLines.first)
        XCTAssertEqual(info["step"] as? Int, 12)
        XCTAssertEqual(info["world_size"] as? Int, 2)
        XCTAssertEqual((info["tasks"] as? [[String: Any]])?.compactMap { $0["name"] as? String }, ["upos", "ner"])

        // evaluate reads a checkpoint and its export alike
        let export = root.appendingPathComponent("export")
        let exported = try MTLDist.run(["export", "--checkpoint", step.path, "--output", export.path])
        XCTAssertEqual(exported.status, 0, "\(exported)")
        let fromCheckpoint = try MTLDist.run(["evaluate", "--model", step.path, "--json"])
        let fromExport = try MTLDist.run(["evaluate", "--model", export.path, "--json"])
        XCTAssertEqual(fromCheckpoint.status, 0, "\(fromCheckpoint)")
        XCTAssertEqual(fromExport.stdout, fromCheckpoint.stdout)

        // damage, one kind at a time, each on a fresh copy
        let shard = "shard-1-of-2.bin"
        let size = try XCTUnwrap(DurableSize(step.appendingPathComponent(shard)))
        let manifest = try CheckpointState(output, step: 12).manifest
        let range = (manifest["shards"] as! [[String: Any]])[1]
        let bytes = "parameters \(range["parameter_offset"] as! Int)..<\((range["parameter_offset"] as! Int) + (range["parameter_count"] as! Int))"
        let damages: [(String, (URL) throws -> Void, [String])] = [
            ("flipped byte", { dir in
                var d = try Data(contentsOf: dir.appendingPathComponent(shard)); d[size / 2] ^= 0x01
                try d.write(to: dir.appendingPathComponent(shard)) }, [shard, bytes, "checksum"]),
            ("truncated", { dir in
                try Data(contentsOf: dir.appendingPathComponent(shard)).prefix(size - 4).write(to: dir.appendingPathComponent(shard)) },
             [shard, bytes, "\(size - 4) bytes"]),
            ("missing", { dir in try FileManager.default.removeItem(at: dir.appendingPathComponent(shard)) }, [shard, bytes, "no such file"]),
            ("mutated manifest", { dir in
                let url = dir.appendingPathComponent("manifest.json")
                let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"world_size\" : 2", with: "\"world_size\" : 3")
                try text.write(to: url, atomically: true, encoding: .utf8) }, ["manifest.json", "shards"]),
            ("path in a shard name", { dir in
                let url = dir.appendingPathComponent("manifest.json")
                let text = try String(contentsOf: url, encoding: .utf8).replacingOccurrences(of: "\"shard-1-of-2.bin\"", with: "\"..\\/..\\/shard-1-of-2.bin\"")
                try text.write(to: url, atomically: true, encoding: .utf8) }, ["shards[1].file", "plain file name"]),
        ]
        for (name, damage, expected) in damages {
            let copy = root.appendingPathComponent("copy-\(name.replacingOccurrences(of: " ", with: "-"))")
            try FileManager.default.copyItem(at: step, to: copy)
            try damage(copy)
            let verify = try MTLDist.run(["checkpoint", "verify", copy.path])
            XCTAssertNotEqual(verify.status, 0, "\(name): \(verify)")
            for text in expected { XCTAssertTrue(verify.stderr.contains(text), "\(name): expected '\(text)' in \(verify)") }
            let resume = try MTLDist.run(["train", "--resume", copy.path, "--output", root.appendingPathComponent("r-\(name)").path] + run)
            XCTAssertNotEqual(resume.status, 0, "\(name): \(resume)")
        }
    }

    private func losses(_ output: URL) throws -> [LossLine] {
        try metricsLines(output).filter { $0["type"] as? String == "train" }.map {
            LossLine(step: $0["step"] as! Int, loss: $0["loss"] as! [String: Double])
        }
    }
}

struct LossLine: Equatable {
    let step: Int
    let loss: [String: Double]
}

/// The state of `OUTPUT/checkpoints/step-N` as one array whatever the world size that saved it:
/// [parameters | optimizer buffers...], each block put together from the shards' slices of it.
struct CheckpointState {
    let manifest: [String: Any]
    let bytes: Data
    var values: Parameters { Parameters(bytes: bytes) }

    init(_ output: URL, step: Int) throws {
        let dir = output.appendingPathComponent("checkpoints/step-\(step)")
        manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("manifest.json"))) as! [String: Any]
        let shards = manifest["shards"] as! [[String: Any]]
        let files = try shards.map { try Data(contentsOf: dir.appendingPathComponent($0["file"] as! String)) }
        let blocks = (manifest["state_bytes"] as! Int) / max(4 * (manifest["parameter_count"] as! Int), 1)
        var all = Data()
        for b in 0..<blocks {
            for (shard, file) in zip(shards, files) {
                let n = 4 * (shard["parameter_count"] as! Int)
                all.append(file[(b * n)..<((b + 1) * n)])
            }
        }
        bytes = all
    }
}

extension Parameters {
    /// Floats from raw little-endian float32 bytes.
    init(bytes: Data) {
        values = bytes.withUnsafeBytes { raw in
            (0..<bytes.count / 4).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self))) }
        }
    }
}

/// The size of a regular file, nil when missing.
func DurableSize(_ url: URL) -> Int? {
    (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
}

/// The process id of rank `rank` of the `mpirun` with id `mpirun`: a descendant running mtl-dist
/// whose environment says OMPI_COMM_WORLD_RANK=rank (read from /proc).
func rankProcess(of mpirun: Int32, rank: Int) -> Int32? {
    func parent(_ pid: Int32) -> Int32? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }
    for _ in 0..<500 {
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
        for pid in pids {
            var p: Int32? = pid, isDescendant = false
            for _ in 0..<4 { p = p.flatMap(parent); if p == mpirun { isDescendant = true; break } }
            guard isDescendant, let env = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            let vars = env.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            if vars.contains("OMPI_COMM_WORLD_RANK=\(rank)") && vars.contains(where: { $0.hasPrefix("MTL_DIST") || $0.hasPrefix("OPENBLAS_NUM_THREADS") }) {
                return pid
            }
        }
        usleep(10_000)
    }
    return nil
}
