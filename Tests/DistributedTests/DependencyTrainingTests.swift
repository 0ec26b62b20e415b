import Foundation
import Parsing
import TestSupport
import XCTest

/// `kind: dependency` through the binary: a parser beside a UPOS tagger on a tiny CoNLL-U corpus.
/// np 2 trains what np 1 trains, a resume on another world size continues the run, evaluate scores
/// LAS and UAS alike on 1 and 2 ranks and as `AttachmentScore` scores predict's trees, every
/// predicted tree has one root and no cycle, an export predicts what the model predicts, and a gold
/// cycle is refused with its file and line.
final class DependencyTrainingTests: XCTestCase {
    /// Invented sentences, a word per `form/upos/head/deprel`; relations with subtypes
    /// (`nmod:poss`, `obl:tmod`) score apart from their universal relation only in LAS with subtypes.
    static let sentences = [
        "The/DET/2/det dog/NOUN/3/nsubj barked/VERB/0/root ./PUNCT/3/punct",
        "My/PRON/2/nmod:poss cat/NOUN/3/nsubj sleeps/VERB/0/root today/NOUN/3/obl:tmod ./PUNCT/3/punct",
        "We/PRON/2/nsubj ate/VERB/0/root red/ADJ/4/amod apples/NOUN/2/obj ./PUNCT/2/punct",
        "She/PRON/2/nsubj bakes/VERB/0/root bread/NOUN/2/obj daily/ADV/2/advmod",
        "Birds/NOUN/2/nsubj sang/VERB/0/root loudly/ADV/2/advmod ./PUNCT/2/punct",
        "Our/PRON/2/nmod:poss puppies/NOUN/3/nsubj chewed/VERB/0/root old/ADJ/5/amod shoes/NOUN/3/obj",
        "He/PRON/2/nsubj saw/VERB/0/root the/DET/4/det bird/NOUN/2/obj yesterday/NOUN/2/obl:tmod",
        "They/PRON/2/nsubj cooked/VERB/0/root rice/NOUN/2/obj ./PUNCT/2/punct",
    ]

    /// CoNLL-U of `sentences`; `withoutHeads` more sentences whose HEAD and DEPREL are `_` (they
    /// train the tagger only).
    static func conllu(_ sentences: [String], withoutHeads: [String] = []) -> String {
        let annotated = sentences.map { ($0, true) } + withoutHeads.map { ($0, false) }
        return annotated.enumerated().map { s, item in
            let words = item.0.split(separator: " ").enumerated().map { i, word -> String in
                let f = word.split(separator: "/")
                return "\(i + 1)\t\(f[0])\t_\t\(f[1])\t_\t_\t\(item.1 ? f[2] : "_")\t\(item.1 ? f[3] : "_")\t_\t_"
            }
            return "# sent_id = tiny-\(s + 1)\n" + words.joined(separator: "\n") + "\n"
        }.joined(separator: "\n") + "\n"
    }

    static let config = """
        use_all_tasks: true
        corpora:
          ud: {format: conllu, train: train.conllu, dev: dev.conllu, test: dev.conllu}
        tasks:
          upos: {label: upos, head: softmax, hidden: 0, metric: accuracy}
          deps: {label: deprel, kind: dependency, hidden: 8, arc_size: 16, relation_size: 8}
        encoder: {word_dim: 16, char_dim: 8, char_hidden: 8, shared_hidden: 16}
        training: {max_steps: 8, batch_size: 4, optimizer: adam, learning_rate: 0.01, log_every: 4, seed: 3}
        checkpoint: {every: 4}

        """

