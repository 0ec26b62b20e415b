import Foundation

/// A checksum a JSON document carries about itself: the top-level key `checksum_key` (e.g.
/// `manifest_checksum`) holds `crc32c:` and 8 hex digits, the CRC-32C of the file's exact bytes
/// with those 8 digits read as `00000000`. Any edit of any other byte (a field, a space, the
/// order of keys) changes the CRC, so a hand-edited or damaged manifest or `model.json` is refused
/// even when every field is within its limits, as the shards' checksums refuse a changed shard.
///
/// The key is found by its exact bytes `"KEY"` followed by optional spaces, `:`, optional spaces
/// and `"crc32c:`; inside a JSON string a quote is escaped (`\"`), so no string value can contain
/// that sequence, and it must occur exactly once.
public enum JSONSeal {
    /// `document` (a JSON object as JSONEncoder writes it, ending in `}`) with `key` added last,
    /// holding the CRC of the result.
    public static func seal(_ document: Data, key: String) -> Data {
        var bytes = [UInt8](document)
        while let last = bytes.last, last == 0x0A || last == 0x20 { bytes.removeLast() }
        precondition(bytes.last == UInt8(ascii: "}"), "JSONSeal: not a JSON object")
        bytes.removeLast()
        var end = bytes.count
        while end > 0, [0x0A, 0x20, 0x09, 0x0D].contains(bytes[end - 1]) { end -= 1 }
        let empty = end > 0 && bytes[end - 1] == UInt8(ascii: "{")
        bytes.removeSubrange(end...)
        let field = (empty ? "\n" : ",\n") + "  \"\(key)\" : \"crc32c:"
        bytes += Array(field.utf8)
        let digits = bytes.count
        bytes += Array("00000000\"\n}\n".utf8)
        let crc = bytes.withUnsafeBytes { CRC32C.checksum($0) }
        bytes.replaceSubrange(digits..<(digits + 8), with: Array(String(format: "%08x", crc).utf8))
        return Data(bytes)
    }

    /// Checks the seal of `document`, the file `file`: the key present once, and its CRC equal to
    /// the bytes'. Throws `CheckpointError.invalidManifest` naming the key.
    public static func verify(_ document: Data, key: String, file: String) throws {
        let bytes = [UInt8](document)
        let pattern = Array("\"\(key)\"".utf8)
        var found: [Int] = []
        if bytes.count >= pattern.count {
            for i in 0...(bytes.count - pattern.count) where bytes[i] == pattern[0] && bytes[i..<(i + pattern.count)].elementsEqual(pattern) {
                found.append(i)
            }
        }
        let expected = "crc32c: and 8 hex digits, the CRC-32C of the file's bytes with those digits as 0 (written by this build)"
        guard found.count == 1 else {
            throw CheckpointError.invalidManifest(path: file, field: key, found: found.isEmpty ? "missing" : "present \(found.count) times",
                                                  expected: expected)
        }
        // skip `"key"`, spaces, `:`, spaces, `"crc32c:`
        var i = found[0] + pattern.count
        func skipSpaces() { while i < bytes.count, [0x20, 0x0A, 0x09, 0x0D].contains(bytes[i]) { i += 1 } }
        skipSpaces()
        let prefix = Array("\"crc32c:".utf8)
        guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
            throw CheckpointError.invalidManifest(path: file, field: key, found: "not a key", expected: expected)
        }
        i += 1
        skipSpaces()
        guard i + prefix.count + 9 <= bytes.count, bytes[i..<(i + prefix.count)].elementsEqual(prefix),
              bytes[i + prefix.count + 8] == UInt8(ascii: "\""),
              let stored = UInt32(String(decoding: bytes[(i + prefix.count)..<(i + prefix.count + 8)], as: UTF8.self), radix: 16) else {
            throw CheckpointError.invalidManifest(path: file, field: key, found: "a malformed value", expected: expected)
        }
        var zeroed = bytes
        let digits = i + prefix.count
        zeroed.replaceSubrange(digits..<(digits + 8), with: Array("00000000".utf8))
        let crc = zeroed.withUnsafeBytes { CRC32C.checksum($0) }
        guard crc == stored else {
            throw CheckpointError.invalidManifest(
                path: file, field: key, found: "\(CRC32C.text(stored)) while the file's bytes give \(CRC32C.text(crc))",
                expected: "the CRC of the file as written: the file was edited or damaged after it was written; restore it, or use an older checkpoint or the model's best/")
        }
    }
}
