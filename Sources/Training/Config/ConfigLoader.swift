import Foundation
import Yams

/// Loads a run config: reads the YAML file (or the built-in default), applies `--set` overrides to the
/// node tree, decodes and validates, then resolves and checks every corpus file on disk. Every problem
/// is a `ConfigError` thrown before any work starts.
public enum ConfigLoader {
    /// The file name errors show for the built-in default config.
    public static let defaultConfigName = "<built-in default config>"

    /// Loads and validates a config.
    ///
    /// - Parameters:
    ///   - file: the YAML config; `nil` uses `TrainConfig.defaultYAML`, whose corpus paths resolve
    ///     against `dataDir` (the embedded default corpus folder), else the working directory.
    ///   - overrides: `--set` arguments, `dotted.key=value`, applied in order (see `ConfigOverride`).
    ///   - dataDir: `--data-dir`: overrides `data_dir`; relative paths resolve against the working directory.
    /// - Returns: the config with absolute corpus files, each checked to be a regular file.
    /// - Path resolution: a relative corpus path resolves against `dataDir` if given, else `data_dir`
    ///   (itself relative to the config file's folder), else the config file's folder.
    public static func load(file: URL?, overrides: [String] = [], dataDir: URL? = nil) throws -> ResolvedConfig {
        let name = file.map(displayName) ?? defaultConfigName
        var root = try TrainConfig.parseYAML(file.map { try read($0, name: name) } ?? TrainConfig.defaultYAML, file: name)
        let parsed = try overrides.map { try ConfigOverride(parsing: $0, file: name) }
        for override in parsed { try override.apply(to: &root, file: name) }
        let config = try TrainConfig.decode(from: root, file: name)
        return try resolve(config, file: file, name: name, dataDir: dataDir)
    }

    /// Resolves `config`'s corpus paths and checks that each names a regular file.
    static func resolve(_ config: TrainConfig, file: URL?, name: String, dataDir: URL?) throws -> ResolvedConfig {
        let workingDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
        let configFolder = file.map { absolute($0).deletingLastPathComponent() } ?? workingDirectory
        let root: URL
        let rootText: String
        if let dataDir {
            root = absolute(dataDir)
            rootText = "--data-dir \(root.path)"
            try checkDirectory(root, keyPath: "data_dir (from --data-dir)", file: name)
        } else if let written = config.dataDir {
            root = resolve(written, against: configFolder)
            rootText = "data_dir \(root.path)"
            try checkDirectory(root, keyPath: "data_dir", file: name)
        } else if file != nil {
            root = configFolder
            rootText = "the config file's folder \(root.path)"
        } else {
            root = configFolder
            rootText = "the working directory \(root.path) (the built-in default config needs --data-dir)"
        }
        var files = OrderedMap<ResolvedConfig.CorpusFiles>()
        for (corpusName, corpus) in config.corpora {
            func locate(_ path: String, _ key: String) throws -> URL {
                let url = resolve(path, against: root)
                try checkFile(url, keyPath: "corpora.\(corpusName).\(key)", relative: !isAbsolute(path),
                              rootText: rootText, file: name)
                return url
            }
            files[corpusName] = ResolvedConfig.CorpusFiles(
                train: try locate(corpus.train, "train"),
                dev: try corpus.dev.map { try locate($0, "dev") },
                test: try corpus.test.map { try locate($0, "test") })
        }
        return ResolvedConfig(config: config, file: file.map(absolute), dataDirectory: root, corpusFiles: files)
    }

    /// `path` (with `~` expanded) as an absolute URL; relative paths are taken from `base`.
    static func resolve(_ path: String, against base: URL) -> URL {
        let expanded = NSString(string: path).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL }
        return base.appendingPathComponent(expanded).standardizedFileURL
    }

    private static func isAbsolute(_ path: String) -> Bool {
        NSString(string: path).expandingTildeInPath.hasPrefix("/")
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

    private static func read(_ file: URL, name: String) throws -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory) else {
            throw ConfigError.unreadableFile(file: name, reason: "no such file")
        }
        guard !isDirectory.boolValue else {
            throw ConfigError.unreadableFile(file: name, reason: "it is a directory")
        }
        do {
            return try String(contentsOf: file, encoding: .utf8)
        } catch {
            throw ConfigError.unreadableFile(file: name, reason: "\(error.localizedDescription) (expected UTF-8 text)")
        }
    }

    private static func checkDirectory(_ url: URL, keyPath: String, file: String) throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        guard exists, isDirectory.boolValue else {
            throw ConfigError.missingFile(
                file: file, keyPath: keyPath, path: url.path, found: exists ? "a file, not a folder," : "nothing",
                hint: "point \(keyPath) at the folder holding the corpora (relative data_dir resolves against the config file's folder).")
        }
    }

    private static func checkFile(_ url: URL, keyPath: String, relative: Bool, rootText: String, file: String) throws {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
        let readable = exists && !isDirectory.boolValue && FileManager.default.isReadableFile(atPath: url.path)
        guard !readable else { return }
        let found = !exists ? "nothing" : isDirectory.boolValue ? "a folder" : "an unreadable file"
        let hint = relative
            ? "correct \(keyPath); relative paths resolve against \(rootText) (set data_dir or --data-dir to change that)."
            : "correct \(keyPath)."
        throw ConfigError.missingFile(file: file, keyPath: keyPath, path: url.path, found: found, hint: hint)
    }
}
