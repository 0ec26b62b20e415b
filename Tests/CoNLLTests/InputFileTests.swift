import CoNLL
import Foundation
import XCTest

/// Data files that are not data files: each refusal says what the path is.
final class InputFileTests: XCTestCase {
    private func reason(_ path: String, acceptPipes: Bool = false) -> String? {
        do {
            _ = try InputFile.read(path: path, acceptPipes: acceptPipes)
            return nil
        } catch let CoNLLError.unreadableFile(file, reason) {
            XCTAssertEqual(file, path)
            return reason
        } catch {
            XCTFail("\(error)")
            return nil
        }
    }

    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mtl-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testDevicesFoldersAndMissingPathsAreNamed() throws {
        XCTAssertEqual(reason("/dev/null"), "a character device (like /dev/null or /dev/zero), not a data file")
        XCTAssertEqual(reason("/dev/zero"), "a character device (like /dev/null or /dev/zero), not a data file")
        let dir = try folder()
        XCTAssertEqual(reason(dir.path), "a folder, not a file")
        XCTAssertEqual(reason(dir.appendingPathComponent("nope.conll").path), "no such file")
        let link = dir.appendingPathComponent("link")
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: dir.appendingPathComponent("gone").path)
        XCTAssertEqual(reason(link.path), "a symbolic link to a missing file")
        let file = dir.appendingPathComponent("f")
        try Data("x".utf8).write(to: file)
        XCTAssertEqual(reason(file.appendingPathComponent("below").path), "no such file (a part of the path is not a folder)")
        XCTAssertNil(reason(file.path))
    }

    func testPipesAreReadOnlyWhenAccepted() throws {
        let fifo = try folder().appendingPathComponent("fifo")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        XCTAssertEqual(reason(fifo.path), "a pipe, not a data file (write the data to a file first)")
        let writer = Thread { if let h = FileHandle(forWritingAtPath: fifo.path) { h.write(Data("a b\n".utf8)); h.closeFile() } }
        writer.start()
        XCTAssertEqual(try InputFile.read(path: fifo.path, acceptPipes: true), Data("a b\n".utf8))
    }

    func testAnUnreadableFileAsNonRootSaysPermissionDenied() throws {
        guard getuid() != 0 else { throw XCTSkip("root may read any file (the CLI test runs this case as nobody)") }
        let file = try folder().appendingPathComponent("secret.conll")
        try Data("a\tO\n\n".utf8).write(to: file)
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: file.path)
        XCTAssertEqual(reason(file.path), "a file this user may not read (permission denied)")
    }

    func testTheReaderReportsTheDeviceNotPermission() {
        XCTAssertThrowsError(try CoNLLReader(format: .conll03).read(contentsOf: URL(fileURLWithPath: "/dev/null"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("/dev/null: expected a readable file, found a character device"), "\(error)")
        }
    }
}

/// Reading a file in chunks gives what reading it whole gives, wherever the chunks end (inside a
/// line, a CRLF, a UTF-8 sequence or the byte-order mark), and the same error at the same line.
final class ChunkedReadingTests: XCTestCase {
    func testEveryChunkSizeReadsWhatTheWholeFileReads() throws {
        let cases: [(String, CoNLLFormat, ReaderOptions)] = [
            ("conll03.txt", .conll03, .strict), ("malformed/crlf.txt", .conll03, .lenient), ("sample.conllu", .conllu, .strict),
            ("malformed/latin1.txt", .conll03, .strict), ("malformed/missing-column.txt", .conll03, .strict),
        ]
        for (path, format, options) in cases {
            let url = try Fixtures.url(path)
            var bytes = try Data(contentsOf: url)
            if path == "conll03.txt" { bytes = Data([0xEF, 0xBB, 0xBF]) + bytes }   // a byte-order mark
            let copy = try temporaryDirectory().appendingPathComponent(url.lastPathComponent)
            try bytes.write(to: copy)
            let reader = CoNLLReader(format: format, options: options)
            let whole = Result { try reader.read(data: bytes, fileName: copy.lastPathComponent) }
            for size in [1, 2, 3, 5, 64, 1 << 20] {
                let chunked = Result { try reader.read(contentsOf: copy, chunkSize: size) }
                switch (whole, chunked) {
                case let (.success(a), .success(b)):
                    XCTAssertEqual(a.sentences, b.sentences, "\(path), chunks of \(size)")
                    XCTAssertEqual(a.report.crlfLines, b.report.crlfLines, "\(path), chunks of \(size)")
                case let (.failure(a), .failure(b)):
                    XCTAssertEqual("\(a)", "\(b)", "\(path), chunks of \(size)")
                default:
                    XCTFail("\(path), chunks of \(size): whole \(whole), chunked \(chunked)")
                }
            }
        }
    }
}
