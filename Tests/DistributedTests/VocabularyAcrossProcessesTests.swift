import Foundation
import TestSupport
import XCTest

/// Vocabularies and label dictionaries are the same in every process: each process seeds Swift's
/// hashing anew, so only two processes can show that no dictionary order leaks into them.
final class VocabularyAcrossProcessesTests: XCTestCase {
    func testTwoProcessesBuildTheSameVocabularies() throws {
        let root = try temporaryDirectory()
        var encoders: [NSDictionary] = []
        for name in ["a", "b"] {
            let output = root.appendingPathComponent(name)
            let run = try MTLDist.run(["train", "--output", output.path] + MTLDist.tinyModel
                                      + MTLDist.settings(["training.max_steps": "1", "training.batch_size": "8"]))
            XCTAssertEqual(run.status, 0, "\(run)")
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("best/model.json")))
            let metadata = try XCTUnwrap((json as? [String: Any])?["metadata"] as? [String: Any])
            encoders.append(try XCTUnwrap(metadata["encoder"] as? NSDictionary))
        }
        XCTAssertEqual(encoders[0], encoders[1])
        // the comparison sees the vocabularies: thousands of words
        XCTAssertGreaterThan("\(encoders[0])".count, 10_000)
    }
}
