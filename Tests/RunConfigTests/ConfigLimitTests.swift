import XCTest
@testable import RunConfig

/// Upper bounds of the size and count keys: a value whose memory cannot fit the machine is a config
/// error naming the key, the value, the largest allowed and the memory it would need.
final class ConfigLimitTests: XCTestCase {
    func testSizesBeyondTheMachinesMemoryAreConfigErrors() throws {
        let cases: [(String, String)] = [
            ("training.batch_size=1000000000000", "training.batch_size"),
            ("encoder.word_dim=1000000000000", "encoder.word_dim"),
            ("encoder.char_dim=1000000000000", "encoder.char_dim"),
            ("encoder.char_hidden=1000000000", "encoder.char_hidden"),
            ("encoder.case_dim=1000000000000", "encoder.case_dim"),
            ("encoder.shared_hidden=1000000000", "encoder.shared_hidden"),
            ("tasks.ner.hidden=1000000000", "tasks.ner.hidden"),
        ]
        for (override, key) in cases {
            let error = try assertConfigError(minimalYAML, overrides: [override],
                                              contains: ["invalid value for \(key)", "found \(override.split(separator: "=")[1])",
                                                         "of memory", "set \(key) to at most"])
            XCTAssertEqual(error?.keyPath, key)
        }
        // a parser's arc and relation widths
        let parser = "corpora: {ewt: {format: conllu, train: ewt/train.conllu}}\n"
            + "tasks: {deps: {label: deprel, kind: dependency}}\n"
        for key in ["arc_size", "relation_size"] {
            let error = try assertConfigError(parser, overrides: ["tasks.deps.\(key)=1000000000"],
                                              contains: ["invalid value for tasks.deps.\(key)", "of memory", "set tasks.deps.\(key) to at most"])
            XCTAssertEqual(error?.keyPath, "tasks.deps.\(key)")
        }
    }

    func testTheLargestAllowedValueFitsAndTheNextDoesNot() throws {
        let error = try XCTUnwrap(try assertConfigError(minimalYAML, overrides: ["tasks.ner.hidden=1000000000"], contains: []))
        guard case let .invalidValue(_, _, _, allowed, _) = error, allowed.hasPrefix("at most "),
              let largest = Int(allowed.dropFirst(8).prefix { $0.isNumber }) else { return XCTFail("no bound in \(error)") }
        XCTAssertNoThrow(try TrainConfig(yaml: minimalYAML + "\n    hidden: \(largest)\n"))
        XCTAssertThrowsError(try TrainConfig(yaml: minimalYAML + "\n    hidden: \(largest + 1)\n"))
    }

    func testCountsThatMustFitTheBatch() throws {
        try assertConfigError(minimalYAML + "\nsampler:\n  min_per_rank: 33\n",
                              contains: ["invalid value for sampler.min_per_rank", "found 33", "training.batch_size (32)"])
        try assertConfigError(minimalYAML + "\nsampler:\n  max_world_size: 64\n",
                              contains: ["invalid value for sampler.max_world_size", "found 64", "training.batch_size (32)"])
        try assertConfigError(minimalYAML + "\ntraining:\n  epochs: 1000000000\n",
                              contains: ["invalid value for training.epochs", "found 1000000000", "1000000"])
    }

    /// Every shipped config (configs/*.yaml) still validates with its batch and every width four
    /// times larger: the memory bounds sit far above what the shipped runs use.
    func testTheShippedSizesAreFarBelowTheBounds() throws {
        let configs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("configs")
        let names = try FileManager.default.contentsOfDirectory(atPath: configs.path).filter { $0.hasSuffix(".yaml") }
        XCTAssertGreaterThanOrEqual(names.count, 4)
        for name in names {
            var big = try TrainConfig(yaml: String(contentsOf: configs.appendingPathComponent(name), encoding: .utf8), file: name)
            big.training.batchSize *= 4
            big.encoder.wordDim *= 4
            big.encoder.charDim *= 4
            big.encoder.charHidden *= 4
            big.encoder.sharedHidden *= 4
            for task in big.tasks.names { big.tasks[task]?.hidden *= 4 }
            XCTAssertNoThrow(try TrainConfig(yaml: big.yamlString(), file: name + " ×4"), name)
        }
    }
}
