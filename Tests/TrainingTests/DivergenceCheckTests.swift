import Collective
import Foundation
import RunConfig
@testable import Training
import XCTest

/// The checks that keep a diverging run from saving: a NaN or infinite parameter is named, and a
/// finite replica passes.
final class DivergenceCheckTests: TinyCorpusTestCase {
    func testANonFiniteParameterIsNamedBeforeAnythingIsSaved() throws {
        let resolved = try ConfigLoader.load(file: folder.appendingPathComponent("tiny.yaml"), overrides: [], dataDir: nil)
        let data = try TrainingData(resolved: resolved)
        let sampler = try TrainingSession.makeSampler(resolved.config, data: data, worldSize: 1)
        let trainer = try Trainer(resolved: resolved, data: data, communicator: SingleProcessCommunicator(), sampler: sampler,
                                  outputDirectory: folder.appendingPathComponent("out"),
                                  progress: ProgressReporter(interactive: false, plainEvery: 1) { _ in })
        XCTAssertNoThrow(try trainer.refuseNonFiniteParameters(step: 3))
        let last = trainer.model.store.parameters.last!
        for bad in [Float.nan, .infinity, -.infinity] {
            trainer.model.store.values.base[last.offset + last.count - 1] = bad
            XCTAssertThrowsError(try trainer.refuseNonFiniteParameters(step: 3)) { error in
                XCTAssertEqual("\(error)".prefix(60), "parameters (\(last.name)) became NaN/inf at step 3; training stopped".prefix(60))
            }
        }
    }
}
