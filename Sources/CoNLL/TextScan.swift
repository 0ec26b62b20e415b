/// A check of raw text as it is read, chunk by chunk, so hostile input is refused before it is all
/// in memory: a NUL byte (binary data: a sparse or zeroed file reads as gigabytes of NULs) and a
/// token longer than `maxTokenBytes` (a run of bytes without space, tab or line end) throw at the
/// chunk that holds them. Cost: one pass over the bytes.
public struct TextScan {
    /// The longest token accepted, in bytes of UTF-8. Natural words are under 100 bytes; the
    /// character encoder reads at most 64 characters of one (`TokenFeatures.maxCharacters`).
    public static let defaultMaxTokenBytes = 1024

    /// How the input is named in messages.
    public let fileName: String
    /// The longest token accepted, in bytes.
    public let maxTokenBytes: Int
    private var line = 1
    private var tokenBytes = 0
    private var tokenLine = 1

    /// A scan of the text named `fileName` in messages.
    public init(fileName: String, maxTokenBytes: Int = TextScan.defaultMaxTokenBytes) {
        self.fileName = fileName
        self.maxTokenBytes = maxTokenBytes
    }

    /// Checks the next `chunk`, whose first byte is at `offset` in the input. Throws
    /// `CoNLLError.binaryData` or `.tokenTooLong` with the line.
    public mutating func check(_ chunk: UnsafeRawBufferPointer, offset: Int) throws {
        for i in 0..<chunk.count {
            let byte = chunk[i]
            switch byte {
            case 0:
                throw CoNLLError.binaryData(file: fileName, line: line, byteOffset: offset + i)
            case 0x0A:
                line += 1
                tokenBytes = 0
            case 0x20, 0x09, 0x0D:
                tokenBytes = 0
            default:
                if tokenBytes == 0 { tokenLine = line }
                tokenBytes += 1
                if tokenBytes > maxTokenBytes {
                    throw CoNLLError.tokenTooLong(file: fileName, line: tokenLine, limit: maxTokenBytes)
                }
            }
        }
    }
}
