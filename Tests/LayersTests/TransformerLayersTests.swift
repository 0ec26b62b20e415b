import Autodiff
import Foundation
import Layers
import TestSupport
import XCTest

/// The transformer layers over packed sequences: gradient checks of LayerNorm, the attention op,
/// MultiHeadAttention, an encoder layer (with dropout) and the embeddings; attention against a
/// plain-loop reference; sequences that never see each other; packed dropout equal to the padded one.
final class TransformerLayersTests: XCTestCase {
    // two sequences packed: 3 rows, then 2 rows; C = 4 with 2 heads
    let lengths = [3, 2]
    let keys: [UInt64] = [11, 12]

    func testLayerNormGradients() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 1)
        let norm = LayerNorm(width: 4, eps: 1e-12, name: "ln", store: store, rng: &rng)
        store.setScalars(randomValues(4, seed: 2, scale: 0.5).map { $0 + 1 }, of: norm.weight)
        store.setScalars(randomValues(4, seed: 3), of: norm.bias)
        checkLayerGradients("LayerNorm", store: store, inputs: [([2, 3, 4], randomValues(24, seed: 4))]) { x, tape in
            norm(x[0], tape: tape)
        }
    }

    /// `packedSelfAttention` over q, k and v side by side, as the stacked projection gives them.
    func attention(query q: Tensor, key k: Tensor, value v: Tensor, heads: Int, lengths: [Int],
                   dropout: Float = 0, keys: [UInt64] = []) -> Tensor {
        packedSelfAttention(concatLastAxis([q, k, v]), heads: heads, lengths: lengths, dropout: dropout, keys: keys)
    }

    func testAttentionGradients() {
        let inputs: [(Shape, [Float])] = (0..<3).map { ([5, 4], randomValues(20, seed: 20 + UInt64($0))) }
        GradientCheck.check("packedSelfAttention", inputs: inputs) {
            self.attention(query: $0[0], key: $0[1], value: $0[2], heads: 2, lengths: self.lengths)
        }
        GradientCheck.check("packedSelfAttention with dropout", inputs: inputs) {
            self.attention(query: $0[0], key: $0[1], value: $0[2], heads: 2, lengths: self.lengths,
                                dropout: 0.3, keys: self.keys)
        }
        GradientCheck.check("packedSelfAttention, an empty sequence", inputs: inputs) {
            self.attention(query: $0[0], key: $0[1], value: $0[2], heads: 4, lengths: [0, 5, 0])
        }
    }

    /// out[r, h·d + e] = Σ_j softmax_j(q[r]·k[j] / √d over the sequence's rows j) · v[j, h·d + e]
    func naiveAttention(_ q: [Float], _ k: [Float], _ v: [Float], c: Int, heads: Int, lengths: [Int]) -> [Float] {
        let d = c / heads
        var out = [Float](repeating: 0, count: q.count)
        var start = 0
        for l in lengths {
            for h in 0..<heads {
                for i in 0..<l {
                    var scores = [Double](repeating: 0, count: l)
                    for j in 0..<l {
                        for e in 0..<d { scores[j] += Double(q[(start + i) * c + h * d + e] * k[(start + j) * c + h * d + e]) }
                        scores[j] /= Double(d).squareRoot()
                    }
                    let mx = scores.max()!
                    let z = scores.reduce(0) { $0 + Foundation.exp($1 - mx) }
                    for j in 0..<l {
                        let w = Foundation.exp(scores[j] - mx) / z
                        for e in 0..<d { out[(start + i) * c + h * d + e] += Float(w) * v[(start + j) * c + h * d + e] }
                    }
                }
            }
            start += l
        }
        return out
    }

    func testAttentionMatchesPlainLoopsAndIsolatesSequences() {
        let q = randomValues(7 * 8, seed: 30), k = randomValues(7 * 8, seed: 31), v = randomValues(7 * 8, seed: 32)
        let lengths = [4, 1, 2]
        let t = { (x: [Float]) in Tensor(shape: [7, 8], scalars: x) }
        let out = attention(query: t(q), key: t(k), value: t(v), heads: 2, lengths: lengths).scalars
        assertClose(out, naiveAttention(q, k, v, c: 8, heads: 2, lengths: lengths), atol: 1e-5, rtol: 1e-5, "attention")
        // changing the rows of sequence 2 leaves sequences 0 and 1 alone
        var v2 = v
        for i in (5 * 8)..<(7 * 8) { v2[i] += 5 }
        let other = attention(query: t(q), key: t(k), value: t(v2), heads: 2, lengths: lengths).scalars
        XCTAssertEqual(Array(other[0..<(5 * 8)]), Array(out[0..<(5 * 8)]))
        XCTAssertNotEqual(Array(other[(5 * 8)...]), Array(out[(5 * 8)...]))
    }

    func testAttentionDropoutIsKeyedPerSequence() {
        let x = { (seed: UInt64) in Tensor(shape: [5, 4], scalars: randomValues(20, seed: seed)) }
        let both = attention(query: x(1), key: x(2), value: x(3), heads: 2, lengths: lengths,
                                       dropout: 0.5, keys: keys).scalars
        let plain = attention(query: x(1), key: x(2), value: x(3), heads: 2, lengths: lengths).scalars
        XCTAssertNotEqual(both, plain, "dropout changes something")
        // the second sequence alone, with its key, gets the same result as when packed after the first
        let rows = { (t: Tensor) in Tensor(shape: [2, 4], scalars: Array(t.scalars[12...])) }
        let alone = attention(query: rows(x(1)), key: rows(x(2)), value: rows(x(3)), heads: 2, lengths: [2],
                                        dropout: 0.5, keys: [keys[1]]).scalars
        XCTAssertEqual(alone, Array(both[12...]))
    }

    // rows 0 and 2 of the first sequence, row 1 (position 1) of the second
    let queryRows = PackedRows(lengths: [3, 2], rows: [0, 2, 4])

    func testPackedRowsPlaceEachRowInItsSequence() {
        XCTAssertEqual(queryRows.counts, [2, 1])
        XCTAssertEqual(queryRows.positions, [0, 2, 1])
        XCTAssertFalse(queryRows.isAll)
        let some = PackedRows(lengths: [0, 2, 0, 3], rows: [1, 2, 4])
        XCTAssertEqual(some.counts, [0, 1, 0, 2])
        XCTAssertEqual(some.positions, [1, 0, 2])
        XCTAssertTrue(PackedRows(all: [2, 0, 1]).isAll)
    }

    /// The rows of a query selection are the rows of the whole attention, dropout included, and
    /// their gradients check against finite differences.
    func testAttentionOfSomeQueriesEqualsTheirRowsOfTheWhole() {
        let qkv = Tensor(shape: [5, 12], scalars: randomValues(60, seed: 40))
        for p: Float in [0, 0.4] {
            let keys = p > 0 ? self.keys : []
            let whole = packedSelfAttention(qkv, heads: 2, lengths: lengths, dropout: p, keys: keys).scalars
            let some = packedSelfAttention(qkv, heads: 2, lengths: lengths, dropout: p, keys: keys, queries: queryRows).scalars
            let expected = queryRows.rows.flatMap { whole[($0 * 4)..<($0 * 4 + 4)] }
            assertClose(some, expected, atol: 1e-6, rtol: 1e-6, "dropout \(p)")
        }
        let inputs: [(Shape, [Float])] = [([5, 12], randomValues(60, seed: 41))]
        GradientCheck.check("packedSelfAttention of some queries, with dropout", inputs: inputs) {
            packedSelfAttention($0[0], heads: 2, lengths: self.lengths, dropout: 0.3, keys: self.keys, queries: self.queryRows)
        }
        GradientCheck.check("packedSelfAttention, a sequence with no query", inputs: inputs) {
            packedSelfAttention($0[0], heads: 2, lengths: self.lengths, queries: PackedRows(lengths: self.lengths, rows: [3]))
        }
    }

    func testMultiHeadAttentionGradients() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 5)
        let attention = MultiHeadAttention(width: 4, headCount: 2, dropout: 0.2, site: 9, name: "att", store: store, rng: &rng)
        XCTAssertEqual(store.parameters.map(\.name), ["att.self.query.weight", "att.self.query.bias", "att.self.key.weight",
                                                      "att.self.key.bias", "att.self.value.weight", "att.self.value.bias",
                                                      "att.output.dense.weight", "att.output.dense.bias"])
        for p in store.parameters where p.name.hasSuffix("bias") { store.setScalars(randomValues(4, seed: 6, scale: 0.3), of: p) }
        checkLayerGradients("MultiHeadAttention", store: store, inputs: [([5, 4], randomValues(20, seed: 7))]) { x, tape in
            attention(x[0], lengths: self.lengths, keys: self.keys, training: true, tape: tape)
        }
    }

    func testEncoderLayerGradientsWithDropout() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 8)
        let encoder = TransformerEncoder(layerCount: 2, width: 4, headCount: 2, intermediateSize: 6, layerNormEps: 1e-12,
                                         hiddenDropout: 0.1, attentionDropout: 0.1, site: 50, name: "encoder",
                                         store: store, rng: &rng)
        XCTAssertEqual(encoder.parameters.count, 2 * 16)
        XCTAssertEqual(encoder.parameters[8].name, "encoder.layer.0.attention.output.LayerNorm.weight")
        XCTAssertEqual(encoder.parameters.last?.name, "encoder.layer.1.output.LayerNorm.bias")
        var noise = SplitMix64(seed: 9)
        for p in store.parameters where p.name.contains("LayerNorm") {
            store.setScalars((0..<p.count).map { _ in (p.name.hasSuffix("weight") ? 1 : 0) + 0.3 * noise.nextNormal() }, of: p)
        }
        checkLayerGradients("TransformerEncoder", store: store, inputs: [([5, 4], randomValues(20, seed: 10))]) { x, tape in
            let states = encoder(x[0], lengths: self.lengths, keys: self.keys, training: true, tape: tape)
            return concatLastAxis(states)
        }
    }

    /// An encoder layer computing only some rows gives those rows of the whole layer (dropout
    /// included) and gradients that check.
    func testEncoderLayerOfSomeRowsEqualsTheirRowsOfTheWhole() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 13)
        let layer = TransformerEncoderLayer(width: 4, headCount: 2, intermediateSize: 6, layerNormEps: 1e-12,
                                            hiddenDropout: 0.2, attentionDropout: 0.2, site: 70, name: "layer",
                                            store: store, rng: &rng)
        var noise = SplitMix64(seed: 14)
        for p in store.parameters where p.name.contains("LayerNorm") || p.name.hasSuffix("bias") {
            store.setScalars((0..<p.count).map { _ in (p.name.hasSuffix("LayerNorm.weight") ? 1 : 0) + 0.3 * noise.nextNormal() }, of: p)
        }
        let x = Tensor(shape: [5, 4], scalars: randomValues(20, seed: 15))
        for training in [false, true] {
            let whole = layer(x, lengths: lengths, keys: keys, training: training, tape: nil).scalars
            let some = layer(x, lengths: lengths, keys: keys, training: training, tape: nil, outputRows: queryRows).scalars
            XCTAssertEqual(some.count, 12)
            assertClose(some, queryRows.rows.flatMap { whole[($0 * 4)..<($0 * 4 + 4)] }, atol: 1e-5, rtol: 1e-5, "training \(training)")
        }
        checkLayerGradients("TransformerEncoderLayer of some rows", store: store, inputs: [([5, 4], randomValues(20, seed: 16))]) { x, tape in
            layer(x[0], lengths: self.lengths, keys: self.keys, training: true, tape: tape, outputRows: self.queryRows)
        }
    }

    func testEmbeddingsGradients() {
        let store = ParameterStore()
        var rng = SplitMix64(seed: 11)
        let embeddings = TransformerEmbeddings(vocabularySize: 6, maxPositions: 4, typeCount: 2, width: 4, layerNormEps: 1e-12,
                                               dropout: 0.2, site: 3, name: "embeddings", store: store, rng: &rng)
        XCTAssertEqual(embeddings.parameters.map(\.name), ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight",
                                                           "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight",
                                                           "embeddings.LayerNorm.bias"])
        for p in store.parameters where !p.name.contains("LayerNorm") {
            store.setScalars(randomValues(p.count, seed: 12), of: p)
        }
        checkLayerGradients("TransformerEmbeddings", store: store) { _, tape in
            embeddings([2, 5, 1, 5, 0], lengths: self.lengths, keys: self.keys, training: true, tape: tape)
        }
    }

    func testPackedDropoutEqualsPaddedDropoutOnRealRows() {
        let dropout = Dropout(probability: 0.4, site: 17)
        let packed = Tensor(shape: [5, 4], scalars: randomValues(20, seed: 13).map { $0 + 2 })
        let padded = packed.paddedSequences(lengths: lengths, steps: 3)
        let a = dropout(packed, lengths: lengths, keys: keys, training: true).scalars
        let b = dropout(padded, keys: keys, training: true).scalars
        XCTAssertEqual(Array(a[0..<12]), Array(b[0..<12]))
        XCTAssertEqual(Array(a[12..<20]), Array(b[12..<20]))
        XCTAssertTrue(a.contains(0) && a.contains { $0 != 0 })
        XCTAssertTrue(dropout(packed, lengths: lengths, keys: keys, training: false) === packed)
    }

    func testPackedDropoutOfSomeRowsKeepsTheirMasks() {
        let dropout = Dropout(probability: 0.4, site: 18)
        let packed = Tensor(shape: [5, 4], scalars: randomValues(20, seed: 19).map { $0 + 2 })
        let whole = dropout(packed, lengths: lengths, keys: keys, training: true).scalars
        let some = dropout(packed.selectingRows(queryRows.rows), rows: queryRows, keys: keys, training: true).scalars
        XCTAssertEqual(some, queryRows.rows.flatMap { whole[($0 * 4)..<($0 * 4 + 4)] })
    }

    func testGeluIsTheExactErfForm() {
        // x · Φ(x): 0.8413447 at 1 (the tanh approximation gives 0.8411920), −0.0455003 at −2
        let y = Tensor(shape: [3], scalars: [1, -2, 0.5]).gelu().scalars
        assertClose(y, [0.841_344_7, -0.045_500_26, 0.345_731_3], atol: 2e-7, rtol: 0, "gelu")
    }
}
