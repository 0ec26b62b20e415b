import ArgumentParser
import Foundation
import TextSegmentation
import ModelFiles
import TextIO

/// `mtl-dist tokenize`: raw English text into UD-style sentences and tokens, or the tokenizer
/// scored against a CoNLL-U treebank's gold tokens and sentences on its own raw text.
struct Tokenize: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Split raw English text into sentences and UD English Web Treebank-style tokens.",
        discussion: """
        --output-format text prints a sentence per line, tokens separated by spaces; jsonl prints a \
        JSON object per sentence with every token's form and offsets (Unicode scalars, end exclusive) \
        and the words of multi-word tokens (don't = do + n't). A blank line in the input ends a sentence. \
        --evaluate FILE.conllu instead rebuilds the raw text from the file's `# text` lines (sentences of \
        a paragraph joined by a space, paragraphs by a blank line) and prints the Tokens and Sentences \
        precision, recall and F1 as the CoNLL 2018 shared task's script counts them.
        """)

    /// How `tokenize` prints sentences.
    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, jsonl
    }

    @Option(help: "Input text file, or - for standard input.") var input = "-"
    @Option(name: .customLong("output-format"), help: "text or jsonl.") var outputFormat: OutputFormat = .text
    @Option(help: ArgumentHelp("Score the tokenizer against this CoNLL-U file instead of tokenizing --input.",
                               valueName: "file.conllu"))
    var evaluate: String?

    func run() throws {
        if let evaluate {
            let evaluation = TokenizationEvaluation(treebank: try RawTextTreebank(path: evaluate))
            try TextWriter.standardOutput.write(evaluation.report)
            return
        }
        let text = try PredictionIO.readInput(path: input)
        let out = TextWriter.standardOutput
        for sentence in TextTokenizer().sentences(in: text) {
            try out.writeLine(outputFormat == .text ? sentence.spaceSeparated : sentence.jsonObject)
        }
    }
}
