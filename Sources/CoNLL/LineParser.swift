/// The line-by-line state machine behind `CoNLLReader`: one instance per file.
///
/// Every format is read as a column map: CoNLL-U is the tab-separated map
/// `id text lemma upos xpos feats head deprel - -` with `#` comments, plus its ID rules (ranges `1-2`
/// and empty nodes `8.1` skipped, as the CoNLL 2018 evaluation script skips them) and its HEAD rule
/// (a word of the sentence or 0).
struct LineParser {
    /// What a column holds.
    private enum Role {
        case text
        case id
        case ignored
        case label(Int)
    }

    let fileName: String
    let options: ReaderOptions
    private let columnNames: [String]
    private let roles: [Role]
    private let labelTypes: [String]
    private let schemes: [(label: Int, scheme: TagScheme)]
    private let separator: ColumnFormat.Separator
    private let comments: ColumnFormat.CommentStyle
    private let isCoNLLU: Bool
    /// The index of CoNLL-U's `head` among the label types; nil for other formats.
    private let headLabel: Int?
    private let isTextLabel: Bool
    private let commentLabels: Set<String>
    private let sentIDPrefixLabel: String?
    // Indices into `labelTypes` of the columns that must be constant over a sentence.
    private let constantLabels: [Int]

    private(set) var sentences: [Sentence] = []
    var report = ReadReport()

    // The sentence being read; firstLine == 0 when none is in progress.
    private var firstLine = 0
    private var sentenceID: String?
    private var commentValues: [String: String] = [:]
    private var tokens: [String] = []
    private var labels: [[String]]
    private var tokenLines: [Int] = []
    // A skipped -DOCSTART- line whose terminating blank line is still to come.
    private var pendingDocumentSeparator = false
    // Field boundaries of the current line, as byte offsets into it (reused across lines).
    private var fieldStarts: [Int] = []
    private var fieldEnds: [Int] = []

    init(format: CoNLLFormat, options: ReaderOptions, fileName: String, commentLabels: Set<String> = [],
         sentenceLabelColumns: Set<String> = [], sentIDPrefixLabel: String? = nil) {
        let columns: ColumnFormat
        isCoNLLU = format == .conllu
        isTextLabel = format == .textLabel
        switch format {
        case .columns(let c):
            columns = c
        case .conllu:
            columns = ColumnFormat(columns: ["id", "text", "lemma", "upos", "xpos", "feats", "head", "deprel", "-", "-"],
                                   separator: .tab, comments: .hash)
        case .textLabel:
            columns = ColumnFormat(columns: ["text", CoNLLFormat.textLabelType], separator: .tab)
        }
        self.commentLabels = commentLabels
        self.sentIDPrefixLabel = sentIDPrefixLabel
        self.fileName = fileName
        self.options = options
        separator = columns.separator
        comments = columns.comments
        columnNames = isCoNLLU ? CoNLLFormat.conlluColumns : columns.columns
        labelTypes = columns.labelTypes
        var roles: [Role] = []
        for name in columns.columns {
            if name == "text" {
                roles.append(.text)
            } else if name == "id" {
                roles.append(.id)
            } else if ColumnFormat.isIgnored(name) {
                roles.append(.ignored)
            } else {
                roles.append(.label(roles.filter { if case .label = $0 { return true } else { return false } }.count))
            }
        }
        self.roles = roles
        let labelTypes = columns.labelTypes
        headLabel = isCoNLLU ? labelTypes.firstIndex(of: "head") : nil
        constantLabels = labelTypes.indices.filter { sentenceLabelColumns.contains(labelTypes[$0]) }
        schemes = labelTypes.enumerated().compactMap { k, type in columns.tagSchemes[type].map { (k, $0) } }
        labels = Array(repeating: [], count: labelTypes.count)
    }

    /// Handles one line (without its line end); `number` is 1-based.
    mutating func consume(line: UnsafeBufferPointer<UInt8>, number: Int) throws {
        if isTextLabel {
            try textLabelLine(line, number: number)
        } else if line.isEmpty {
            try blankLine(number: number)
        } else if isDocumentSeparator(line) {
            try documentSeparator(number: number)
        } else if isComment(line) {
            pendingDocumentSeparator = false
            try comment(line, number: number)
        } else {
            pendingDocumentSeparator = false
            try tokenLine(line, number: number)
        }
    }

