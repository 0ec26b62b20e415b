import Foundation
import TextIO
import XCTest

/// `TextWriter` throws on every failed write instead of trapping or dropping it, and
/// `DescriptorReader` stops at the first chunk its inspector refuses.
final class TextWriterTests: XCTestCase {
    func testAFullDeviceThrowsNoSpaceWithTheBytesWritten() throws {
        let fd = open("/dev/full", O_WRONLY)
        guard fd >= 0 else { throw XCTSkip("/dev/full is missing") }
        defer { close(fd) }
        let writer = TextWriter(descriptor: fd, name: "/dev/full", bufferLimit: 4)
        XCTAssertThrowsError(try writer.write("more than four bytes")) { error in
            XCTAssertEqual(error as? OutputError, .writeFailed(name: "/dev/full", errno: ENOSPC, written: 0))
            XCTAssertEqual("\(error)", "cannot write to /dev/full after 0 bytes: No space left on device "
                           + "(the disk or device is full: free space or write elsewhere)")
        }
    }

    func testAPipeWithoutReaderIsABrokenPipe() throws {
        TextWriter.ignoreBrokenPipeSignal()
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        close(ends[0])
        defer { close(ends[1]) }
        let writer = TextWriter(descriptor: ends[1], name: "the pipe")
        try writer.write("buffered, not yet written\n")
        XCTAssertThrowsError(try writer.flush()) { error in
            XCTAssertEqual(error as? OutputError, .brokenPipe(name: "the pipe"))
            XCTAssertTrue((error as? OutputError)?.isBrokenPipe == true)
        }
    }

    func testEveryByteArrivesThroughPartialWrites() throws {
        // a pipe holds 64 KiB: a reader thread drains it while 1 MiB goes through in partial writes
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        let text = String(repeating: "0123456789abcdef", count: 1 << 16)
        nonisolated(unsafe) var received: [UInt8] = []
        let readEnd = ends[0]
        let done = DispatchSemaphore(value: 0)
        Thread {
            received = (try? DescriptorReader.readAll(descriptor: readEnd, name: "pipe")) ?? []
            done.signal()
        }.start()
        let writer = TextWriter(descriptor: ends[1], name: "pipe")
        try writer.write(text)
        try writer.flush()
        close(ends[1])
        done.wait()
        close(ends[0])
        XCTAssertEqual(received.count, text.utf8.count)
        XCTAssertEqual(String(decoding: received, as: UTF8.self), text)
    }

    func testTheReaderStopsAtTheChunkItsInspectorRefuses() throws {
        struct Refused: Error {}
        let fd = open("/dev/zero", O_RDONLY)
        defer { close(fd) }
        var chunks = 0
        XCTAssertThrowsError(try DescriptorReader.readAll(descriptor: fd, name: "/dev/zero") { _, _ in
            chunks += 1
            throw Refused()
        }) { XCTAssertTrue($0 is Refused) }
        XCTAssertEqual(chunks, 1)
    }
}
