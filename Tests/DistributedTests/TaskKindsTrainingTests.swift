import Foundation
import TestSupport
import XCTest

/// Task kinds through the binary: in one model, NER (span tagging) and the genre of the embedded
/// corpus (classification from the `sent_id` prefix, attention pooling), lemmas and a `# topic`
/// comment label of a tiny CoNLL-U corpus, and the intent of a tiny `text_label` file (first-token
/// pooling). np 2 trains what np 1 trains, a resume on another world size continues the run, and
/// evaluate, predict and export carry every kind.
final class TaskKindsTrainingTests: XCTestCase {
    /// Invented sentences: `form/lemma` words, the `# topic` comment.
    static let udSentences: [(topic: String, words: String)] = [
        ("pets", "The/the dogs/dog were/be running/run ./."),
        ("pets", "A/a cat/cat sleeps/sleep on/on mats/mat ./."),
        ("food", "We/we ate/eat apples/apple and/and pears/pear ./."),
        ("food", "She/she bakes/bake breads/bread daily/daily ./."),
        ("pets", "Birds/bird sang/sing loudly/loudly ./."),
        ("food", "They/they cooked/cook rice/rice ./."),
        ("pets", "Our/our puppies/puppy chewed/chew shoes/shoe ./."),
        ("food", "He/he was/be tasting/taste soups/soup ./."),
    ]

    /// The tiny CoNLL-U corpus: `# sent_id`, `# topic`, word lines with form and lemma.
    static var udCorpus: String {
        udSentences.enumerated().map { s, sentence in
            let words = sentence.words.split(separator: " ").enumerated().map { i, pair -> String in
                let parts = pair.split(separator: "/", maxSplits: 1)
                return "\(i + 1)\t\(parts[0])\t\(parts[1])\t_\t_\t_\t\(i == 0 ? 0 : 1)\tdep\t_\t_"
            }
            return "# sent_id = tiny-\(s + 1)\n# topic = \(sentence.topic)\n" + words.joined(separator: "\n") + "\n"
        }.joined(separator: "\n") + "\n"
    }

    static let intents = """
        book a flight to Paris\tbook
        what is the weather today\tweather
        reserve two seats please\tbook
        will it rain tomorrow\tweather
        book me a table\tbook
        is it cold outside\tweather

        """

    static let config = """
        corpora:
          ewt: {format: columns, columns: [text, upos, ner], separator: tab, train: ewt/train.tsv, dev: ewt/dev.tsv,
                sent_id_prefix_label: genre}
          ud: {format: conllu, train: ud.conllu, dev: ud.conllu, comment_labels: [topic]}
          intents: {format: text_label, train: intents.tsv, dev: intents.tsv}
        tasks:
          ner: {corpus: ewt, label: ner, head: crf, hidden: 0}
          genre: {corpus: ewt, label: genre, kind: classification, pooling: attention, hidden: 0}
          lemma: {corpus: ud, label: lemma, kind: lemma, hidden: 0}
          topic: {corpus: ud, label: topic, kind: classification, metric: macro_f1, hidden: 0}
          intent: {corpus: intents, label: label, kind: classification, pooling: first, hidden: 0}
        encoder: {word_dim: 16, char_dim: 8, char_hidden: 8, shared_hidden: 16}
        training: {max_steps: 8, batch_size: 10, optimizer: sgd, learning_rate: 0.1, log_every: 4, seed: 5}
        checkpoint: {every: 4}

        """

    /// Writes the config and its three corpora into a new temporary folder; returns the config file.
    func writeConfig() throws -> URL {
        let folder = try temporaryDirectory()
        try MTLDist.copyDefaultCorpus(into: folder, as: "ewt")
        try Self.udCorpus.write(to: folder.appendingPathComponent("ud.conllu"), atomically: true, encoding: .utf8)
        try Self.intents.write(to: folder.appendingPathComponent("intents.tsv"), atomically: true, encoding: .utf8)
        let config = folder.appendingPathComponent("kinds.yaml")
        try Self.config.write(to: config, atomically: true, encoding: .utf8)
        return config
    }

