import Foundation
import FuzzSupport
import Reporting

/// A run's `metrics.jsonl` from arbitrary bytes, drawn as `mtl-dist report RUN_DIR` draws it: read
/// line by line, every train and eval line's step and values checked, the curves thinned and
/// rendered as SVG (ticks for any finite range: no trap, no endless loop).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetrics(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard (try? Data(fuzzBytes(data, size)).write(to: file)) != nil else { return 0 }
    fuzzCheck {
        let curves = try TrainingCurves(metrics: file)
        _ = curves.figure.svg
    }
    return 0
}

private let file = fuzzScratch("metrics").appendingPathComponent("metrics.jsonl")