    /// Handles the end of the input; `lastLine` is the number of the last line read.
    mutating func finish(lastLine: Int) throws {
        guard firstLine != 0 else { return }
        if options.missingFinalBlankLine == .error {
            throw CoNLLError.missingFinalBlankLine(file: fileName, line: lastLine)
        }
        report.missingFinalBlankLine = true
        try finishSentence(endLine: lastLine)
    }

    // MARK: - Line kinds

    private mutating func blankLine(number: Int) throws {
        if firstLine != 0 {
            try finishSentence(endLine: number)
        } else if pendingDocumentSeparator {
            pendingDocumentSeparator = false
        } else if options.blankLineRuns == .error {
            throw CoNLLError.blankLineRun(file: fileName, line: number)
        } else {
            report.extraBlankLines += 1
        }
    }

    private static let documentSeparatorMarker = Array("-DOCSTART-".utf8)

    private func isDocumentSeparator(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        let marker = Self.documentSeparatorMarker
        guard line[0] == UInt8(ascii: "-"), line.count >= marker.count else { return false }
        for k in marker.indices where line[k] != marker[k] { return false }
        return line.count == marker.count || line[marker.count] == 0x20 || line[marker.count] == 0x09
    }

    private mutating func documentSeparator(number: Int) throws {
        if firstLine != 0 {
            throw CoNLLError.documentSeparatorInsideSentence(file: fileName, line: number)
        }
        if options.docstart == .error {
            throw CoNLLError.documentSeparator(file: fileName, line: number)
        }
        pendingDocumentSeparator = true
        report.skippedDocumentSeparators += 1
    }

    private func isComment(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        guard line[0] == UInt8(ascii: "#") else { return false }
        switch comments {
        case .none:
            return false
        case .hash:
            return true
        case .hashWithoutSeparator:
            return !line.contains { $0 == 0x09 || (separator == .whitespace && $0 == 0x20) }
        }
    }

    private mutating func comment(_ line: UnsafeBufferPointer<UInt8>, number: Int) throws {
        if firstLine == 0 { firstLine = number }
        // `# sent_id = ID` (the `=` is optional).
        var text = Substring(String(decoding: line, as: UTF8.self).dropFirst())
        text = text.drop { $0 == " " }
        if !commentLabels.isEmpty { try commentLabel(text, number: number) }
        guard sentenceID == nil, text.hasPrefix("sent_id") else { return }
        text = text.dropFirst("sent_id".count)
        guard text.isEmpty || text.first == " " || text.first == "=" else { return }
        text = text.drop { $0 == " " }
        if text.first == "=" { text = text.dropFirst().drop { $0 == " " } }
        let id = text.trimmingTrailingSpaces()
        if !id.isEmpty { sentenceID = String(id) }
    }

    /// `key = value` of a comment whose key is in `commentLabels` (the value trimmed of spaces; an
    /// empty value is no label).
    private mutating func commentLabel(_ text: Substring, number: Int) throws {
        guard let equals = text.firstIndex(of: "=") else { return }
        let key = String(text[..<equals].trimmingTrailingSpaces())
        guard commentLabels.contains(key) else { return }
        let value = text[text.index(after: equals)...].drop { $0 == " " }.trimmingTrailingSpaces()
        guard !value.isEmpty else { return }
        guard commentValues[key] == nil else { throw CoNLLError.repeatedCommentLabel(file: fileName, line: number, key: key) }
        commentValues[key] = String(value)
    }

    /// One line of a `text<TAB>label` file: a whole sentence.
    private mutating func textLabelLine(_ line: UnsafeBufferPointer<UInt8>, number: Int) throws {
        if line.isEmpty {
            guard options.blankLineRuns == .accept else { throw CoNLLError.blankLineRun(file: fileName, line: number) }
            report.extraBlankLines += 1
            return
        }
        let tabs = line.filter { $0 == 0x09 }.count
        guard tabs == 1, let tab = line.firstIndex(of: 0x09) else {
            throw CoNLLError.textLabelLine(file: fileName, line: number, tabs: tabs)
        }
        let words = spaceSeparatedWords(UnsafeBufferPointer(rebasing: line[..<tab]))
        guard !words.isEmpty else { throw CoNLLError.emptyField(file: fileName, line: number, column: "text") }
        let label = Substring(String(decoding: UnsafeBufferPointer(rebasing: line[(tab + 1)...]), as: UTF8.self))
            .drop { $0 == " " }.trimmingTrailingSpaces()
        guard !label.isEmpty else { throw CoNLLError.emptyField(file: fileName, line: number, column: CoNLLFormat.textLabelType) }
        firstLine = number
        tokens = words
        labels = [Array(repeating: String(label), count: words.count)]
        tokenLines = Array(repeating: number, count: words.count)
        try finishSentence(endLine: number)
    }

