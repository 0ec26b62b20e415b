import Autodiff
import Checkpointing
import Collective
import Foundation
import ModelFiles
import TestSupport
@testable import Training
import XCTest

/// Loading a saved model (model folder, export, checkpoint) trusts nothing in the files: numbers
/// are bounded and cross-checked before anything is allocated, a task list that does not match
/// the tensors is an error, and damaged JSON gives a typed error, never a trap.
final class ModelLoadingTests: TinyCorpusTestCase {
    /// A trained tiny model in `run/best`.
    func trainedModel() throws -> URL {
        _ = try train("run", overrides: ["training.max_steps=4"])
        return folder.appendingPathComponent("run/best")
    }

    func testExportRoundTripsEveryTensorAndLoadsForEvaluation() throws {
        let best = try trainedModel()
        let original = try TrainedModel(url: best)
        let export = folder.appendingPathComponent("export")
        try ModelExport.write(model: original.model, metadata: original.metadata, to: export)
        let loaded = try TrainedModel(url: export)
        XCTAssertEqual(loaded.model.store.parameters, original.model.store.parameters)
        XCTAssertEqual(Array(loaded.model.store.values.pointer), Array(original.model.store.values.pointer))
        XCTAssertEqual(loaded.metadata.encoder, original.metadata.encoder)
        // the header is standard: 8-byte length, JSON with F32 entries and data_offsets, data after it
        let (tensors, dataStart, count) = try ModelExport.header(of: export.appendingPathComponent("model.safetensors"))
        XCTAssertEqual(tensors.map(\.name), original.model.store.parameters.map(\.name))
        XCTAssertEqual(dataStart % 8, 0)
        XCTAssertEqual(count, original.model.store.count)
    }

    /// Reads the export with Python's `safetensors` (skipped when it is not installed; set
    /// MTL_DIST_PYTHON to a python3 that has `safetensors` and `numpy`) and compares every tensor.
    func testPythonSafetensorsReadsTheExport() throws {
        let python = ProcessInfo.processInfo.environment["MTL_DIST_PYTHON"] ?? "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python),
              let probe = try? ProcessRun([python, "-c", "import safetensors.numpy, numpy"]), probe.status == 0 else {
            throw XCTSkip("\(python) has no safetensors/numpy (pip install safetensors numpy; MTL_DIST_PYTHON=path)")
        }
        let original = try TrainedModel(url: try trainedModel())
        let export = folder.appendingPathComponent("export")
        try ModelExport.write(model: original.model, metadata: original.metadata, to: export)
        // Python prints name, shape and the float32 bytes as hex; compared here bit for bit
        let script = """
            import sys, json, safetensors.numpy
            t = safetensors.numpy.load_file(sys.argv[1])
            print(json.dumps({k: [list(v.shape), str(v.dtype), v.astype('<f4').tobytes().hex()] for k, v in t.items()}))
            """
        let run = try ProcessRun([python, "-c", script, export.appendingPathComponent("model.safetensors").path])
        XCTAssertEqual(run.status, 0, run.stderr)
        let read = try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as! [String: [Any]]
        let store = original.model.store
        XCTAssertEqual(Set(read.keys), Set(store.parameters.map(\.name)))
        for p in store.parameters {
            let entry = try XCTUnwrap(read[p.name], p.name)
            XCTAssertEqual(entry[0] as? [Int], p.shape.dims, p.name)
            XCTAssertEqual(entry[1] as? String, "float32", p.name)
            let bytes = store.scalars(of: p).withUnsafeBytes { $0.map { String(format: "%02x", $0) }.joined() }
            XCTAssertEqual(entry[2] as? String, bytes, p.name)
        }
    }

    func testATaskListThatDoesNotMatchTheTensorsIsRefused() throws {
        let best = try trainedModel()
        let url = best.appendingPathComponent("model.json")
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        var metadata = json["metadata"] as! [String: Any]
        var spec = metadata["spec"] as! [String: Any]
        var encoder = metadata["encoder"] as! [String: Any]
        // model.json lists only the first task: its heads and tasks agree, the tensors do not
        spec["heads"] = Array((spec["heads"] as! [Any]).prefix(1))
        encoder["tasks"] = Array((encoder["tasks"] as! [Any]).prefix(1))
        metadata["spec"] = spec
        metadata["encoder"] = encoder
        json["metadata"] = metadata
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        XCTAssertThrowsError(try TrainedModel(url: best)) { error in
            XCTAssertTrue("\(error)".contains("tensors"), "\(error)")
            XCTAssertTrue("\(error)".contains("model.json"), "\(error)")
        }
    }