    func testOneAndTwoRanksTrainTheSameModelAndAResumeOnAnotherWorldSizeContinuesIt() throws {
        let config = try writeConfig()
        let root = try temporaryDirectory()
        let models = try MTLDist.trainedModels(worldSizes: [1, 2], config: config, root: root,
                                               tasks: ["ner", "genre", "lemma", "topic", "intent"]) { run, worldSize in
            XCTAssertEqual(run.occurrences(of: "training ner + genre + lemma + topic + intent on \(worldSize) rank"), 1, "\(run)")
        }
        let one = try XCTUnwrap(models[1]), two = try XCTUnwrap(models[2])
        let d = one.differences(from: two)
        XCTAssertEqual(d.outside, 0, "np 2 vs np 1: \(d.outside) of \(one.values.count) differ; worst \(d.worstRatio)× at [\(d.worstIndex)]")

        let inspect = try MTLDist.run(["checkpoint", "inspect", root.appendingPathComponent("np2/checkpoints/step-4").path])
        XCTAssertEqual(inspect.status, 0, "\(inspect)")
        for part in ["ner (14 labels, crf)", "genre (5 labels, classification, softmax, attention pooling)", "labels, lemma, softmax)",
                     "topic (2 labels, classification, softmax, mean pooling)", "intent (2 labels, classification, softmax, first pooling)"] {
            XCTAssertTrue(inspect.stdout.contains(part), "\(part) in \(inspect.stdout)")
        }

        // np 2's checkpoint at step 4, resumed on 1 rank, ends where np 2 ended (up to summation order)
        let resumed = root.appendingPathComponent("resumed")
        let resume = try MTLDist.run(["train", "--output", resumed.path, "--resume",
                                      root.appendingPathComponent("np2/checkpoints/step-4").path])
        XCTAssertEqual(resume.status, 0, "\(resume)")
        XCTAssertEqual(resume.occurrences(of: "resuming at step 4"), 1, "\(resume)")
        let after = try CheckpointState(resumed, step: 8).values, straight = try CheckpointState(root.appendingPathComponent("np2"), step: 8).values
        let r = after.differences(from: straight)
        XCTAssertEqual(r.outside, 0, "resumed on 1 rank vs np 2 straight: \(r.outside) differ; worst \(r.worstRatio)×")
        // and on the same world size bit for bit
        let again = root.appendingPathComponent("again")
        let same = try MTLDist.ranks(2, ["train", "--output", again.path, "--resume", root.appendingPathComponent("np2/checkpoints/step-4").path])
        XCTAssertEqual(same.status, 0, "\(same)")
        XCTAssertEqual(try CheckpointState(again, step: 8).bytes, try CheckpointState(root.appendingPathComponent("np2"), step: 8).bytes)
    }

