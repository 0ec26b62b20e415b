import Foundation

/// The project's one random generator: SplitMix64 (Steele, Lea & Flood, "Fast splittable
/// pseudorandom number generators", OOPSLA 2014). Small state, passed `inout`, never global.
///
/// Streams that must not depend on how work is split (dropout masks per sentence, say) are
/// made with `SplitMix64(keys:)` from values the caller passes: seed, epoch, step, sentence.
public struct SplitMix64: RandomNumberGenerator, Equatable, Sendable {
    /// The whole generator state; saving and restoring it resumes the stream exactly.
    public var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator keyed by several values, mixed so that nearby keys give unrelated streams.
    public init(keys: UInt64...) { self.init(keyList: keys) }

    /// A generator keyed by a list of values.
    public init(keyList: [UInt64]) {
        var s: UInt64 = 0x6A09_E667_F3BC_C909
        for k in keyList { s = SplitMix64.mix(s ^ SplitMix64.mix(k &+ 0x9E37_79B9_7F4A_7C15)) }
        state = s
    }

    /// The SplitMix64 finaliser: a bijective 64-bit mix.
    @inline(__always)
    public static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SplitMix64.mix(state)
    }

    /// A uniform float in [0, 1) with 24 random bits.
    @inline(__always)
    public mutating func nextUniform() -> Float {
        Float(next() >> 40) * (1.0 / 16_777_216.0)
    }

    /// A standard normal sample (Box–Muller).
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0), 1e-300)
        let u2 = Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }

    /// A uniform integer in 0..<bound, without modulo bias.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "nextInt(below:) needs a positive bound, got \(bound)")
        return Int(truncatingIfNeeded: next(upperBound: UInt64(bound)))
    }

    /// Shuffles `array` in place (Fisher–Yates), deterministically for a given state.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            let j = nextInt(below: i + 1)
            if i != j { array.swapAt(i, j) }
        }
    }
}
