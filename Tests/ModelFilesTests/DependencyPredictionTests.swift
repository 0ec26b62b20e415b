import CoNLL
import ModelFiles
import XCTest

/// A parser's ids (heads, then relation ids) as the words' `HEAD<TAB>DEPREL`, also for a piece of a
/// long sentence, whose heads move into the sentence and whose root stays the root.
final class DependencyPredictionTests: XCTestCase {
    let task = TaskInfo(name: "deps", corpus: "ud", label: "deprel", metric: .las, inputScheme: nil, trainScheme: nil,
                        labels: Vocabulary(counting: [["root", "nsubj", "obj"]], order: .firstSeen), kind: .dependency)

    func testHeadsAndRelationsAreReadBackWordByWord() {
        let ids: [Int32] = [2, 0, 2] + [2, 1, 3].map { Int32(task.labels.id(of: ["", "root", "nsubj", "obj"][Int($0)])!) }
        let tags = task.predictedTags(ids, forms: ["She", "eats", "rice"])
        XCTAssertEqual(tags, ["2\tnsubj", "0\troot", "2\tobj"])
        XCTAssertEqual(tags.map { TaskInfo.dependencyParts($0).head }, [2, 0, 2])
        XCTAssertEqual(tags.map { TaskInfo.dependencyParts($0).relation }, ["nsubj", "root", "obj"])
    }

    func testAPieceAfterTheFirstWordsMovesItsHeadsButNotItsRoot() {
        let root = Int32(task.labels.id(of: "root")!), obj = Int32(task.labels.id(of: "obj")!)
        let tags = task.predictedTags([0, 1] + [root, obj], forms: ["eats", "rice"], offset: 1000)
        XCTAssertEqual(tags, ["0\troot", "1001\tobj"])
    }
}
