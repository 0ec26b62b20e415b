import CoNLL

extension PredictionIO {
    /// The token lines of CoNLL-like input: (1-based line, field count, holds a tab, starts a block).
    private static func tokenLines(of text: String) -> [(line: Int, fields: Int, tab: Bool, blockStart: Bool)] {
        var result: [(line: Int, fields: Int, tab: Bool, blockStart: Bool)] = []
        var blockStart = true
        for (i, line) in lines(of: text).enumerated() {
            let columns = fields(of: line)
            if columns.isEmpty { blockStart = true; continue }
            let tab = line.unicodeScalars.contains("\t")
            if line.hasPrefix("#") && !tab && line.unicodeScalars.contains(" ") { continue }
            result.append((i + 1, columns.count, tab, blockStart))
            blockStart = false
        }
        return result
    }

    /// The first line showing that `conll` input is really text: no line holds a tab, some line
    /// holds several space-separated fields, and either the lines' field counts differ (a column
    /// file has the same columns on every token line) or no sentence holds more than one line.
    /// Gives the first line of several fields; nil when the input reads as CoNLL. Cost: O(bytes).
    static func textLineInCoNLL(_ text: String) -> (line: Int, fields: Int)? {
        let rows = tokenLines(of: text)
        guard !rows.contains(where: \.tab), let wide = rows.first(where: { $0.fields > 1 }) else { return nil }
        let uneven = rows.contains { $0.fields != rows[0].fields }
        return uneven || rows.allSatisfy(\.blockStart) ? (wide.line, wide.fields) : nil
    }

    /// Throws `ModelError.inputFormat` when `conll` input is really text (`textLineInCoNLL`), so it
    /// is never glued into one sentence.
    static func refuseTextAsCoNLL(_ text: String, fileName: String) throws {
        guard let (line, count) = textLineInCoNLL(text) else { return }
        throw ModelError.inputFormat(
            file: fileName, line: line,
            reason: "--input-format conll expects a token per line, but this line holds \(count) space-separated words and no tab "
                + "(the input looks like text)",
            hint: "use --input-format text for raw text, pretokenized for a sentence per line with tokens separated by spaces, "
                + "or auto to detect it")
    }

    /// The first line of `text` that is not a comment or blank when the first sentence (up to the
    /// first blank line) is CoNLL-U: every line a comment or a word line of 10 tab-separated columns
    /// whose first is a word ID (`1`), a multi-word range (`1-2`) or an empty node (`1.1`), the first
    /// word numbered 1. Nil otherwise.
    static func coNLLULine(_ text: String) -> Int? {
        var first: Int?, firstWord: String?
        for (i, line) in lines(of: text).enumerated() {
            if line.unicodeScalars.allSatisfy({ $0 == " " || $0 == "\t" }) {
                if first == nil { continue }
                break
            }
            if line.hasPrefix("#") { continue }
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard columns.count == 10, isCoNLLUID(columns[0]) else { return nil }
            if first == nil { first = i + 1 }
            if firstWord == nil && columns[0].allSatisfy({ $0.isASCII && $0.isNumber }) { firstWord = String(columns[0]) }
        }
        return firstWord == "1" ? first : nil
    }

    /// `1`, `1-2` or `1.1`: a CoNLL-U word ID, multi-word range or empty node.
    static func isCoNLLUID(_ field: Substring) -> Bool {
        let parts = field.split(omittingEmptySubsequences: false) { $0 == "-" || $0 == "." }
        return (1...2).contains(parts.count) && parts.allSatisfy { !$0.isEmpty && $0.allSatisfy({ $0.isASCII && $0.isNumber }) }
    }

    /// Throws `ModelError.inputFormat` when `conll` input is really text (`textLineInCoNLL`) or
    /// CoNLL-U (`coNLLULine`), so it is never glued into one sentence nor read as its ID column.
    static func refuseMisreadCoNLL(_ text: String, fileName: String) throws {
        if let line = coNLLULine(text) {
            throw ModelError.inputFormat(
                file: fileName, line: line,
                reason: "--input-format conll reads the first column as the token, but this is CoNLL-U (10 tab-separated columns, "
                    + "a word ID first): its tokens would be the IDs",
                hint: "use --input-format conllu (or auto) to read the FORM column")
        }
        try refuseTextAsCoNLL(text, fileName: fileName)
    }

    /// What `--input-format auto` reads `text` as: `conllu` when its first sentence is CoNLL-U
    /// (`coNLLULine`), `conll` when a line holds a tab, or the lines read as CoNLL (see
    /// `textLineInCoNLL`), else raw `text`.
    public static func detectFormat(of text: String) -> InputFormat {
        if coNLLULine(text) != nil { return .conllu }
        let rows = tokenLines(of: text)
        if rows.isEmpty { return .conll }
        if rows.contains(where: \.tab) { return .conll }
        if rows.allSatisfy({ $0.fields == 1 }) && rows.contains(where: { !$0.blockStart }) { return .conll }
        return textLineInCoNLL(text) == nil && rows.contains(where: { $0.fields > 1 }) ? .conll : .text
    }
}
