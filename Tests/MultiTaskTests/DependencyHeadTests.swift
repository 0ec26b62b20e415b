import Autodiff
import MultiTask
import Optimizers
import Parsing
import TestSupport
import XCTest

final class DependencyHeadTests: XCTestCase {
    /// A head over 4-wide encodings with 3 relations, arc MLP 3, relation MLP 2; every parameter
    /// seeded away from zero (the scorers start at zero), unless `randomised` is false.
    private func makeHead(dropout: Float = 0, randomised: Bool = true, inputWidth: Int = 4, arcSize: Int = 3,
                          relationSize: Int = 2, relations: Int = 3, seed: UInt64 = 5) -> (DependencyHead, ParameterStore) {
        let store = ParameterStore()
        var rng = SplitMix64(seed: seed)
        let head = DependencyHead(name: "deps", index: 0, inputWidth: inputWidth, relationCount: relations, arcSize: arcSize,
                                  relationSize: relationSize, dropout: dropout, store: store, rng: &rng)
        if randomised {
            for (k, p) in store.parameters.enumerated() { store.setScalars(randomValues(p.count, seed: seed * 100 + UInt64(k)), of: p) }
        }
        return (head, store)
    }

    func testParametersAreNamedUnderTheTask() {
        let (head, store) = makeHead(randomised: false)
        let expected: [(String, Shape)] = [
            ("heads.deps.root", [4]),
            ("heads.deps.arc_dependent.weight", [3, 4]), ("heads.deps.arc_dependent.bias", [3]),
            ("heads.deps.arc_head.weight", [3, 4]), ("heads.deps.arc_head.bias", [3]),
            ("heads.deps.relation_dependent.weight", [2, 4]), ("heads.deps.relation_dependent.bias", [2]),
            ("heads.deps.relation_head.weight", [2, 4]), ("heads.deps.relation_head.bias", [2]),
            ("heads.deps.arc.weight", [3, 3]), ("heads.deps.arc.head_bias", [3]),
            ("heads.deps.relation.weight", [2, 3, 2]), ("heads.deps.relation.linear.weight", [3, 4]),
            ("heads.deps.relation.linear.bias", [3]),
        ]
        XCTAssertEqual(store.parameters.map(\.name), expected.map(\.0))
        XCTAssertEqual(store.parameters.map(\.shape), expected.map(\.1))
        XCTAssertEqual(head.parameters, store.parameters)
    }

    // Two sentences of 3 and 2 words in a batch of T = 3.
    let x = randomValues(2 * 3 * 4, seed: 1)
    let heads: [Int32] = [2, 0, 2, 0, 1, 0]
    let relations: [Int32] = [1, 0, 2, 0, 2, 0]

    func testLossGradients() {
        let (head, store) = makeHead()
        checkLayerGradients("DependencyHead loss", store: store, inputs: [([2, 3, 4], x)]) { xs, tape in
            head.loss(xs[0], heads: heads, relations: relations, lengths: [3, 2], keys: [1, 2], tape: tape, training: false)
        }
    }

    /// With dropout, masks drawn from the rows' keys: the same keys give the same loss (so the
    /// check can perturb), and the loss is not the one without dropout.
    func testLossGradientsWithDropout() {
        let (head, store) = makeHead(dropout: 0.25)
        func loss(_ tape: Tape?, training: Bool, _ input: Tensor? = nil) -> Tensor {
            head.loss(input ?? Tensor(shape: [2, 3, 4], scalars: x), heads: heads, relations: relations, lengths: [3, 2],
                      keys: [1, 2], tape: tape, training: training)
        }
        XCTAssertEqual(loss(nil, training: true).item, loss(nil, training: true).item)
        XCTAssertNotEqual(loss(nil, training: true).item, loss(nil, training: false).item)
        checkLayerGradients("DependencyHead loss with dropout", store: store, inputs: [([2, 3, 4], x)]) { xs, tape in
            loss(tape, training: true, xs[0])
        }
    }