    func testEvaluatePredictAndExportCarryEveryKind() throws {
        let config = try writeConfig()
        let root = try temporaryDirectory()
        let output = root.appendingPathComponent("run")
        let train = try MTLDist.run(["train", "--config", config.path, "--output", output.path])
        XCTAssertEqual(train.status, 0, "\(train)")

        // evaluate: the same scores on 1 and 2 ranks, from the best model and from its checkpoint
        func evaluate(_ model: URL, ranks: Int = 1) throws -> [String: Any] { try MTLDist.evaluation(model, worldSize: ranks) }
        let best = output.appendingPathComponent("best")
        let scores = try evaluate(best)
        let tasks = try XCTUnwrap(scores["tasks"] as? [String: [String: Any]])
        XCTAssertEqual(Set(tasks.keys), ["ner", "genre", "lemma", "topic", "intent"])
        for name in ["genre", "topic", "intent"] {
            let task = try XCTUnwrap(tasks[name])
            XCTAssertNotNil(task["macro_f1"] as? Double, "\(name): \(task)")
            XCTAssertNotNil(task["per_label"] as? [String: Any], "\(name): \(task)")
        }
        XCTAssertEqual(tasks["genre"]?["sentences"] as? Int, 399, "every dev sentence has a sent_id genre")
        XCTAssertEqual(tasks["topic"]?["sentences"] as? Int, 8)
        XCTAssertEqual(tasks["intent"]?["sentences"] as? Int, 6)
        XCTAssertEqual(tasks["lemma"]?["tokens"] as? Int, Self.udSentences.map { $0.words.split(separator: " ").count }.reduce(0, +))
        XCTAssertEqual(NSDictionary(dictionary: try evaluate(best, ranks: 2)), NSDictionary(dictionary: scores))
        XCTAssertEqual(NSDictionary(dictionary: try evaluate(output.appendingPathComponent("checkpoints/step-8"))), NSDictionary(dictionary: scores))

        // predict: a label and its probability per classification task, a lemma per token
        let input = root.appendingPathComponent("input.txt")
        try "The cats were sleeping .\nbook a flight\n".write(to: input, atomically: true, encoding: .utf8)
        func predict(_ model: URL, format: String) throws -> String {
            let run = try MTLDist.run(["predict", "--model", model.path, "--input", input.path, "--input-format", "pretokenized",
                                       "--output-format", format])
            XCTAssertEqual(run.status, 0, "\(run)")
            return run.stdout
        }
        let jsonl = try predict(best, format: "jsonl")
        let lines = try jsonl.split(separator: "\n").map { try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        XCTAssertEqual(lines.count, 2)
        for line in lines {
            for name in ["genre", "topic", "intent"] {
                let task = try XCTUnwrap(line[name] as? [String: Any], "\(line)")
                XCTAssertNotNil(task["label"] as? String, "\(task)")
                let p = try XCTUnwrap(task["probability"] as? Double)
                XCTAssertTrue(p > 0 && p <= 1, "\(task)")
            }
            let lemmas = try XCTUnwrap((line["lemma"] as? [String: Any])?["tags"] as? [String])
            XCTAssertEqual(lemmas.count, (line["tokens"] as? [String])?.count)
        }
        // two ranks decode and write what one does
        let two = try MTLDist.ranks(2, ["predict", "--model", best.path, "--input", input.path, "--input-format", "pretokenized",
                                        "--output-format", "jsonl"])
        XCTAssertEqual(two.status, 0, "\(two)")
        XCTAssertEqual(two.stdout, jsonl)
        let conll = try predict(best, format: "conll")
        XCTAssertTrue(conll.hasPrefix("# columns = token ner lemma\n"), conll)
        for name in ["genre", "topic", "intent"] {
            XCTAssertEqual(conll.components(separatedBy: "# \(name) = ").count - 1, 2, conll)
            XCTAssertEqual(conll.components(separatedBy: "# \(name).probability = ").count - 1, 2, conll)
        }

        // export: the same predictions from the safetensors files
        let export = root.appendingPathComponent("export")
        let exported = try MTLDist.run(["export", "--model", best.path, "--output", export.path])
        XCTAssertEqual(exported.status, 0, "\(exported)")
        let tensors = try SafeTensorsHeader(export.appendingPathComponent("model.safetensors"))
        XCTAssertTrue(tensors.names.contains("heads.genre.attention.weight"), "\(tensors.names.sorted())")
        XCTAssertFalse(tensors.names.contains("heads.intent.attention.weight"), "first-token pooling has no scorer")
        XCTAssertEqual(try predict(export, format: "jsonl"), jsonl)
        XCTAssertEqual(NSDictionary(dictionary: try evaluate(export)), NSDictionary(dictionary: scores))
        try MTLDist.assertNumpyRuntimeRefuses(export, input: input, saying: "task genre is a classification task")
    }

    func testATaggingTaskOnASentenceLabelIsRefusedWithTheFix() throws {
        let config = try writeConfig()
        let output = try temporaryDirectory().appendingPathComponent("run")
        let run = try MTLDist.run(["train", "--config", config.path, "--output", output.path, "--set", "tasks.topic.kind=tagging",
                                   "--set", "tasks.topic.metric=accuracy"])
        XCTAssertNotEqual(run.status, 0)
        XCTAssertTrue(run.stderr.contains("tasks.topic.kind") && run.stderr.contains("classification"), "\(run)")
    }
}
