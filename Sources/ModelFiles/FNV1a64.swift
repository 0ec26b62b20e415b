import Foundation

/// The 64-bit FNV-1a hash, fed incrementally: `h = (h ⊕ byte) · 0x100000001b3` from the offset basis
/// `0xcbf29ce484222325` (Fowler, Noll, Vo; the IETF draft "The FNV Non-Cryptographic Hash
/// Algorithm"). It detects accidental differences (another file, another order, another setting),
/// not deliberate ones.
///
/// Values of variable length are fed with their length first, so that `["ab", "c"]` and
/// `["a", "bc"]` hash differently.
public struct FNV1a64 {
    /// The hash of everything fed so far.
    public private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    /// Feeds raw bytes (no length prefix).
    public mutating func combine(bytes: UnsafeRawBufferPointer) {
        var h = value
        for byte in bytes { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        value = h
    }

    /// Feeds the 8 little-endian bytes of `n`.
    public mutating func combine(_ n: Int) {
        withUnsafeBytes(of: Int64(n).littleEndian) { combine(bytes: $0) }
    }

    /// Feeds the UTF-8 length of `text`, then its bytes.
    public mutating func combine(_ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            combine(utf8.count)
            combine(bytes: UnsafeRawBufferPointer(utf8))
        }
    }

    /// Feeds the count of `texts`, then each one.
    public mutating func combine(_ texts: [String]) {
        combine(texts.count)
        for text in texts { combine(text) }
    }

    /// The hash as 16 hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// The hash of `data`'s bytes (no length prefix), as 16 hex digits.
    public static func hex(of data: Data) -> String {
        var hasher = FNV1a64()
        data.withUnsafeBytes { hasher.combine(bytes: $0) }
        return hasher.hex
    }
}
