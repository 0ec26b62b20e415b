import Foundation
import RegularFiles

/// A `.safetensors` file (https://huggingface.co/docs/safetensors): an 8-byte little-endian
/// header length N, N bytes of JSON `{name: {"dtype", "shape", "data_offsets": [begin, end]},
/// "__metadata__": {...}}`, then the tensor bytes, with offsets relative to the end of the header.
///
/// Opening the file reads and checks only the header: its length against the file size and a
/// 100 MiB limit, every entry's dtype, shape (rank ≤ 8, no overflow) and byte range (inside the
/// data, `(end − begin) = count · size(dtype)`, no two ranges overlapping). Tensor bytes are read
/// on demand, straight into the caller's floats.
public final class SafeTensorsFile {
    /// The element types of the format, with their sizes in bytes.
    public enum DType: String, Sendable, CaseIterable {
        case bool = "BOOL", u8 = "U8", i8 = "I8", f8e5m2 = "F8_E5M2", f8e4m3 = "F8_E4M3"
        case i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
        case i32 = "I32", u32 = "U32", f32 = "F32"
        case i64 = "I64", u64 = "U64", f64 = "F64"

        public var size: Int {
            switch self {
            case .bool, .u8, .i8, .f8e5m2, .f8e4m3: return 1
            case .i16, .u16, .f16, .bf16: return 2
            case .i32, .u32, .f32: return 4
            case .i64, .u64, .f64: return 8
            }
        }
    }

