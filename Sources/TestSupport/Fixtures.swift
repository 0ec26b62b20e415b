import Foundation
import XCTest

/// URL of `Fixtures/<path>` in a test bundle whose resources are at `resources` (the test target's
/// `Bundle.module.resourceURL`); fails the test when the bundle has no resources or the fixture is
/// missing.
public func fixtureURL(_ path: String, resources: URL?, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
    let root = try XCTUnwrap(resources, "test bundle has no resources", file: file, line: line)
    let url = root.appendingPathComponent("Fixtures").appendingPathComponent(path)
    XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), "missing fixture \(path)", file: file, line: line)
    return url
}

/// The tiny BERT fixture's `config.json` text claiming the largest model `BertConfig`'s bounds allow
/// (128 layers of width 8192, 256 heads, a feed-forward of 65536, 262144 tokens: about 10^11 floats),
/// for tests that such a config beside the tiny weights is refused before anything is allocated.
public func hugeBertConfig(from tinyConfig: String, file: StaticString = #filePath, line: UInt = #line) -> String {
    var text = tinyConfig
    for (from, to) in [("\"hidden_size\": 32", "\"hidden_size\": 8192"), ("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 128"),
                       ("\"intermediate_size\": 64", "\"intermediate_size\": 65536"), ("\"vocab_size\": 177", "\"vocab_size\": 262144"),
                       ("\"num_attention_heads\": 4", "\"num_attention_heads\": 256")] {
        XCTAssertTrue(text.contains(from), "the tiny config has \(from)", file: file, line: line)
        text = text.replacingOccurrences(of: from, with: to)
    }
    return text
}