    private mutating func tokenLine(_ line: UnsafeBufferPointer<UInt8>, number: Int) throws {
        splitFields(line)
        guard fieldStarts.count == roles.count else {
            throw CoNLLError.wrongColumnCount(file: fileName, line: number, expected: columnNames,
                                              found: fieldStarts.count, separator: separator.name)
        }
        for c in roles.indices where fieldStarts[c] == fieldEnds[c] {
            throw CoNLLError.emptyField(file: fileName, line: number, column: columnNames[c])
        }
        for c in roles.indices {
            guard case .id = roles[c] else { continue }
            let field = UnsafeBufferPointer(rebasing: line[fieldStarts[c]..<fieldEnds[c]])
            if isCoNLLU, try skipsCoNLLUNode(field, number: number) { return }
            let expected = tokens.count + 1
            guard parseInt(field) == expected else {
                throw CoNLLError.invalidTokenID(file: fileName, line: number, expected: "token ID \(expected)",
                                                found: "\"\(String(decoding: field, as: UTF8.self))\"")
            }
        }
        if firstLine == 0 { firstLine = number }
        for c in roles.indices {
            switch roles[c] {
            case .text:
                tokens.append(String(decoding: UnsafeBufferPointer(rebasing: line[fieldStarts[c]..<fieldEnds[c]]), as: UTF8.self))
            case .label(let k):
                labels[k].append(String(decoding: UnsafeBufferPointer(rebasing: line[fieldStarts[c]..<fieldEnds[c]]), as: UTF8.self))
            case .id, .ignored:
                break
            }
        }
        tokenLines.append(number)
    }

    /// CoNLL-U ID rules: true for a multi-word token range `a-b` or an empty node `a.b` (both
    /// skipped); false for a word ID; throws for anything else.
    private mutating func skipsCoNLLUNode(_ field: UnsafeBufferPointer<UInt8>, number: Int) throws -> Bool {
        for (mark, isRange) in [(UInt8(ascii: "-"), true), (UInt8(ascii: "."), false)] {
            guard let k = field.firstIndex(of: mark) else { continue }
            let found = "\"\(String(decoding: field, as: UTF8.self))\""
            guard let start = parseInt(UnsafeBufferPointer(rebasing: field[..<k])),
                  let end = parseInt(UnsafeBufferPointer(rebasing: field[(k + 1)...])) else {
                throw CoNLLError.invalidTokenID(file: fileName, line: number,
                                                expected: "a word ID N, a range N-M or an empty node N.K", found: found)
            }
            // a range covers the words that follow it (the CoNLL 2018 script reads them as its words)
            let next = tokens.count + 1
            if isRange && (start != next || end < start) {
                throw CoNLLError.invalidTokenID(file: fileName, line: number,
                                                expected: "a multi-word token range \(next)-M (M ≥ \(next))", found: found)
            }
            if firstLine == 0 { firstLine = number }
            if isRange { report.skippedMultiwordTokens += 1 } else { report.skippedEmptyNodes += 1 }
            return true
        }
        return false
    }

    // MARK: - Sentences