    /// One tensor of the header.
    public struct Entry: Equatable, Sendable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        /// Byte range relative to the start of the data section.
        public let byteRange: Range<Int>
        /// Number of elements (1 for a scalar).
        public var count: Int { shape.reduce(1, *) }
    }

    /// The largest header accepted (the limit of the reference implementation).
    public static let maxHeaderBytes = 100 << 20
    /// The largest rank accepted.
    public static let maxRank = 8

    /// The path, as messages show it.
    public let path: String
    /// The tensors, by name.
    public let entries: [String: Entry]
    /// The header's `__metadata__` strings.
    public let metadata: [String: String]
    private let handle: FileHandle
    private let dataStart: UInt64

    /// Opens `url` and checks its header.
    public init(url: URL) throws {
        path = url.path
        let file = url.path
        // a regular file only (`RegularFile`: a named pipe here would block forever)
        do { handle = FileHandle(fileDescriptor: try RegularFile.openForReading(file).descriptor, closeOnDealloc: true) } catch let problem as FileProblem {
            throw TransformerError.unreadable(file: file, reason: problem.reason)
        }
        let fileSize: UInt64
        do { fileSize = try handle.seekToEnd(); try handle.seek(toOffset: 0) } catch {
            throw TransformerError.unreadable(file: file, reason: error.localizedDescription)
        }
        guard fileSize >= 8 else {
            throw TransformerError.safetensorsHeader(file: file, problem: "the file has \(fileSize) bytes, fewer than the 8-byte header length")
        }
        let lengthBytes = try SafeTensorsFile.read(handle, count: 8, file: file)
        let headerLength = lengthBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength >= 2, headerLength <= fileSize - 8, headerLength <= UInt64(SafeTensorsFile.maxHeaderBytes) else {
            throw TransformerError.safetensorsHeader(
                file: file, problem: "header length \(headerLength) outside 2...\(min(fileSize - 8, UInt64(SafeTensorsFile.maxHeaderBytes))) (file of \(fileSize) bytes)")
        }
        let json = try SafeTensorsFile.read(handle, count: Int(headerLength), file: file)
        dataStart = 8 + headerLength
        let dataSize = Int(fileSize - dataStart)
        let (entries, metadata) = try SafeTensorsFile.parseHeader(json, dataSize: dataSize, file: file)
        self.entries = entries
        self.metadata = metadata
    }

    deinit { try? handle.close() }

    /// Tensor names, sorted.
    public var names: [String] { entries.keys.sorted() }

    /// Reads tensor `name` as floats into `destination` (exactly `entry.count` of them), converting
    /// F16 and BF16 to F32. Throws for another dtype or when the file has changed underneath.
    public func read(_ name: String, into destination: UnsafeMutableBufferPointer<Float>) throws {
        guard let e = entries[name] else {
            throw TransformerError.missingTensor(file: path, tensor: name, expectedShape: [destination.count])
        }
        precondition(destination.count == e.count, "read '\(name)': \(e.count) values into a buffer of \(destination.count)")
        guard e.dtype == .f32 || e.dtype == .f16 || e.dtype == .bf16 else {
            throw TransformerError.unsupportedDType(file: path, tensor: name, dtype: e.dtype.rawValue)
        }
        do { try handle.seek(toOffset: dataStart + UInt64(e.byteRange.lowerBound)) } catch {
            throw TransformerError.unreadable(file: path, reason: error.localizedDescription)
        }
        let bytes = try SafeTensorsFile.read(handle, count: e.byteRange.count, file: path)
        bytes.withUnsafeBytes { raw in
            let out = destination.baseAddress!
            switch e.dtype {
            case .f32:
                for i in 0..<e.count { out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))) }
            case .f16:
                for i in 0..<e.count { out[i] = Float(halfBits: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) }
            default: // .bf16: the upper half of a float32
                for i in 0..<e.count { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self))) << 16) }
            }
        }
    }

    /// Tensor `name` as floats.
    public func floats(_ name: String) throws -> [Float] {
        guard let e = entries[name] else { throw TransformerError.missingTensor(file: path, tensor: name, expectedShape: []) }
        var out = [Float](repeating: 0, count: e.count)
        try out.withUnsafeMutableBufferPointer { try read(name, into: $0) }
        return out
    }

    private static func read(_ handle: FileHandle, count: Int, file: String) throws -> Data {
        let data: Data?
        do { data = try handle.read(upToCount: count) } catch {
            throw TransformerError.unreadable(file: file, reason: error.localizedDescription)
        }
        guard let data, data.count == count else {
            throw TransformerError.safetensorsHeader(file: file, problem: "expected \(count) more bytes, the file ends after \(data?.count ?? 0) (truncated?)")
        }
        return data
    }

    /// Parses and checks the JSON header against a data section of `dataSize` bytes.
    static func parseHeader(_ json: Data, dataSize: Int, file: String) throws -> ([String: Entry], [String: String]) {
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: json) } catch {
            throw TransformerError.safetensorsHeader(file: file, problem: "the header is not JSON (\(error.localizedDescription))")
        }
        guard let top = object as? [String: Any] else {
            throw TransformerError.safetensorsHeader(file: file, problem: "the header is not a JSON object")
        }
        var entries: [String: Entry] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in top {
            if name == "__metadata__" {
                guard let m = value as? [String: Any] else {
                    throw TransformerError.safetensorsHeader(file: file, problem: "__metadata__ is not an object of strings")
                }
                for (k, v) in m {
                    guard let s = v as? String else {
                        throw TransformerError.safetensorsHeader(file: file, problem: "__metadata__ '\(k)' is not a string")
                    }
                    metadata[k] = s
                }
                continue
            }
            entries[name] = try parseEntry(name, value, dataSize: dataSize, file: file)
        }
        // byte ranges may not overlap (empty tensors take no bytes)
        let sorted = entries.values.filter { !$0.byteRange.isEmpty }.sorted { $0.byteRange.lowerBound < $1.byteRange.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where b.byteRange.lowerBound < a.byteRange.upperBound {
            throw TransformerError.safetensorsEntry(file: file, tensor: b.name,
                                                    problem: "bytes \(b.byteRange) overlap those of '\(a.name)' (\(a.byteRange))")
        }
        return (entries, metadata)
    }

    private static func parseEntry(_ name: String, _ value: Any, dataSize: Int, file: String) throws -> Entry {
        func bad(_ problem: String) -> TransformerError { .safetensorsEntry(file: file, tensor: name, problem: problem) }
        guard !name.isEmpty else { throw bad("empty tensor name") }
        guard let fields = value as? [String: Any] else { throw bad("entry is not an object") }
        guard let dtypeName = fields["dtype"] as? String else { throw bad("no string 'dtype'") }
        guard let dtype = DType(rawValue: dtypeName) else {
            throw bad("unknown dtype '\(dtypeName)' (expected one of \(DType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        guard let shapeValues = fields["shape"] as? [Any] else { throw bad("no array 'shape'") }
        guard shapeValues.count <= maxRank else { throw bad("rank \(shapeValues.count) above \(maxRank)") }
        var shape: [Int] = []
        var count = 1
        for v in shapeValues {
            guard let d = exactInt(v), d >= 0 else { throw bad("shape \(shapeValues) holds something other than a non-negative integer") }
            let (c, overflow) = count.multipliedReportingOverflow(by: d)
            guard !overflow, c <= dataSize else { throw bad("shape \(shapeValues) has more elements than the file has bytes") }
            shape.append(d)
            count = c
        }
        guard let offsets = fields["data_offsets"] as? [Any], offsets.count == 2,
              let begin = exactInt(offsets[0]), let end = exactInt(offsets[1]) else {
            throw bad("no 'data_offsets' [begin, end] of integers")
        }
        guard begin >= 0, begin <= end, end <= dataSize else {
            throw bad("data_offsets [\(begin), \(end)] outside the \(dataSize) data bytes")
        }
        guard end - begin == count * dtype.size else {
            throw bad("data_offsets [\(begin), \(end)] hold \(end - begin) bytes, shape \(shape) of \(dtypeName) needs \(count * dtype.size)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    /// A JSON number that is exactly an integer (not 1.5, not "1").
    private static func exactInt(_ v: Any) -> Int? {
        guard let n = v as? NSNumber else { return nil }
        let d = n.doubleValue
        guard d == d.rounded(), abs(d) < 9.0e15 else { return nil }
        return n.intValue
    }
}

extension Float {
    /// The float32 value of IEEE-754 half-precision bits (subnormals, infinities and NaN included).
    init(halfBits h: UInt16) {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        switch exponent {
        case 0:
            // ±mantissa · 2^-24
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            self = sign != 0 ? -magnitude : magnitude
        case 0x1F:
            self = Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        default:
            self = Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
        }
    }
}
