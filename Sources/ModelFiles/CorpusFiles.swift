import CoNLL
import Foundation
import RunConfig

/// Reading a corpus file with the settings of its config entry.
public enum CorpusFiles {
    /// The reader for a corpus: its format and columns, its strictness options, and the tag scheme
    /// each span-labelled column must follow.
    public static func reader(for corpus: CorpusConfig, spanSchemes: [String: TagScheme]) -> CoNLLReader {
        let options = corpus.readerOptions
        switch corpus.format {
        case .conllu:
            return CoNLLReader(format: .conllu, options: options)
        case .iob2:
            var f = ColumnFormat.universalNER
            f.tagSchemes = ["ner": spanSchemes["ner"] ?? .iob2]
            return CoNLLReader(format: .columns(f), options: options)
        case .columns:
            let columns = corpus.columns ?? []
            let separator = corpus.separator ?? .whitespace
            let schemes = spanSchemes.filter { columns.contains($0.key) }
            return CoNLLReader(format: .columns(ColumnFormat(columns: columns, separator: separator,
                                                             comments: separator == .tab ? .hashWithoutSeparator : .none,
                                                             tagSchemes: schemes)),
                               options: options)
        }
    }

    /// Reads `url` with `reader`; a refusal names the key of `corpora.<corpus>` that would accept it.
    public static func read(_ url: URL, with reader: CoNLLReader, corpus: String) throws -> ReadResult {
        do {
            return try reader.read(contentsOf: url)
        } catch let error as CoNLLError {
            throw ModelError.corpusFile(corpus: corpus, error: error)
        }
    }

    /// What a read of a file of corpus `corpus` tolerated or changed, as lines for the log.
    /// `taskLabels`: the label columns tasks read (unannotated columns are reported for those only).
    public static func notes(_ report: ReadReport, file: URL, corpus: String, taskLabels: Set<String>) -> [String] {
        var notes: [String] = []
        if report.skippedDocumentSeparators > 0 { notes.append("\(file.path): skipped \(report.skippedDocumentSeparators) -DOCSTART- lines") }
        for (label, n) in report.repairedTags.sorted(by: { $0.key < $1.key }) where n > 0 {
            notes.append("\(file.path): read \(n) ill-formed '\(label)' tags as conlleval does (I-X after O starts a span), "
                         + "the first at \(file.path):\(report.firstRepairedLine[label] ?? 0); corpora.\(corpus).repair_tags: false refuses them")
        }
        if report.missingFinalBlankLine { notes.append("\(file.path): the last sentence has no blank line after it; read it") }
        if report.crlfLines > 0 { notes.append("\(file.path): accepted \(report.crlfLines) CRLF line ends") }
        for (label, n) in report.unannotatedSentences.sorted(by: { $0.key < $1.key }) where taskLabels.contains(label) {
            notes.append("\(file.path): \(n) sentences carry no '\(label)' label (the column holds only _); no task trains or scores \(label) on them")
        }
        if report.extraBlankLines > 0 { notes.append("\(file.path): accepted \(report.extraBlankLines) extra blank lines") }
        return notes
    }
}