    /// The loss of a batch is the sum of its sentences' losses alone, whatever the padding holds,
    /// and so are the parameters' gradients; padding gets no gradient.
    func testPaddingChangesNothing() {
        let (head, store) = makeHead()
        let lengths = [4, 2], t = 5, c = 4
        let rows = [randomValues(4 * c, seed: 2), randomValues(2 * c, seed: 3)]
        let gold: [[Int32]] = [[2, 0, 4, 2], [0, 1]], labels: [[Int32]] = [[1, 0, 2, 2], [0, 1]]
        func run(_ x: [Float], _ shape: Shape, heads: [Int32], relations: [Int32], lengths: [Int]) -> (Float, [Float], [Float]) {
            store.zeroGrad()
            let tape = Tape()
            let input = Tensor.variable(shape: shape, scalars: x, tape: tape)
            let loss = head.loss(input, heads: heads, relations: relations, lengths: lengths, keys: lengths.map { UInt64($0) },
                                 tape: tape, training: false)
            let value = loss.item
            tape.backward(from: loss)
            return (value, input.gradScalars, Array(store.grads.pointer))
        }
        // the batch, its padding filled with junk: big vectors, heads and relations out of range
        var batch = randomValues(2 * t * c, seed: 4, scale: 30)
        var batchHeads = [Int32](repeating: 9, count: 2 * t), batchRelations = [Int32](repeating: 7, count: 2 * t)
        for r in 0..<2 {
            for i in 0..<lengths[r] {
                for j in 0..<c { batch[(r * t + i) * c + j] = rows[r][i * c + j] }
                batchHeads[r * t + i] = gold[r][i]
                batchRelations[r * t + i] = labels[r][i]
            }
        }
        let (batchLoss, batchInputGrad, batchGrad) = run(batch, [2, t, c], heads: batchHeads, relations: batchRelations, lengths: lengths)
        var alone = [(Float, [Float], [Float])]()
        for r in 0..<2 {
            alone.append(run(rows[r], [1, lengths[r], c], heads: gold[r], relations: labels[r], lengths: [lengths[r]]))
        }
        XCTAssertEqual(batchLoss, alone[0].0 + alone[1].0, accuracy: 1e-4)
        assertClose(batchGrad, zip(alone[0].2, alone[1].2).map { $0 + $1 }, atol: 1e-5, rtol: 1e-4, "parameter gradients")
        for r in 0..<2 {
            let real = Array(batchInputGrad[(r * t * c)..<((r * t + lengths[r]) * c)])
            assertClose(real, alone[r].1, atol: 1e-5, rtol: 1e-4, "input gradient of row \(r)")
            XCTAssertTrue(batchInputGrad[((r * t + lengths[r]) * c)..<((r + 1) * t * c)].allSatisfy { $0 == 0 }, "padding of row \(r)")
        }
    }

    /// What data parallelism relies on: with dropout masks keyed by the sentence, the gradients of
    /// two halves of a batch (each padded to its own longest sentence) sum to the whole's; and
    /// backward reports each of the head's parameters once, with its final gradient.
    func testSplitBatchesSumAndParametersAreReportedOnceFinal() {
        let (head, store) = makeHead(dropout: 0.3)
        let lengths = [3, 5, 2, 4], c = 4
        let rows = lengths.enumerated().map { r, len in randomValues(len * c, seed: 60 + UInt64(r)) }
        let gold: [[Int32]] = [[0, 1, 1], [2, 0, 2, 5, 4], [2, 0], [0, 1, 1, 3]]
        let labels: [[Int32]] = [[0, 1, 2], [2, 1, 0, 0, 1], [1, 0], [2, 2, 1, 0]]
        func loss(_ members: [Int], tape: Tape) -> Tensor {
            let t = members.map { lengths[$0] }.max()!
            var x = [Float](repeating: 0, count: members.count * t * c)
            var heads = [Int32](repeating: 0, count: members.count * t), relations = heads
            for (k, r) in members.enumerated() {
                for i in 0..<lengths[r] {
                    for j in 0..<c { x[(k * t + i) * c + j] = rows[r][i * c + j] }
                    heads[k * t + i] = gold[r][i]
                    relations[k * t + i] = labels[r][i]
                }
            }
            return head.loss(Tensor(shape: [members.count, t, c], scalars: x), heads: heads, relations: relations,
                             lengths: members.map { lengths[$0] }, keys: members.map { UInt64(100 + $0) }, tape: tape, training: true)
        }
        func gradient(_ members: [Int]) -> [Float] {
            store.zeroGrad()
            let tape = Tape()
            tape.backward(from: loss(members, tape: tape))
            return Array(store.grads.pointer)
        }
        let whole = gradient([0, 1, 2, 3])
        assertClose(zip(gradient([0, 2]), gradient([1, 3])).map { $0 + $1 }, whole, atol: 1e-5, rtol: 1e-4, "halves")

        store.zeroGrad()
        let tape = Tape()
        var snapshots: [(Range<Int>, [Float])] = []
        tape.backward(from: loss([0, 1, 2, 3], tape: tape), store: store) { range in
            snapshots.append((range, Array(store.grads.pointer[range])))
        }
        let final = Array(store.grads.pointer)
        XCTAssertEqual(final, whole, "same gradients as plain backward")
        XCTAssertEqual(snapshots.map(\.0.lowerBound).sorted(), head.parameters.map(\.offset), "each parameter once")
        for (range, snapshot) in snapshots {
            XCTAssertEqual(snapshot, Array(final[range]), "\(range) reported before its gradient was final")
        }
    }

    /// Decoding gives a tree with one root word, the one `TreeDecoder` finds over the same scores,
    /// and each word's best relation at its head; a sentence decodes alike alone and padded. Over
    /// eight seeded heads, some of which make several words prefer the root.
    func testDecodeIsTheOneRootTreeOfTheArcScores() throws {
        var rowsWithSeveralGreedyRoots = 0
        for seed in [UInt64](9...16) {
            rowsWithSeveralGreedyRoots += try checkDecode(seed: seed)
        }
        XCTAssertGreaterThan(rowsWithSeveralGreedyRoots, 0, "the one-root constraint never mattered")
    }

