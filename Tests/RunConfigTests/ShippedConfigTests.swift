import Foundation
import RunConfig
import XCTest

/// The configs under configs/ decode, and configs/default.yaml says what the built-in default does.
final class ShippedConfigTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testDefaultYAMLMatchesTheBuiltInDefault() throws {
        let shipped = try ConfigLoader.load(file: root.appendingPathComponent("configs/default.yaml"))
        let builtIn = try ConfigLoader.load(file: nil, dataDir: root.appendingPathComponent("Sources/RunConfig/DefaultCorpus"))
        XCTAssertEqual(shipped.absoluteConfig, builtIn.absoluteConfig)
    }

    func testEveryShippedConfigDecodes() throws {
        let data = root.deletingLastPathComponent().appendingPathComponent("shared/data")
        let files = try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("configs").path)
            .filter { $0.hasSuffix(".yaml") }
        XCTAssertGreaterThanOrEqual(files.count, 4)
        for name in files {
            let url = root.appendingPathComponent("configs/\(name)")
            let text = try String(contentsOf: url, encoding: .utf8)
            // decoding checks keys and values; resolving files needs the shared data beside the checkout
            XCTAssertNoThrow(try TrainConfig(yaml: text, file: name), name)
            if FileManager.default.fileExists(atPath: data.path) || name == "default.yaml" {
                XCTAssertNoThrow(try ConfigLoader.load(file: url), name)
            }
        }
    }
}
