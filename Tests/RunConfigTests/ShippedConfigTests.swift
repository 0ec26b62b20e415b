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

    /// Every `configs/*.yaml`: keys and values decode and validate.
    func testEveryShippedConfigDecodes() throws {
        let files = try shippedConfigs()
        XCTAssertGreaterThanOrEqual(files.count, 4)
        for name in files {
            let text = try String(contentsOf: root.appendingPathComponent("configs/\(name)"), encoding: .utf8)
            XCTAssertNoThrow(try TrainConfig(yaml: text, file: name), name)
        }
    }

    /// Every `configs/*.yaml` resolves its files: against the shared data beside the checkout
    /// (`../shared/data`), which is skipped, with the reason, where it is absent.
    func testEveryShippedConfigFindsItsData() throws {
        let data = root.deletingLastPathComponent().appendingPathComponent("shared/data")
        guard FileManager.default.fileExists(atPath: data.path) else {
            throw XCTSkip("\(data.path) is absent: the shipped configs' corpora (CoNLL-2003, UD EWT) cannot be resolved here")
        }
        for name in try shippedConfigs() {
            XCTAssertNoThrow(try ConfigLoader.load(file: root.appendingPathComponent("configs/\(name)")), name)
        }
    }

    private func shippedConfigs() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("configs").path).filter { $0.hasSuffix(".yaml") }.sorted()
    }
}
