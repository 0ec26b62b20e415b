import Foundation
@testable import RunConfig
import XCTest

/// The config reference covers exactly the keys the schema walk knows, each with a description,
/// and docs/CONFIG.md is its current output.
final class ConfigReferenceTests: XCTestCase {
    func testTheDescriptionsCoverExactlyTheSchemasKeys() throws {
        let keys = try ConfigReference.entries().map(\.key)
        let described = ConfigDocs.descriptions.map(\.key)
        XCTAssertEqual(Set(keys).subtracting(described).sorted(), [], "keys without a description in ConfigDocs")
        XCTAssertEqual(Set(described).subtracting(keys).sorted(), [], "descriptions of keys the schema does not know")
        XCTAssertEqual(described.count, Set(described).count, "a key described twice")
        XCTAssertTrue(ConfigDocs.descriptions.allSatisfy { !$0.text.isEmpty })
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
