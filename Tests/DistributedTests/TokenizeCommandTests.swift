import Foundation
import TestSupport
import XCTest

/// `mtl-dist tokenize` through the built binary: raw text in, UD-style tokens with offsets out, and
/// the evaluation against a CoNLL-U treebank.
final class TokenizeCommandTests: XCTestCase {
    struct Line: Decodable {
        struct Token: Decodable { let form: String, start: Int, end: Int }
        let start: Int, end: Int
        let tokens: [Token]
    }

    func testRawTextGivesSentencesTokensAndOffsets() throws {
        let dir = try temporaryDirectory()
        let input = dir.appendingPathComponent("prose.txt")
        let text = "Mr. Smith didn't go to Paris on Tuesday. He stayed home!\n\nSee http://x.org/a."
        try text.write(to: input, atomically: true, encoding: .utf8)
        let plain = try MTLDist.run(["tokenize", "--input", input.path])
        XCTAssertEqual(plain.status, 0, plain.description)
        XCTAssertEqual(plain.stdout, "Mr. Smith didn't go to Paris on Tuesday .\nHe stayed home !\nSee http://x.org/a .\n")
        let json = try MTLDist.run(["tokenize", "--input", input.path, "--output-format", "jsonl"])
        XCTAssertEqual(json.status, 0, json.description)
        let scalars = Array(text.unicodeScalars)
        let lines = try json.stdout.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        XCTAssertEqual(lines.count, 3)
        for token in lines.flatMap(\.tokens) {
            XCTAssertEqual(String(String.UnicodeScalarView(scalars[token.start..<token.end])), token.form)
        }
    }

    func testEvaluatePrintsTokensAndSentences() throws {
        let dir = try temporaryDirectory()
        let conllu = dir.appendingPathComponent("gold.conllu")
        try """
        # text = It's here.
        1-2\tIt's\t_\t_\t_\t_\t_\t_\t_\t_
        1\tIt\tit\tPRON\tPRP\t_\t3\tnsubj\t_\t_
        2\t's\tbe\tAUX\tVBZ\t_\t3\tcop\t_\t_
        3\there\there\tADV\tRB\t_\t0\troot\t_\tSpaceAfter=No
        4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_


        """.write(to: conllu, atomically: true, encoding: .utf8)
        let run = try MTLDist.run(["tokenize", "--evaluate", conllu.path])
        XCTAssertEqual(run.status, 0, run.description)
        XCTAssertTrue(run.stdout.contains("Tokens     |    100.00 |    100.00 |    100.00 | gold 3, system 3, correct 3"), run.stdout)
        let missing = try MTLDist.run(["tokenize", "--evaluate", dir.appendingPathComponent("none.conllu").path])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("none.conllu"), missing.stderr)
    }
}
