import ArgumentParser
import Foundation
import RunConfig
import TextIO

/// `mtl-dist config`: the reference of every config key, and a config file checked without training.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Print the config reference, or check a config file without training.",
        subcommands: [Reference.self, Check.self])

    /// `config reference`: every key with its type, default and meaning (docs/CONFIG.md is this output).
    struct Reference: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every config key with its type, default and meaning (markdown).")

        func run() throws {
            try TextWriter.standardOutput.write(try ConfigReference.markdown())
            try TextWriter.standardOutput.flush()
        }
    }

    /// `config check FILE`: loads and validates FILE as `train` would, corpus files included.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a config file (keys, values, corpus files on disk) without training.")

        @Argument(help: "The YAML run config.")
        var file: String

        @Option(name: .customLong("data-dir"), help: "Folder that relative corpus paths resolve against (overrides data_dir).")
        var dataDir: String?

        @Option(name: .customLong("set"), parsing: .singleValue,
                help: ArgumentHelp("Override a config key, e.g. --set training.max_steps=30 (repeatable).", valueName: "key=value"))
        var overrides: [String] = []

        func run() throws {
            let resolved = try ConfigLoader.load(file: URL(fileURLWithPath: file), overrides: overrides,
                                                 dataDir: dataDir.map { URL(fileURLWithPath: $0) })
            let config = resolved.config
            let files = resolved.corpusFiles.reduce(0) { $0 + 1 + ($1.value.dev == nil ? 0 : 1) + ($1.value.test == nil ? 0 : 1) }
            try TextWriter.standardOutput.writeLine("\(file): valid: corpora \(config.corpora.names.joined(separator: ", ")); tasks \(config.tasks.names.joined(separator: ", ")); "
                  + "\(files) corpus file\(files == 1 ? "" : "s") found under \(resolved.dataDirectory.path)")
            try TextWriter.standardOutput.flush()
        }
    }
}