    /// Checks the decoding of four sentences by a head seeded with `seed`; returns how many of them
    /// have several words whose best head is the root.
    private func checkDecode(seed: UInt64) throws -> Int {
        let (head, _) = makeHead(inputWidth: 6, arcSize: 5, relationSize: 4, relations: 5, seed: seed)
        let lengths = [6, 3, 1, 0], t = 6
        let x = Tensor(shape: [4, t, 6], scalars: randomValues(4 * t * 6, seed: seed + 1, scale: 2))
        let parses = try head.decode(x, lengths: lengths)
        let f = head.features(x, lengths: lengths, keys: [0, 0, 0, 0], tape: nil, training: false)
        let scores = head.arcScores(f).scalars
        var decodedHeads = [Int32](repeating: 0, count: 4 * t)
        var severalGreedyRoots = 0
        for (r, len) in lengths.enumerated() {
            XCTAssertEqual(parses[r].heads.count, len)
            XCTAssertEqual(parses[r].relations.count, len)
            guard len > 0 else { continue }
            XCTAssertNil(DependencyTree.treeProblem(parses[r].heads), "seed \(seed) row \(r): \(parses[r].heads)")
            let matrix = [[Float](repeating: 0, count: len + 1)]
                + (0..<len).map { i in Array(scores[((r * t + i) * (t + 1))...].prefix(len + 1)) }
            XCTAssertEqual(parses[r].heads, try TreeDecoder.decode(matrix), "seed \(seed) row \(r)")
            let greedyRoots = (1...len).filter { d in matrix[d].indices.filter { $0 != d }.max { matrix[d][$0] < matrix[d][$1] } == 0 }
            if greedyRoots.count > 1 { severalGreedyRoots += 1 }
            for i in 0..<len { decodedHeads[r * t + i] = Int32(parses[r].heads[i]) }
        }
        let relationScores = head.relationScores(f, heads: decodedHeads).scalars
        for (r, len) in lengths.enumerated() {
            for i in 0..<len {
                let row = Array(relationScores[((r * t + i) * 5)..<((r * t + i + 1) * 5)])
                XCTAssertEqual(Int(parses[r].relations[i]), row.indices.max { row[$0] < row[$1] }, "seed \(seed) row \(r) word \(i + 1)")
            }
            guard len > 0 else { continue }
            let alone = Tensor(shape: [1, len, 6], scalars: Array(x.scalars[(r * t * 6)..<((r * t + len) * 6)]))
            XCTAssertEqual(try head.decode(alone, lengths: [len]), [parses[r]], "seed \(seed) row \(r)")
        }
        return severalGreedyRoots
    }

    /// On six short sentences of fixed random word vectors, a few hundred SGD steps on the summed
    /// loss parse every training sentence right (UAS and LAS 100 %).
    func testLearnsToParseTheTrainingSentences() throws {
        let c = 16, relationCount = 4
        var rng = SplitMix64(seed: 42)
        let lengths = [3, 5, 4, 6, 2, 5], t = lengths.max()!, rows = lengths.count
        var x = [Float](repeating: 0, count: rows * t * c)
        var gold = [Int32](repeating: 0, count: rows * t), labels = [Int32](repeating: 0, count: rows * t)
        for (r, len) in lengths.enumerated() {
            // a random tree: words join in a random order, each under the root (the first) or a word already in
            var order = Array(1...len)
            for k in stride(from: len - 1, to: 0, by: -1) { order.swapAt(k, Int(rng.next() % UInt64(k + 1))) }
            for (k, w) in order.enumerated() {
                gold[r * t + w - 1] = k == 0 ? 0 : Int32(order[Int(rng.next() % UInt64(k))])
                labels[r * t + w - 1] = Int32(rng.next() % UInt64(relationCount))
            }
            for i in 0..<(len * c) { x[r * t * c + i] = rng.nextUniform() * 2 - 1 }
        }
        let (head, store) = makeHead(randomised: false, inputWidth: c, arcSize: 16, relationSize: 8, relations: relationCount, seed: 7)
        let input = Tensor(shape: [rows, t, c], scalars: x)
        var sgd = try SGD(momentum: 0.9)
        for _ in 0..<300 {
            store.zeroGrad()
            let tape = Tape()
            let loss = head.loss(input, heads: gold, relations: labels, lengths: lengths, keys: lengths.map { UInt64($0) },
                                 tape: tape, training: true)
            tape.backward(from: loss)
            sgd.step(store: store, learningRate: 0.02)
        }
        var score = AttachmentScore()
        for (r, parse) in try head.decode(input, lengths: lengths).enumerated() {
            let len = lengths[r]
            score.add(goldHeads: gold[(r * t)..<(r * t + len)].map { Int($0) }, goldRelations: labels[(r * t)..<(r * t + len)].map { "\($0)" },
                      systemHeads: parse.heads, systemRelations: parse.relations.map { "\($0)" })
        }
        XCTAssertEqual(score.words, lengths.reduce(0, +))
        XCTAssertEqual(score.uas, 1, "UAS")
        XCTAssertEqual(score.las, 1, "LAS")
    }
}
