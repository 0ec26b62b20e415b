import CoNLL
import Foundation
import Yams

/// Loads a run config: reads the YAML file (or the built-in default), applies `--set` overrides to the
/// node tree, decodes and validates, then resolves and checks every corpus file on disk. Every problem
/// is a `ConfigError` thrown before any work starts.
public enum ConfigLoader {
    /// The file name errors show for the built-in default config.
    public static let defaultConfigName = "<built-in default config>"

    /// Loads and validates a config from `file` (`nil`: `TrainConfig.defaultYAML`, whose corpus paths
    /// resolve against `dataDir`, the embedded corpus folder) with `--set` `overrides` applied in order.
    /// A relative corpus path resolves against `dataDir` (`--data-dir`, relative to the working
    /// directory) if given, else `data_dir` (relative to the config file's folder), else the config
    /// file's folder; each must name a readable file.
    public static func load(file: URL?, overrides: [String] = [], dataDir: URL? = nil) throws -> ResolvedConfig {
        let name = file.map(displayName) ?? defaultConfigName
        let config = try decode(file.map { try read($0, name: name) } ?? TrainConfig.defaultYAML, name: name, overrides: overrides)
        return try resolve(config, file: file, name: name, dataDir: dataDir)
    }

    /// Loads a config a run stored (a checkpoint's or `resolved-config.yaml`: corpus, transformer
    /// and checkpoint paths absolute), with `--set` `overrides` applied; `name` is how errors call it.
    public static func load(storedYAML yaml: String, name: String, overrides: [String] = []) throws -> ResolvedConfig {
        try resolve(try decode(yaml, name: name, overrides: overrides), file: nil, name: name, dataDir: nil)
    }

    /// `yaml` parsed, with `overrides` applied to the node tree, decoded and validated.
    private static func decode(_ yaml: String, name: String, overrides: [String]) throws -> TrainConfig {
        var root = try TrainConfig.parseYAML(yaml, file: name)
        for override in try overrides.map({ try ConfigOverride(parsing: $0, file: name) }) { try override.apply(to: &root, file: name) }
        return try TrainConfig.decode(from: root, file: name)
    }

    /// Resolves `config`'s corpus paths and checks that each names a regular file.
    static func resolve(_ config: TrainConfig, file: URL?, name: String, dataDir: URL?) throws -> ResolvedConfig {
        let workingDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let configFolder = file.map { absolute($0).deletingLastPathComponent() } ?? workingDirectory
        let root = dataDir.map(absolute) ?? config.dataDir.map { resolve($0, against: configFolder) } ?? configFolder
        let rootText = dataDir != nil ? "--data-dir \(root.path)" : config.dataDir != nil ? "data_dir \(root.path)"
            : file != nil ? "the config file's folder \(root.path)"
            : "the working directory \(root.path) (the built-in default config needs --data-dir)"
        if dataDir != nil || config.dataDir != nil {
            try checkDirectory(root, keyPath: dataDir != nil ? "data_dir (from --data-dir)" : "data_dir", file: name)
        }
        var files = OrderedMap<ResolvedConfig.CorpusFiles>()
        for (corpusName, corpus) in config.corpora {
            func locate(_ path: String, _ key: String) throws -> URL {
                let url = resolve(path, against: root)
                try checkFile(url, keyPath: "corpora.\(corpusName).\(key)", relative: !NSString(string: path).expandingTildeInPath.hasPrefix("/"),
                              rootText: rootText, file: name)
                return url
            }
            files[corpusName] = ResolvedConfig.CorpusFiles(
                train: try locate(corpus.train, "train"),
                dev: try corpus.dev.map { try locate($0, "dev") },
                test: try corpus.test.map { try locate($0, "test") })
        }
        return ResolvedConfig(config: config, file: file.map(absolute), dataDirectory: root, corpusFiles: files,
                              transformerFolder: config.encoder.transformer.path.map { resolve($0, against: configFolder) },
                              wordVectorsFile: config.encoder.wordVectors.path.map { resolve($0, against: configFolder) })
    }

    /// `path` (with `~` expanded) as an absolute URL; relative paths are taken from `base`.
    static func resolve(_ path: String, against base: URL) -> URL {
        let expanded = NSString(string: path).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL }
        return base.appendingPathComponent(expanded).standardizedFileURL
    }

    private static func absolute(_ url: URL) -> URL {
        resolve(url.path, against: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
    }

    /// How errors name `file`: relative to the working directory when it lies below it, else absolute.
    static func displayName(_ file: URL) -> String {
        let path = absolute(file).path
        let workingDirectory = FileManager.default.currentDirectoryPath
        let prefix = workingDirectory.hasSuffix("/") ? workingDirectory : workingDirectory + "/"
        return path.hasPrefix(prefix) ? String(path.dropFirst(prefix.count)) : path
    }

    /// Whether something is at `url`, and whether it is a folder.
    private static func kind(of url: URL) -> (exists: Bool, isDirectory: Bool) {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        return (exists, isDirectory.boolValue)
    }

    /// The config file's text, read as data files are (`InputFile`): Foundation's
    /// `String(contentsOf:)` leaks 4 KB per empty file (found by fuzz-config, FUZZING.md) and calls
    /// `/dev/null` a permission problem.
    private static func read(_ file: URL, name: String) throws -> String {
        do {
            return try InputFile.text(try InputFile.read(path: file.path), fileName: name)
        } catch CoNLLError.unreadableFile(_, let reason) {
            throw ConfigError.unreadableFile(file: name, reason: reason)
        } catch let CoNLLError.invalidUTF8(_, line, offset, byte) {
            throw ConfigError.unreadableFile(
                file: name, reason: "not UTF-8 text: byte 0x\(String(byte, radix: 16, uppercase: true)) at byte offset \(offset) (line \(line))")
        }
    }

    private static func checkDirectory(_ url: URL, keyPath: String, file: String) throws {
        let (exists, isDirectory) = kind(of: url)
        guard exists, isDirectory else {
            throw ConfigError.missingFile(
                file: file, keyPath: keyPath, path: url.path, found: exists ? "a file, not a folder," : "nothing",
                hint: "point \(keyPath) at the folder holding the corpora (relative data_dir resolves against the config file's folder).")
        }
    }

    private static func checkFile(_ url: URL, keyPath: String, relative: Bool, rootText: String, file: String) throws {
        let (exists, isDirectory) = kind(of: url)
        guard !exists || isDirectory || !FileManager.default.isReadableFile(atPath: url.path) else { return }
        let found = !exists ? "nothing" : isDirectory ? "a folder" : "an unreadable file"
        let hint = relative
            ? "correct \(keyPath); relative paths resolve against \(rootText) (set data_dir or --data-dir to change that)."
            : "correct \(keyPath)."
        throw ConfigError.missingFile(file: file, keyPath: keyPath, path: url.path, found: found, hint: hint)
    }
}
