import Foundation

/// One line of a text vectors file, as bytes: `word v1 … vD`, fields separated by runs of spaces or
/// tabs, a trailing CR or space ignored. Every line is checked (field count, each value a decimal
/// number), but only the lines whose word is kept are converted to floats.
struct VectorLine {
    /// The line without its trailing CR, spaces and tabs.
    let bytes: UnsafeRawBufferPointer
    /// The end of the word (the first space or tab), or `bytes.count` when the line is one field.
    let wordEnd: Int

    init(_ raw: UnsafeRawBufferPointer) {
        var end = raw.count
        while end > 0, raw[end - 1] == 0x0D || raw[end - 1] == 0x20 || raw[end - 1] == 0x09 { end -= 1 }
        bytes = UnsafeRawBufferPointer(rebasing: raw[0..<end])
        var w = 0
        while w < end, bytes[w] != 0x20 && bytes[w] != 0x09 { w += 1 }
        wordEnd = w
    }

    var isBlank: Bool { bytes.isEmpty }
    var word: UnsafeRawBufferPointer { UnsafeRawBufferPointer(rebasing: bytes[0..<wordEnd]) }

    /// The number of values after the word, and the first that is not a decimal number (its 1-based
    /// field number, the word being field 1, and its text), if any.
    func checkValues() -> (count: Int, bad: (field: Int, text: String)?) {
        var i = wordEnd, count = 0
        var bad: (field: Int, text: String)? = nil
        let n = bytes.count
        while i < n {
            while i < n, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
            guard i < n else { break }
            let start = i
            while i < n, bytes[i] != 0x20 && bytes[i] != 0x09 { i += 1 }
            count += 1
            if bad == nil && !VectorLine.isDecimal(bytes, start, i) {
                bad = (count + 1, String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<min(i, start + 40)]), as: UTF8.self))
            }
        }
        return (count, bad)
    }

    /// True when the line holds a NUL byte: binary data, not text.
    var hasNUL: Bool { bytes.contains(0) }

    /// True when `b[start..<end]` is a decimal number: `[+-]? (d+ (. d*)? | . d+) ([eE] [+-]? d+)?`
    /// (what `strtof` reads whole; `nan` and `inf` are not accepted).
    static func isDecimal(_ b: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Bool {
        var i = start
        func digits() -> Int {
            let s = i
            while i < end, b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            return i - s
        }
        if i < end, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
        var mantissa = digits()
        if i < end, b[i] == 0x2E {
            i += 1
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if i < end, b[i] == 0x65 || b[i] == 0x45 {
            i += 1
            if i < end, b[i] == 0x2B || b[i] == 0x2D { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == end
    }

    /// The `count` values after the word, converted with `strtof` (checked first with `checkValues`),
    /// into `out`; `scratch` holds a NUL-terminated copy of the line. False when a value is not a
    /// finite float32 (too large); `badField` is then its 1-based field number.
    func values(count: Int, into out: UnsafeMutableBufferPointer<Float>, scratch: inout [CChar], badField: inout Int) -> Bool {
        precondition(out.count == count, "VectorLine: \(out.count) slots for \(count) values")
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(bytes.count - wordEnd + 1)
        for i in wordEnd..<bytes.count { scratch.append(CChar(bitPattern: bytes[i])) }
        scratch.append(0)
        return scratch.withUnsafeMutableBufferPointer { text -> Bool in
            var p = text.baseAddress!
            for d in 0..<count {
                var end: UnsafeMutablePointer<CChar>? = nil
                let v = strtof(p, &end)
                guard let end, end != p, v.isFinite else { badField = d + 2; return false }
                out[d] = v
                p = end
            }
            return true
        }
    }

    /// `count dim` as a header: two fields, both unsigned integers (at most 18 digits).
    var header: (count: Int, dimension: Int)? {
        let fields = bytes.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 })
        guard fields.count == 2 else { return nil }
        let numbers = fields.map { field -> Int? in
            guard !field.isEmpty, field.count <= 18, field.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return field.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        guard let count = numbers[0], let dimension = numbers[1] else { return nil }
        return (count, dimension)
    }

    /// The byte offset (from `bytes`' start) of the first byte that is not UTF-8, nil when all are.
    static func firstInvalidUTF8(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var consumed = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let s): consumed += UTF8.width(s)
            case .emptyInput: return nil
            case .error: return consumed
            }
        }
    }
}
