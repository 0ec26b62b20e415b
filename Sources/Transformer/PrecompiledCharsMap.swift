import Foundation

/// SentencePiece's precompiled normaliser (`precompiled_charsmap`, the `Precompiled` normalizer
/// of tokenizer.json): rewrite rules from UTF-8 byte strings to replacement strings, compiled
/// into one blob, as sentencepiece's `normalizer.cc` writes it:
///
///     [trie size S: UInt32 little-endian][S bytes: a darts-clone double-array trie, UInt32 units]
///     [the replacements: NUL-terminated UTF-8 strings]
///
/// A trie key is the UTF-8 of a source string; its value is the byte offset of its replacement.
/// A unit u of the trie: `hasLeaf = (u >> 8) & 1`, `value = u & 0x7FFF_FFFF`,
/// `label = u & 0x8000_00FF`, `offset = (u >> 10) << ((u & 0x200) >> 6)`.
///
/// Normalisation follows tokenizers' `Precompiled`: per extended grapheme cluster, a cluster of
/// fewer than 6 UTF-8 bytes is looked up whole; otherwise, or when it has no rule, each scalar is
/// looked up on its own; the replacement is that of the shortest matching prefix (as tokenizers
/// reads the trie), and text without a rule is kept.
public struct PrecompiledCharsMap: Sendable {
    private let units: [UInt32]
    private let replacements: [UInt8]
    /// The largest charsmap accepted (the published ones are about 240 KB).
    public static let maxBytes = 16 << 20

    /// Reads the blob; `fail` makes the error for a malformed one.
    init(blob: [UInt8], fail: (String) -> TransformerError) throws {
        guard blob.count <= PrecompiledCharsMap.maxBytes else { throw fail("\(blob.count) bytes, at most \(PrecompiledCharsMap.maxBytes) are read") }
        guard blob.count >= 4 else { throw fail("\(blob.count) bytes, expected at least the 4-byte trie size") }
        let size = Int(blob[0]) | Int(blob[1]) << 8 | Int(blob[2]) << 16 | Int(blob[3]) << 24
        guard size % 4 == 0, size >= 4, size <= blob.count - 4 else {
            throw fail("trie size \(size) bytes in a blob of \(blob.count), expected a positive multiple of 4 within the blob")
        }
        var units = [UInt32](repeating: 0, count: size / 4)
        for k in 0..<units.count {
            let b = 4 + 4 * k
            units[k] = UInt32(blob[b]) | UInt32(blob[b + 1]) << 8 | UInt32(blob[b + 2]) << 16 | UInt32(blob[b + 3]) << 24
        }
        self.units = units
        replacements = Array(blob[(4 + size)...])
    }

    /// The replacement of the shortest prefix of `key` that has one (nil when none does, or when
    /// the trie points outside itself or its replacements: a damaged rule is no rule).
    func replacement(_ key: [UInt8]) -> [UInt8]? {
        guard !units.isEmpty else { return nil }
        var node = Int(Self.offset(units[0]))
        for c in key {
            if c == 0 { break }
            node ^= Int(c)
            guard node >= 0, node < units.count else { return nil }
            let unit = units[node]
            guard unit & 0x8000_00FF == UInt32(c) else { return nil }
            node ^= Int(Self.offset(unit))
            guard node >= 0, node < units.count else { return nil }
            if (unit >> 8) & 1 == 1 {
                let start = Int(units[node] & 0x7FFF_FFFF)
                guard start < replacements.count else { return nil }
                var end = start
                while end < replacements.count && replacements[end] != 0 { end += 1 }
                return Array(replacements[start..<end])
            }
        }
        return nil
    }

    private static func offset(_ u: UInt32) -> UInt32 { (u >> 10) << ((u & 0x200) >> 6) }

    /// `text` normalised (see the type's summary).
    public func normalize(_ text: [Unicode.Scalar]) -> [Unicode.Scalar] {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: text)
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        for cluster in String(view) {
            let bytes = Array(String(cluster).utf8)
            if bytes.count < 6, let r = replacement(bytes) {
                out.append(contentsOf: r)
                continue
            }
            for s in cluster.unicodeScalars {
                let b = Array(String(s).utf8)
                out.append(contentsOf: replacement(b) ?? b)
            }
        }
        // a replacement that is not UTF-8 is read as tokenizers reads it: lossily
        return Array(String(decoding: out, as: UTF8.self).unicodeScalars)
    }
}
