import ArgumentParser

/// A size flag's accepted range and why its upper bound is where it is.
struct BenchLimit {
    let flag: String
    let range: ClosedRange<Int>
    let why: String

    /// Throws `ValidationError` for the first of `values` (in the order of `limits`) out of its range.
    static func check(_ limits: [BenchLimit], values: [Int]) throws {
        for (limit, value) in zip(limits, values) where !limit.range.contains(value) {
            throw ValidationError("\(limit.flag) \(value): expected \(limit.range.lowerBound) to " +
                                  "\(limit.range.upperBound) (\(limit.why))")
        }
    }
}
