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

    func testTheShippedSizesAreFarBelowTheBounds() throws {
        XCTAssertNoThrow(try TrainConfig(yaml: minimalYAML + "\ntraining:\n  batch_size: 4096\nencoder:\n  word_dim: 1024\n  shared_hidden: 1024\n"))
    }
}
