import Foundation
import RunConfig
import XCTest

/// Config files that are empty, not files, or not text: each is a typed `ConfigError` naming the
/// file and the reason. The empty file is fuzz-config's finding (FUZZING.md): Foundation's
/// `String(contentsOf:)` leaked 4 KB for it.
final class ConfigFileReadingTests: XCTestCase {
    private func loadError(_ path: String) -> String? {
        do {
            _ = try ConfigLoader.load(file: URL(fileURLWithPath: path))
            return nil
        } catch let error as ConfigError {
            return "\(error)"
        } catch {
            XCTFail("not a ConfigError: \(error)")
            return nil
        }
    }

    func testAnEmptyConfigFileIsATypedError() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-empty-\(UUID().uuidString).yaml")
        try Data().write(to: file)
        addTeardownBlock { try? FileManager.default.removeItem(at: file) }
        let message = try XCTUnwrap(loadError(file.path))
        XCTAssertTrue(message.contains(file.lastPathComponent), message)
    }

    func testADeviceOrAFolderAsConfigIsNamedAsSuch() throws {
        let device = try XCTUnwrap(loadError("/dev/null"))
        XCTAssertTrue(device.contains("a character device (like /dev/null or /dev/zero), not a data file"), device)
        let folder = try XCTUnwrap(loadError(FileManager.default.temporaryDirectory.path))
        XCTAssertTrue(folder.contains("a folder, not a file"), folder)
    }

    func testAConfigThatIsNotUTF8SaysWhereItStops() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-latin1-\(UUID().uuidString).yaml")
        try Data("corpora:\n  caf\u{E9}: {}\n".data(using: .isoLatin1)!).write(to: file)
        addTeardownBlock { try? FileManager.default.removeItem(at: file) }
        let message = try XCTUnwrap(loadError(file.path))
        XCTAssertTrue(message.contains("not UTF-8 text: byte 0xE9 at byte offset 14 (line 2)"), message)
    }
}
