import CoNLL
import FuzzSupport

/// The Universal NER (IOB2) reader (see `fuzzRead`), then the conlleval span counts of each NER
/// column against itself, which must score F1 1 whenever there is a span.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIOB2(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzRead(data, size, formats: [.universalNER], fileName: "fuzz.iob2") { result in
        var evaluation = SpanEvaluation()
        for sentence in result.sentences {
            let tags = sentence.labels["ner"] ?? []
            evaluation.add(gold: tags, predicted: tags, scheme: .iob2)
        }
        if evaluation.total.predicted > 0 && evaluation.f1 != 1 { preconditionFailure("tags scored against themselves below F1 1") }
    }
    return 0
}
