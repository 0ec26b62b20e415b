import Foundation
@testable import Transformer
import TestSupport
import XCTest

/// The safetensors reader: the tiny fixture, dtype conversion, and corrupt headers and data, each
/// refused with an error naming the file and tensor before anything is read.
final class SafeTensorsFileTests: XCTestCase {
    /// Writes a safetensors file of `header` (JSON) followed by `data`.
    func file(_ header: String, data: [UInt8], lengthField: UInt64? = nil) throws -> URL {
        let url = try temporaryDirectory().appendingPathComponent("t.safetensors")
        var bytes = [UInt8]()
        let h = Array(header.utf8)
        withUnsafeBytes(of: (lengthField ?? UInt64(h.count)).littleEndian) { bytes += $0 }
        bytes += h + data
        try Data(bytes).write(to: url)
        return url
    }

    func error(_ url: URL) -> String {
        do { _ = try SafeTensorsFile(url: url); return "no error" } catch { return "\(error)" }
    }

    func testReadsTheTinyFixture() throws {
        let f = try SafeTensorsFile(url: Fixtures.url("tiny-bert/model.safetensors"))
        XCTAssertEqual(f.entries["embeddings.word_embeddings.weight"]?.shape, [177, 32])
        XCTAssertEqual(f.entries["encoder.layer.1.intermediate.dense.weight"]?.shape, [64, 32])
        XCTAssertEqual(f.entries["encoder.layer.1.output.dense.weight"]?.shape, [32, 64])
        XCTAssertEqual(f.metadata["format"], "pt")
        let gamma = try f.floats("embeddings.LayerNorm.weight")
        XCTAssertEqual(gamma.count, 32)
        XCTAssertTrue(gamma.allSatisfy { $0 > 0 && $0 < 2 }, "random LayerNorm gains around 1: \(gamma)")
    }

    func testConvertsF16AndBF16() throws {
        // F32 [2] = 1.5, -2; F16 [3] = 1, -0.5, 65504; BF16 [1] = 3.0
        var data = [UInt8]()
        for v in [Float(1.5), -2] { withUnsafeBytes(of: v.bitPattern.littleEndian) { data += $0 } }
        for h: UInt16 in [0x3C00, 0xB800, 0x7BFF] { withUnsafeBytes(of: h.littleEndian) { data += $0 } }
        withUnsafeBytes(of: UInt16(Float(3).bitPattern >> 16).littleEndian) { data += $0 }
        let url = try file(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"#
                           + #""h":{"dtype":"F16","shape":[3],"data_offsets":[8,14]},"#
                           + #""b":{"dtype":"BF16","shape":[1],"data_offsets":[14,16]},"#
                           + #""i":{"dtype":"I64","shape":[],"data_offsets":[16,24]}}"#, data: data + [UInt8](repeating: 0, count: 8))
        let f = try SafeTensorsFile(url: url)
        XCTAssertEqual(try f.floats("a"), [1.5, -2])
        XCTAssertEqual(try f.floats("h"), [1, -0.5, 65504])
        XCTAssertEqual(try f.floats("b"), [3])
        XCTAssertThrowsError(try f.floats("i")) { XCTAssertTrue("\($0)".contains("tensor 'i' has dtype I64"), "\($0)") }
    }

    func testHalfPrecisionSubnormalsAndSpecials() {
        XCTAssertEqual(Float(halfBits: 0x0001), Float(sign: .plus, exponent: -24, significand: 1))
        XCTAssertEqual(Float(halfBits: 0x8000), -0.0)
        XCTAssertEqual(Float(halfBits: 0x7C00), .infinity)
        XCTAssertTrue(Float(halfBits: 0x7E00).isNaN)
    }

    func testRefusesCorruptFiles() throws {
        let ok = #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#
        XCTAssertEqual(error(try file(ok, data: [UInt8](repeating: 0, count: 16))), "no error")
        let cases: [(String, [UInt8], UInt64?, String)] = [
            (ok, [UInt8](repeating: 0, count: 12), nil, "tensor 'w': data_offsets [0, 16] outside the 12 data bytes"),
            (ok, [], 1 << 40, "header length 1099511627776 outside 2..."),
            ("{not json", [], nil, "the header is not JSON"),
            ("[1, 2]", [], nil, "the header is not a JSON object"),
            (#"{"w":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0], nil, "tensor 'w': unknown dtype 'F33'"),
            (#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, [UInt8](repeating: 0, count: 8), nil,
             "tensor 'w': data_offsets [0, 8] hold 8 bytes, shape [3] of F32 needs 12"),
            (#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0], nil, "holds something other than a non-negative integer"),
            (#"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, [0, 0, 0, 0], nil, "holds something other than a non-negative integer"),
            (#"{"w":{"dtype":"F32","shape":[1000000000,1000000000],"data_offsets":[0,4]}}"#, [0, 0, 0, 0], nil,
             "has more elements than the file has bytes"),
            (#"{"w":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0], nil, "rank 9 above 8"),
            (#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, [0, 0, 0, 0], nil, "data_offsets [4, 0] outside"),
            (#"{"w":{"dtype":"F32","shape":[1]}}"#, [0, 0, 0, 0], nil, "no 'data_offsets' [begin, end] of integers"),
            (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
             [UInt8](repeating: 0, count: 12), nil, "tensor 'b': bytes 4..<12 overlap those of 'a' (0..<8)"),
            (#"{"__metadata__":{"format":1}}"#, [], nil, "__metadata__ 'format' is not a string"),
        ]
        for (header, data, length, expected) in cases {
            let url = try file(header, data: data, lengthField: length)
            let message = error(url)
            XCTAssertTrue(message.contains(expected), "\(header): expected '\(expected)', got '\(message)'")
            XCTAssertTrue(message.hasPrefix(url.path), "the message names the file: \(message)")
        }
        let tiny = try temporaryDirectory().appendingPathComponent("short.safetensors")
        try Data([1, 2, 3]).write(to: tiny)
        XCTAssertTrue(error(tiny).contains("fewer than the 8-byte header length"), error(tiny))
    }

    func testTruncatedFixtureIsRefusedByName() throws {
        let original = try Data(contentsOf: Fixtures.url("tiny-bert/model.safetensors"))
        let url = try temporaryDirectory().appendingPathComponent("cut.safetensors")
        try original.prefix(original.count - 100).write(to: url)
        let message = error(url)
        XCTAssertTrue(message.contains("outside the") && message.contains("data bytes"), message)
    }
}