    /// Writes the config, a training file (with one sentence without heads) and a dev file.
    func writeConfig(train: String = conllu(sentences, withoutHeads: ["Hello/INTJ/_/_ there/ADV/_/_"])) throws -> URL {
        let folder = try temporaryDirectory()
        try train.write(to: folder.appendingPathComponent("train.conllu"), atomically: true, encoding: .utf8)
        try Self.conllu(Self.sentences).write(to: folder.appendingPathComponent("dev.conllu"), atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("deps.yaml")
        try Self.config.write(to: config, atomically: true, encoding: .utf8)
        return config
    }

    func testAParserBesideATaggerTrainsTheSameOnOneAndTwoRanksAndResumesOnAnotherWorldSize() throws {
        let config = try writeConfig()
        let root = try temporaryDirectory()
        let models = try MTLDist.trainedModels(worldSizes: [1, 2], config: config, root: root, tasks: ["upos", "deps"]) { run, worldSize in
            XCTAssertEqual(run.occurrences(of: "training sentences per task: upos 9, deps 8"), 1, "a sentence without heads trains no parser: \(run)")
            XCTAssertTrue(run.stdout.contains("deps LAS "), "\(run)")
        }
        let one = try XCTUnwrap(models[1]), two = try XCTUnwrap(models[2])
        let d = one.differences(from: two)
        XCTAssertEqual(d.outside, 0, "np 2 vs np 1: \(d.outside) of \(one.values.count) differ; worst \(d.worstRatio)× at [\(d.worstIndex)]")

        let step4 = root.appendingPathComponent("np2/checkpoints/step-4")
        let inspect = try MTLDist.run(["checkpoint", "inspect", step4.path])
        XCTAssertEqual(inspect.status, 0, "\(inspect)")
        XCTAssertTrue(inspect.stdout.contains("labels, dependency, softmax, arcs 16, relations 8)"), inspect.stdout)

        // np 2's checkpoint at step 4, resumed on 1 rank, ends where np 2 ended (up to summation order)
        let resumed = root.appendingPathComponent("resumed")
        let resume = try MTLDist.run(["train", "--output", resumed.path, "--resume", step4.path])
        XCTAssertEqual(resume.status, 0, "\(resume)")
        XCTAssertEqual(resume.occurrences(of: "resuming at step 4"), 1, "\(resume)")
        let after = try CheckpointState(resumed, step: 8).values, straight = try CheckpointState(root.appendingPathComponent("np2"), step: 8).values
        let r = after.differences(from: straight)
        XCTAssertEqual(r.outside, 0, "resumed on 1 rank vs np 2 straight: \(r.outside) differ; worst \(r.worstRatio)×")
    }

    func testEvaluateScoresWhatPredictWritesAsTheCoNLL2018ScriptCountsItAndAnExportPredictsTheSame() throws {
        let config = try writeConfig()
        let root = try temporaryDirectory()
        let output = root.appendingPathComponent("run")
        let train = try MTLDist.run(["train", "--config", config.path, "--output", output.path])
        XCTAssertEqual(train.status, 0, "\(train)")
        let metrics = try metricsLines(output).filter { $0["type"] as? String == "eval" }
        XCTAssertNotNil(((metrics.last?["tasks"] as? [String: Any])?["deps"] as? [String: Any])?["las"] as? Double, "\(metrics)")

        func evaluate(_ model: URL, ranks: Int = 1) throws -> [String: Any] { try MTLDist.evaluation(model, worldSize: ranks) }
        let best = output.appendingPathComponent("best")
        let scores = try evaluate(best)
        XCTAssertEqual(NSDictionary(dictionary: try evaluate(best, ranks: 2)), NSDictionary(dictionary: scores))
        let deps = try XCTUnwrap((scores["tasks"] as? [String: Any])?["deps"] as? [String: Any], "\(scores)")
        XCTAssertEqual(deps["words"] as? Int, 36)
        // --calibration bins each word's relation probability against a right head and relation
        let calibrated = try MTLDist.run(["evaluate", "--model", best.path, "--json", "--calibration"])
        XCTAssertEqual(calibrated.status, 0, "\(calibrated)")
        let calibratedTasks = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(calibrated.stdout.utf8)) as? [String: Any])["tasks"]
        let calibration = try XCTUnwrap(((calibratedTasks as? [String: Any])?["deps"] as? [String: Any])?["calibration"] as? [String: Any])
        XCTAssertEqual(calibration["tokens"] as? Int, 36, "\(calibration)")

