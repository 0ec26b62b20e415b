/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of checkpoint shards, as
/// iSCSI (RFC 3720, appendix B.4) and ext4 use it. Check value: CRC-32C of the ASCII bytes
/// "123456789" is 0xE3069283. Computed eight bytes at a time with eight tables ("slicing-by-8",
/// Intel's 2006 paper), one table lookup per byte.
public struct CRC32C: Sendable {
    /// The running register, inverted (the value before the final XOR).
    private var register: UInt32 = 0xFFFF_FFFF

    /// An empty checksum.
    public init() {}

    /// The finished CRC of everything fed so far.
    public var value: UInt32 { register ^ 0xFFFF_FFFF }

    /// Feeds `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var p = bytes.baseAddress else { return }
        var n = bytes.count
        var crc = register
        CRC32C.tables.withUnsafeBufferPointer { t in
            while n >= 8 {
                // crc' = Σ_k T_{7−k}[byte k of (crc ⊕ next 8 bytes)]
                let lo = crc ^ UInt32(littleEndian: p.loadUnaligned(as: UInt32.self))
                let hi = UInt32(littleEndian: (p + 4).loadUnaligned(as: UInt32.self))
                crc = t[7 * 256 + Int(lo & 0xFF)] ^ t[6 * 256 + Int((lo >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((lo >> 16) & 0xFF)] ^ t[4 * 256 + Int(lo >> 24)]
                    ^ t[3 * 256 + Int(hi & 0xFF)] ^ t[2 * 256 + Int((hi >> 8) & 0xFF)]
                    ^ t[1 * 256 + Int((hi >> 16) & 0xFF)] ^ t[Int(hi >> 24)]
                p += 8
                n -= 8
            }
            while n > 0 {
                crc = t[Int((crc ^ UInt32(p.load(as: UInt8.self))) & 0xFF)] ^ (crc >> 8)
                p += 1
                n -= 1
            }
        }
        register = crc
    }

    /// The CRC-32C of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var c = CRC32C()
        c.update(bytes)
        return c.value
    }

    /// `crc32c:` and eight lowercase hex digits, as manifests write it.
    public static func text(_ value: UInt32) -> String {
        let hex = String(value, radix: 16)
        return "crc32c:" + String(repeating: "0", count: 8 - hex.count) + hex
    }

    /// T_0[b] = CRC of byte b; T_k[b] = (T_{k−1}[b] >> 8) ⊕ T_0[T_{k−1}[b] & 0xFF]; 8 × 256 entries.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for b in 0..<256 {
            var c = UInt32(b)
            for _ in 0..<8 { c = c & 1 == 1 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
            t[b] = c
        }
        for k in 1..<8 {
            for b in 0..<256 {
                let prev = t[(k - 1) * 256 + b]
                t[k * 256 + b] = (prev >> 8) ^ t[Int(prev & 0xFF)]
            }
        }
        return t
    }()
}
