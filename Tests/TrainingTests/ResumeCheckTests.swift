import Autodiff
import RunConfig
import Training
import XCTest

/// What a resume may change: safe keys listed with their values as written (booleans as
/// true/false), the others refused; `checkpoint.*` covers the section.
final class ResumeCheckTests: XCTestCase {
    func testDifferencesPrintValuesAsWrittenAndSplitSafeFromRefused() throws {
        var saved = try TrainConfig(yaml: TrainConfig.defaultYAML)
        saved.training.learningRate = 0.1
        var current = saved
        current.training.shardedUpdate = true
        current.training.maxSteps = 7
        current.checkpoint.keep = 9
        current.training.learningRate = 0.25
        current.useAllTasks = !saved.useAllTasks
        let (safe, refused) = try ResumeCheck.differences(saved: saved, current: current)
        XCTAssertEqual(safe.map(\.description), ["checkpoint.keep: \(saved.checkpoint.keep) → 9", "training.max_steps: (absent) → 7",
                                                 "training.sharded_update: false → true"])
        XCTAssertEqual(refused.map(\.description), ["training.learning_rate: 0.1 → 0.25",
                                                    "use_all_tasks: \(saved.useAllTasks) → \(current.useAllTasks)"])
        XCTAssertTrue(ResumeCheck.safeKeys.contains("checkpoint.*"))
    }

    /// The transformer's arithmetic may change on resume (the same parameters, multiplied in bf16 or
    /// fp32); which transformer it is may not.
    func testTheTransformersPrecisionMayChangeItsFolderMayNot() throws {
        var saved = try TrainConfig(yaml: TrainConfig.defaultYAML)
        saved.encoder.transformer.path = "models/a"
        var current = saved
        current.encoder.transformer.precision = .bf16
        current.encoder.transformer.path = "models/b"
        let (safe, refused) = try ResumeCheck.differences(saved: saved, current: current)
        XCTAssertEqual(safe.map(\.description), ["encoder.transformer.precision: fp32 → bf16"])
        XCTAssertEqual(refused.map(\.description), ["encoder.transformer.path: models/a → models/b"])
    }
}