        // predict the dev words (one per line) on 1 and 2 ranks: one tree per sentence
        let gold = Self.sentences.map { $0.split(separator: " ").map { $0.split(separator: "/").map(String.init) } }
        let input = root.appendingPathComponent("dev.tokens")
        try gold.map { $0.map { $0[0] }.joined(separator: "\n") + "\n" }.joined(separator: "\n").write(to: input, atomically: true, encoding: .utf8)
        func predict(_ model: URL, ranks: Int = 1, format: String = "jsonl") throws -> String {
            let run = try MTLDist.ranks(ranks, ["predict", "--model", model.path, "--input", input.path, "--input-format", "conll",
                                                "--output-format", format])
            XCTAssertEqual(run.status, 0, "\(run)")
            return run.stdout
        }
        let jsonl = try predict(best)
        XCTAssertEqual(try predict(best, ranks: 2), jsonl)
        let lines = try jsonl.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(lines.count, gold.count)
        var system = ""
        for (s, line) in lines.enumerated() {
            let parse = try XCTUnwrap(line["deps"] as? [String: Any], "\(line)")
            let heads = try XCTUnwrap(parse["heads"] as? [Int]), relations = try XCTUnwrap(parse["relations"] as? [String])
            XCTAssertEqual(heads.count, gold[s].count)
            XCTAssertEqual(relations.count, gold[s].count)
            XCTAssertNil(DependencyTree.treeProblem(heads), "sentence \(s + 1): \(heads)")
            system += gold[s].indices.map { w in "\(w + 1)\t\(gold[s][w][0])\t_\t_\t_\t_\t\(heads[w])\t\(relations[w])\t_\t_\n" }.joined() + "\n"
        }
        // evaluate's counts are the CoNLL 2018 script's on predict's trees
        let reference = Self.conllu(Self.sentences)
        let universal = try AttachmentScore(gold: DependencyTreebank(text: reference, fileName: "gold"),
                                            system: DependencyTreebank(text: system, fileName: "system"))
        let subtypes = try AttachmentScore(gold: DependencyTreebank(text: reference, fileName: "gold"),
                                           system: DependencyTreebank(text: system, fileName: "system"), relations: .withSubtypes)
        // (as word counts: a JSON number read back may differ in its last bit)
        func words(_ key: String) throws -> Int { Int((try XCTUnwrap(deps[key] as? Double) * 36).rounded()) }
        XCTAssertEqual(universal.words, 36)
        XCTAssertEqual(try words("las"), universal.correctLabelled, "\(deps)")
        XCTAssertEqual(try words("uas"), universal.correctHeads, "\(deps)")
        XCTAssertEqual(try words("las_with_subtypes"), subtypes.correctLabelled, "\(deps)")

        // CoNLL output: HEAD and DEPREL columns; the end of training wrote gold and predicted ones
        let conll = try predict(best, format: "conll")
        XCTAssertTrue(conll.hasPrefix("# columns = token upos deps.head deps.deprel\n"), conll)
        let firstWord = try XCTUnwrap(conll.split(separator: "\n").dropFirst().first).split(separator: "\t")
        XCTAssertEqual(firstWord.count, 4, conll)
        XCTAssertEqual(Int(firstWord[2]), (lines[0]["deps"] as? [String: Any])?["heads"].flatMap { ($0 as? [Int])?.first })
        let written = try String(contentsOf: output.appendingPathComponent("predictions/dev.deps.conll"), encoding: .utf8)
        let rows = written.split(separator: "\n").map { $0.split(separator: " ") }
        XCTAssertEqual(rows.count, 36)
        XCTAssertEqual(rows.first?.prefix(3).joined(separator: " "), "The 2 det", written)
        XCTAssertTrue(rows.allSatisfy { $0.count == 5 }, written)

        // export: the same predictions and scores from the safetensors files; the numpy runtime refuses it
        let export = root.appendingPathComponent("export")
        let exported = try MTLDist.run(["export", "--model", best.path, "--output", export.path])
        XCTAssertEqual(exported.status, 0, "\(exported)")
        let tensors = try SafeTensorsHeader(export.appendingPathComponent("model.safetensors"))
        for name in ["heads.deps.root", "heads.deps.arc.weight", "heads.deps.relation.weight"] {
            XCTAssertTrue(tensors.names.contains(name), "\(name) in \(tensors.names.sorted())")
        }
        XCTAssertTrue(tensors.names.contains { $0.hasPrefix("heads.deps.lstm.") }, "the head's own BiLSTM: \(tensors.names.sorted())")
        XCTAssertEqual(try predict(export), jsonl)
        XCTAssertEqual(NSDictionary(dictionary: try evaluate(export)), NSDictionary(dictionary: scores))
        try MTLDist.assertNumpyRuntimeRefuses(export, input: input, saying: "task deps is a dependency task")
    }

    func testAGoldCycleIsRefusedWithItsFileAndLine() throws {
        var sentences = Self.sentences
        // words 1 and 2 head each other: a cycle beside the root word 3
        sentences[1] = "My/PRON/2/nmod:poss cat/NOUN/1/nsubj sleeps/VERB/0/root ./PUNCT/3/punct"
        let config = try writeConfig(train: Self.conllu(sentences))
        let output = try temporaryDirectory().appendingPathComponent("run")
        let run = try MTLDist.run(["train", "--config", config.path, "--output", output.path])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("train.conllu:7") && run.stderr.contains("a cycle through words"), "\(run)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.appendingPathComponent("checkpoints").path))
    }
}