    func testHugeNumbersAreRefusedBeforeAllocating() throws {
        let best = try trainedModel()
        let url = best.appendingPathComponent("model.json")
        let original = try Data(contentsOf: url)
        for (path, value) in [(["metadata", "spec", "encoder", "wordVocabularySize"], 2_000_000_000),
                              (["metadata", "spec", "encoder", "wordDimension"], 1 << 40),
                              (["parameter_count"], 1 << 40), (["metadata", "spec", "encoder", "sharedHidden"], -5)] {
            var json = try JSONSerialization.jsonObject(with: original) as! [String: Any]
            json = set(json, path[...], value)
            try JSONSerialization.data(withJSONObject: json).write(to: url)
            XCTAssertThrowsError(try TrainedModel(url: best), "\(path)") { error in
                XCTAssertTrue(error is ModelError || error is CheckpointError, "\(type(of: error)): \(error)")
                XCTAssertTrue("\(error)".contains(path.last!) || "\(error)".contains("parameter"), "\(error)")
            }
        }
    }

    /// Thousands of seeded mutations of model.json (numbers, types, missing keys, array lengths):
    /// every load ends in success or a typed error, and memory stays bounded.
    func testFuzzedModelJSONNeverTraps() throws {
        let best = try trainedModel()
        try Self.fuzz(self, file: best.appendingPathComponent("model.json"), iterations: 1000, seed: 0x6D6F_6465) { try TrainedModel(url: best) }
        let export = folder.appendingPathComponent("export")
        let original = try TrainedModel(url: best)
        try ModelExport.write(model: original.model, metadata: original.metadata, to: export)
        try Self.fuzz(self, file: export.appendingPathComponent("model.json"), iterations: 300, seed: 0x6578_706F) { try TrainedModel(url: export) }
    }

    /// Mutates `file` `iterations` times from its original, calling `load` after each.
    static func fuzz(_ test: XCTestCase, file: URL, iterations: Int, seed: UInt64, load: () throws -> Any) throws {
        let original = try Data(contentsOf: file)
        defer { try? original.write(to: file) }
        var mutator = try JSONMutator(original, seed: seed)
        let before = maxResidentMB()
        var successes = 0, failures = 0
        let key = file.lastPathComponent == "manifest.json" ? CheckpointManifest<OpaqueRecord>.checksumKey : ModelIntegrity.sealKey
        for i in 0..<iterations {
            let (mutated, change) = try mutator.next()
            if i < 20 && mutated != original {
                // as mutated: the file's own checksum refuses it
                try mutated.write(to: file)
                XCTAssertThrowsError(try load(), "\(change): an edited file must be refused by its checksum")
            }
            // resealed, so the checks behind the checksum are fuzzed too
            var data = mutated
            if var object = try? JSONSerialization.jsonObject(with: mutated) as? [String: Any] {
                object.removeValue(forKey: key)
                data = JSONSeal.seal(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), key: key)
            }
            try data.write(to: file)
            do {
                _ = try load()
                successes += 1
            } catch let error as ModelError {
                failures += 1
                // the message names the damaged file (or its folder)
                XCTAssertTrue("\(error)".contains(file.deletingLastPathComponent().path), "\(change): \(error)")
            } catch let error as CheckpointError {
                failures += 1
                XCTAssertTrue("\(error)".contains(file.deletingLastPathComponent().path), "\(change): \(error)")
            } catch {
                XCTFail("\(change): untyped error \(type(of: error)): \(error)")
            }
        }
        XCTAssertGreaterThan(failures, iterations / 4, "most mutations must be caught")
        XCTAssertGreaterThan(successes, 0, "harmless mutations (a dropout value, a config string) still load")
        XCTAssertLessThan(maxResidentMB() - before, 256, "peak memory grew while loading damaged files")
    }

    private func set(_ object: [String: Any], _ path: ArraySlice<String>, _ value: Any) -> [String: Any] {
        var o = object
        guard let key = path.first else { return o }
        o[key] = path.count == 1 ? value : set(o[key] as! [String: Any], path.dropFirst(), value)
        return o
    }
}

/// The process's peak resident set in MiB (getrusage).
func maxResidentMB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
