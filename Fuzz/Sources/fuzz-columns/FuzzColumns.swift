import CoNLL
import FuzzSupport

/// The column-file reader: CoNLL-2003's four whitespace columns with IOB1 NER, the tab-separated
/// EWT text/UPOS/NER with `#` comments, two whitespace columns without a scheme, or `text_label`
/// lines (words, a tab, the sentence's label), whose label must be on every token (see `fuzzRead`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzColumns(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzRead(data, size, formats: [
        .columns(ColumnFormat(columns: ["text", "pos", "chunk", "ner"], separator: .whitespace, tagSchemes: ["ner": .iob1])),
        .ewtNERPOS,
        .columns(ColumnFormat(columns: ["text", "tag"], separator: .whitespace, comments: .hashWithoutSeparator)),
        .textLabel,
    ], fileName: "fuzz.txt") { result in
        for sentence in result.sentences {
            guard let labels = sentence.labels(CoNLLFormat.textLabelType) else { continue }
            if labels.count != sentence.count || Set(labels).count != 1 || labels[0].isEmpty {
                preconditionFailure("a text_label sentence whose label is not one non-empty value on every token: \(sentence)")
            }
        }
    }
    return 0
}
