import CoNLL
import FuzzSupport

/// The CoNLL-U reader (see `fuzzRead`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCoNLLU(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzRead(data, size, formats: [.conllu], fileName: "fuzz.conllu")
    return 0
}
