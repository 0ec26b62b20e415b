import CoNLL
import Foundation
import Parsing
import RunConfig

/// Reading a corpus file with the settings of its config entry.
public enum CorpusFiles {
    /// The reader for a corpus: its format and columns, its strictness options, the tag scheme
    /// each span-labelled column must follow, its comment labels, and the `sentenceLabels`
    /// (classification tasks' labels) whose column must be constant over each sentence.
    public static func reader(for corpus: CorpusConfig, spanSchemes: [String: TagScheme], sentenceLabels: Set<String> = []) -> CoNLLReader {
        var reader: CoNLLReader
        switch corpus.format {
        case .conllu:
            reader = CoNLLReader(format: .conllu)
        case .textLabel:
            reader = CoNLLReader(format: .textLabel)
        case .iob2:
            var f = ColumnFormat.universalNER
            f.tagSchemes = ["ner": spanSchemes["ner"] ?? .iob2]
            reader = CoNLLReader(format: .columns(f))
        case .columns:
            let columns = corpus.columns ?? []
            let separator = corpus.separator ?? .whitespace
            let schemes = spanSchemes.filter { columns.contains($0.key) }
            reader = CoNLLReader(format: .columns(ColumnFormat(columns: columns, separator: separator,
                                                               comments: separator == .tab ? .hashWithoutSeparator : .none,
                                                               tagSchemes: schemes)))
        }
        reader.options = corpus.readerOptions
        reader.commentLabels = Set(corpus.commentLabels ?? [])
        reader.sentIDPrefixLabel = corpus.sentIDPrefixLabel
        reader.sentenceLabelColumns = sentenceLabels.intersection(corpus.columnLabelNames)
        return reader
    }

    /// Reads `url` with `reader`; a refusal names the key of `corpora.<corpus>` that would accept it.
    /// A file larger than `maxBytes` is refused before any of it is read (`corpora.<corpus>.max_file_mb`).
    public static func read(_ url: URL, with reader: CoNLLReader, corpus: String, maxBytes: Int) throws -> ReadResult {
        var info = stat()
        if stat(url.path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) > maxBytes {
            throw ModelError.fileTooLarge(url.path, corpus: corpus, bytes: Int(info.st_size), maxBytes: maxBytes)
        }
        do {
            return try reader.read(contentsOf: url)
        } catch let error as CoNLLError {
            throw ModelError.corpusFile(corpus: corpus, error: error)
        }
    }

    /// Refuses a sentence whose HEAD column (label `head`) is not a tree with one root word, as a
    /// dependency task's gold must be: `ModelError.corpusFile` with `CoNLLError.notATree` at the
    /// sentence's first line. Sentences without heads are not checked (they train no parser).
    public static func checkTrees(_ sentences: [Sentence], corpus: String) throws {
        for sentence in sentences {
            guard let raw = sentence.labels[TaskInfo.headLabel] else { continue }
            // the reader checked every HEAD to be a number in 0…words
            if let problem = DependencyTree.treeProblem(raw.map { Int($0) ?? -1 }) {
                throw ModelError.corpusFile(corpus: corpus, error: .notATree(file: sentence.source.file, line: sentence.source.line,
                                                                            problem: problem))
            }
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
