/// `text` as a JSON string literal appended to `out` (RFC 8259 §7: quote, backslash and control
/// characters escaped, `\n`, `\r`, `\t` by name, the others as `\u00XX`; everything else, `/`
/// included, as it is). For output written line by line without building a Foundation object.
public func appendJSONString(_ text: String, to out: inout String) {
    out += "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    out += "\""
}

/// `text` as a JSON string literal (`appendJSONString`).
public func jsonString(_ text: String) -> String {
    var out = ""
    appendJSONString(text, to: &out)
    return out
}
