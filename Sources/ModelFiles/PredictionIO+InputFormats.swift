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

    /// What `--input-format auto` reads `text` as: `conll` when a line holds a tab, or the lines
    /// read as CoNLL (see `textLineInCoNLL`), else raw `text`.
    static func detectFormat(of text: String) -> InputFormat {
        let rows = tokenLines(of: text)
        if rows.isEmpty { return .conll }
        if rows.contains(where: \.tab) { return .conll }
        if rows.allSatisfy({ $0.fields == 1 }) && rows.contains(where: { !$0.blockStart }) { return .conll }
        return textLineInCoNLL(text) == nil && rows.contains(where: { $0.fields > 1 }) ? .conll : .text
    }
}
