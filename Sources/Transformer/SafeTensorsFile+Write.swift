import Foundation

extension SafeTensorsFile {
    /// One float32 tensor to write.
    public struct Tensor32 {
        public let name: String
        public let shape: [Int]
        public let values: [Float]

        public init(name: String, shape: [Int], values: [Float]) {
            precondition(shape.reduce(1, *) == values.count, "tensor '\(name)': shape \(shape) for \(values.count) values")
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// Writes `tensors` as a float32 safetensors file that transformers and `safetensors.torch`
    /// load (names unique, in the given order, header padded with spaces to a multiple of 8 bytes),
    /// through a temporary file renamed into place.
    public static func write(_ tensors: [Tensor32], metadata: [String: String] = ["format": "pt"], to url: URL) throws {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for t in tensors {
            precondition(header[t.name] == nil, "tensor '\(t.name)' written twice")
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count]] as [String: Any]
            offset += 4 * t.values.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for t in tensors {
            #if _endian(little)
            t.values.withUnsafeBytes { data.append(contentsOf: $0) }
            #else
            for v in t.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            #endif
        }
        try writeDurably(data, to: url)
    }

    /// Writes `data` to `url` through a temporary sibling that is flushed to disk and then renamed
    /// into place, so `url` is never half-written.
    static func writeDurably(_ data: Data, to url: URL) throws {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        do {
            try data.write(to: temporary)
            let handle = try FileHandle(forWritingTo: temporary)
            try handle.synchronize()
            try handle.close()
            if FileManager.default.fileExists(atPath: url.path) { _ = try FileManager.default.replaceItemAt(url, withItemAt: temporary) }
            else { try FileManager.default.moveItem(at: temporary, to: url) }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw TransformerError.unwritable(file: url.path, reason: error.localizedDescription)
        }
    }
}
