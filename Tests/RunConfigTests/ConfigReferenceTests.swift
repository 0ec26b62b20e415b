import Foundation
@testable import RunConfig
import XCTest

/// The config reference covers the keys the schema walk knows, each with its section's meaning,
/// and docs/CONFIG.md is its current output.
final class ConfigReferenceTests: XCTestCase {
    func testEveryKeyHasItsMeaning() throws {
        let undescribed = try ConfigReference.entries().filter { $0.text.isEmpty }.map(\.key)
        XCTAssertEqual(undescribed, [], "keys without an entry in their section's `meanings`")
        // spot checks of what the types give: a default, a required key, a section
        let entries = Dictionary(try ConfigReference.entries().map { ($0.key, $0) }, uniquingKeysWith: { $1 })
        XCTAssertEqual(entries["training.batch_size"]?.defaultValue, "32")
        XCTAssertEqual(entries["training.batch_size"]?.type, "integer")
        XCTAssertEqual(entries["corpora.<corpus>.train"]?.defaultValue, "required")
        XCTAssertEqual(entries["encoder.transformer"]?.type, "mapping")
        XCTAssertEqual(entries["training.max_steps"]?.type, "optional")
    }

    func testDocsConfigMDIsTheReferenceOutput() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/CONFIG.md")
        let written = try String(contentsOf: file, encoding: .utf8)
        XCTAssertEqual(written, try ConfigReference.markdown(),
                       "docs/CONFIG.md is stale: regenerate it with `mtl-dist config reference > docs/CONFIG.md`")
    }
}