    /// Validates (and repairs, if allowed) the tag columns and stores the sentence, without the
    /// label types whose column holds only `_` (counted in `report.unannotatedSentences`). A `_`
    /// among real values stays a value (CoNLL-U FEATS writes "no features" so); in a tag-scheme
    /// column it is a malformed tag. No format here has empty fields: an empty field is an error.
    private mutating func finishSentence(endLine: Int) throws {
        guard !tokens.isEmpty else { throw CoNLLError.sentenceWithoutTokens(file: fileName, line: endLine) }
        // a column of `_` only is unannotated: the sentence carries no label of that type
        var annotated = [Bool](repeating: true, count: labelTypes.count)
        for k in labels.indices where labels[k].allSatisfy({ $0 == "_" }) {
            annotated[k] = false
            report.unannotatedSentences[labelTypes[k], default: 0] += 1
        }
        if let k = headLabel, annotated[k] { try checkHeads(labels[k]) }
        for k in constantLabels where annotated[k] {
            guard let t = labels[k].firstIndex(where: { $0 != labels[k][0] }) else { continue }
            throw CoNLLError.sentenceLabelVaries(file: fileName, line: tokenLines[t], labelType: labelTypes[k],
                                                 first: labels[k][0], found: labels[k][t])
        }
        for (k, scheme) in schemes where annotated[k] {
            guard let violation = scheme.validate(labels[k]) else { continue }
            let type = labelTypes[k]
            let malformed = violation.kind == .malformed
                ? violation.index : labels[k].firstIndex { !scheme.isWellFormed($0) }
            if let t = malformed {
                throw CoNLLError.malformedTag(file: fileName, line: tokenLines[t], labelType: type, scheme: scheme,
                                              tag: labels[k][t])
            }
            guard options.repairTags else {
                throw CoNLLError.tagSequence(file: fileName, line: tokenLines[violation.index], labelType: type,
                                             scheme: scheme, expected: violation.expected, found: violation.found)
            }
            let (repaired, repairs) = scheme.repair(labels[k])
            labels[k] = repaired
            report.repairedTags[type, default: 0] += repairs
            if report.firstRepairedLine[type] == nil { report.firstRepairedLine[type] = tokenLines[violation.index] }
        }
        var byType: [String: [String]] = [:]
        for (k, type) in labelTypes.enumerated() where annotated[k] { byType[type] = labels[k] }
        for (key, value) in commentValues { byType[key] = Array(repeating: value, count: tokens.count) }
        if let name = sentIDPrefixLabel, let id = sentenceID, let dash = id.firstIndex(of: "-"), dash > id.startIndex {
            byType[name] = Array(repeating: String(id[..<dash]), count: tokens.count)
        }
        sentences.append(Sentence(tokens: tokens, labels: byType,
                                  source: SourceLocation(file: fileName, line: firstLine), id: sentenceID))
        report.sentences += 1
        report.tokens += tokens.count
        firstLine = 0
        sentenceID = nil
        commentValues = [:]
        tokens = []
        labels = Array(repeating: [], count: labelTypes.count)
        tokenLines.removeAll(keepingCapacity: true)
    }

    /// Throws `CoNLLError.invalidHead` at the first HEAD of the sentence being finished that is not
    /// 0 or the ID of another of its words (a `_` among numbers included).
    private func checkHeads(_ heads: [String]) throws {
        for (t, value) in heads.enumerated() {
            var head: Int?
            var text = value
            text.withUTF8 { head = parseInt($0) }
            guard let head, head <= tokens.count, head != t + 1 else {
                let found = head == t + 1 ? "HEAD \(value) of word \(t + 1), the word itself" : "HEAD \"\(value)\" of word \(t + 1)"
                throw CoNLLError.invalidHead(file: fileName, line: tokenLines[t], found: found, words: tokens.count)
            }
        }
    }

    // MARK: - Bytes

    /// Fills `fieldStarts`/`fieldEnds` with the fields of `line`.
    private mutating func splitFields(_ line: UnsafeBufferPointer<UInt8>) {
        fieldStarts.removeAll(keepingCapacity: true)
        fieldEnds.removeAll(keepingCapacity: true)
        let n = line.count
        switch separator {
        case .tab:
            // field = bytes between consecutive tabs (possibly empty)
            var start = 0
            for i in 0..<n where line[i] == 0x09 {
                fieldStarts.append(start)
                fieldEnds.append(i)
                start = i + 1
            }
            fieldStarts.append(start)
            fieldEnds.append(n)
        case .whitespace:
            // field = maximal run of bytes other than space and tab
            var i = 0
            while i < n {
                while i < n && (line[i] == 0x20 || line[i] == 0x09) { i += 1 }
                guard i < n else { break }
                let start = i
                while i < n && line[i] != 0x20 && line[i] != 0x09 { i += 1 }
                fieldStarts.append(start)
                fieldEnds.append(i)
            }
        }
    }
}

/// The words of a `text<TAB>label` line's text: maximal runs of bytes other than space.
private func spaceSeparatedWords(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    bytes.split(separator: 0x20).map { String(decoding: UnsafeBufferPointer(rebasing: $0), as: UTF8.self) }
}

/// The value of a non-empty run of at most 9 ASCII digits, else nil.
private func parseInt(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    guard !bytes.isEmpty && bytes.count <= 9 else { return nil }
    var value = 0
    for b in bytes {
        guard b >= 0x30 && b <= 0x39 else { return nil }
        value = value * 10 + Int(b - 0x30)
    }
    return value
}

private extension Substring {
    func trimmingTrailingSpaces() -> Substring {
        var s = self
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
