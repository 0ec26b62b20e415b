import TestSupport
import XCTest
@testable import RunConfig

/// The embedded default corpus folder of this checkout.
let defaultCorpusFolder = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Sources/RunConfig/DefaultCorpus", isDirectory: true)

/// Path resolution, the built-in default config, and writing the resolved config back.
final class ConfigLoaderTests: XCTestCase {
    func testPathsResolveAgainstTheConfigFilesFolder() throws {
        let fixture = try ConfigFixture(self)
        let file = try fixture.write(minimalYAML.replacingOccurrences(
            of: "    train: conll03/train.txt", with: "    train: conll03/train.txt\n    test: ../held/test.txt"),
            to: "configs/x.yaml")
        try fixture.touch("configs/conll03/train.txt", "held/test.txt")
        let resolved = try ConfigLoader.load(file: file)
        XCTAssertEqual(resolved.file?.path, fixture.path("configs/x.yaml"))
        XCTAssertEqual(resolved.dataDirectory.path, fixture.path("configs"))
        XCTAssertEqual(resolved.corpusFiles["conll03"]?.train.path, fixture.path("configs/conll03/train.txt"))
        XCTAssertNil(resolved.corpusFiles["conll03"]?.dev)
        XCTAssertEqual(resolved.corpusFiles["conll03"]?.test?.path, fixture.path("held/test.txt"))
    }

    func testPathsResolveAgainstDataDirRelativeToTheConfigFile() throws {
        let fixture = try ConfigFixture(self)
        let file = try fixture.write("data_dir: ../data\n" + minimalYAML, to: "configs/x.yaml")
        try fixture.touch("data/conll03/train.txt")
        let resolved = try ConfigLoader.load(file: file)
        XCTAssertEqual(resolved.dataDirectory.path, fixture.path("data"))
        XCTAssertEqual(resolved.corpusFiles["conll03"]?.train.path, fixture.path("data/conll03/train.txt"))
        XCTAssertEqual(resolved.config.dataDir, "../data")
    }

    func testAbsoluteDataDirAndAbsoluteCorpusPaths() throws {
        let fixture = try ConfigFixture(self)
        try fixture.touch("data/conll03/train.txt", "elsewhere/dev.txt")
        let yaml = "data_dir: \(fixture.path("data"))\n" + minimalYAML.replacingOccurrences(
            of: "    train: conll03/train.txt",
            with: "    train: conll03/train.txt\n    dev: \(fixture.path("elsewhere/dev.txt"))")
        let resolved = try ConfigLoader.load(file: try fixture.write(yaml, to: "configs/x.yaml"))
        XCTAssertEqual(resolved.corpusFiles["conll03"]?.train.path, fixture.path("data/conll03/train.txt"))
        XCTAssertEqual(resolved.corpusFiles["conll03"]?.dev?.path, fixture.path("elsewhere/dev.txt"))
    }

    func testDataDirFlagOverridesDataDir() throws {
        let fixture = try ConfigFixture(self)
        let file = try fixture.write("data_dir: ../data\n" + minimalYAML, to: "configs/x.yaml")
        try fixture.touch("data/conll03/train.txt", "other/conll03/train.txt")
        let resolved = try ConfigLoader.load(file: file, dataDir: fixture.root.appendingPathComponent("other"))
        XCTAssertEqual(resolved.dataDirectory.path, fixture.path("other"))
        XCTAssertEqual(resolved.corpusFiles["conll03"]?.train.path, fixture.path("other/conll03/train.txt"))
    }

    func testDataDirOverrideThroughSet() throws {
        let fixture = try ConfigFixture(self)
        let file = try fixture.write(minimalYAML, to: "configs/x.yaml")
        try fixture.touch("data/conll03/train.txt")
        let resolved = try ConfigLoader.load(file: file, overrides: ["data_dir=../data"])
        XCTAssertEqual(resolved.corpusFiles["conll03"]?.train.path, fixture.path("data/conll03/train.txt"))
    }

    func testDisplayNameIsRelativeBelowTheWorkingDirectory() {
        let cwd = FileManager.default.currentDirectoryPath
        XCTAssertEqual(ConfigLoader.displayName(URL(fileURLWithPath: cwd + "/configs/x.yaml")), "configs/x.yaml")
        XCTAssertEqual(ConfigLoader.displayName(URL(fileURLWithPath: "/nonexistent-root/x.yaml")), "/nonexistent-root/x.yaml")
    }

    func testBuiltInDefaultConfigLoadsTheEmbeddedCorpus() throws {
        let resolved = try ConfigLoader.load(file: nil, dataDir: defaultCorpusFolder)
        XCTAssertNil(resolved.file)
        XCTAssertEqual(resolved.config.tasks.names, ["upos", "ner"])
        XCTAssertEqual(resolved.config.corpora["ewt"]?.columns, ["text", "upos", "ner"])
        XCTAssertEqual(resolved.config.corpora["ewt"]?.separator, .tab)
        XCTAssertEqual(resolved.corpusFiles["ewt"]?.train.lastPathComponent, "train.tsv")
        XCTAssertEqual(resolved.corpusFiles["ewt"]?.dev?.lastPathComponent, "dev.tsv")
    }

    func testBuiltInDefaultConfigWithoutDataDirNamesItself() throws {
        XCTAssertThrowsError(try ConfigLoader.load(file: nil, dataDir: URL(fileURLWithPath: "/nonexistent-folder"))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(ConfigLoader.defaultConfigName), message)
            XCTAssertTrue(message.contains("--data-dir"), message)
        }
        XCTAssertThrowsError(try ConfigLoader.load(file: nil)) { error in
            let message = "\(error)"
            XCTAssertEqual((error as? ConfigError)?.keyPath, "corpora.ewt.train")
            XCTAssertTrue(message.contains(ConfigLoader.defaultConfigName), message)
            XCTAssertTrue(message.contains("the built-in default config needs --data-dir"), message)
        }
    }

    func testResolvedConfigWrittenToTheOutputDirectoryReloadsFromThere() throws {
        let fixture = try ConfigFixture(self)
        let file = try fixture.write("data_dir: ../data\n" + minimalYAML, to: "configs/x.yaml")
        try fixture.touch("data/conll03/train.txt")
        let resolved = try ConfigLoader.load(file: file, overrides: ["training.max_steps=7"])
        let output = fixture.root.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let written = try resolved.write(toDirectory: output)
        XCTAssertEqual(written.lastPathComponent, "resolved-config.yaml")

        let reloaded = try ConfigLoader.load(file: written)
        XCTAssertEqual(reloaded.config, resolved.absoluteConfig)
        XCTAssertNil(reloaded.config.dataDir)
        XCTAssertEqual(reloaded.config.training.maxSteps, 7)
        XCTAssertEqual(reloaded.corpusFiles, resolved.corpusFiles)
    }
}
