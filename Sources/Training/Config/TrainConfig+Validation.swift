/// Checks that span sections: names, task → corpus → label references, and `main_score`.
extension TrainConfig {
    /// Characters allowed in corpus and task names (they appear in `--set` paths, logs and file names).
    static let nameRule = "letters, digits, `_` and `-`"

    /// Labels of CoNLL-U that are never BIO-style, so a span_f1 task cannot use them.
    static let nonSpanLabels: Set<String> = ["upos", "xpos", "feats", "lemma", "deprel"]

    /// Throws the first cross-section inconsistency, naming `file` and the key path.
    func checkReferences(file: String) throws {
        if corpora.isEmpty {
            throw ConfigError.missingKey(file: file, keyPath: "corpora",
                                         expected: "at least one corpus: corpora: {name: {format, columns, train}}")
        }
        if tasks.isEmpty {
            throw ConfigError.missingKey(file: file, keyPath: "tasks",
                                         expected: "at least one task: tasks: {name: {corpus, label}}")
        }
        for name in corpora.names { try TrainConfig.checkName(name, keyPath: "corpora.\(name)", file: file) }
        for name in tasks.names {
            try TrainConfig.checkName(name, keyPath: "tasks.\(name)", file: file)
            if name == TrainingConfig.MainScore.mean.rawValue {
                throw ConfigError.invalidValue(file: file, keyPath: "tasks.\(name)", found: "the task name `\(name)`",
                                               allowed: "any other name (`mean` is reserved for training.main_score)",
                                               hint: "rename the task.")
            }
        }
        for (name, task) in tasks { try checkTask(task, named: name, file: file) }
        for (name, _) in corpora where !tasks.values.contains(where: { $0.corpus == name }) {
            throw ConfigError.invalidValue(
                file: file, keyPath: "corpora.\(name)", found: "a corpus that no task reads",
                allowed: "corpora used by at least one task (a sentence that trains no task is an error)",
                hint: "add a task with corpus: \(name), or remove corpora.\(name).")
        }
        if case .task(let name) = training.mainScore, tasks[name] == nil {
            throw ConfigError.invalidValue(
                file: file, keyPath: "training.main_score", found: name,
                allowed: "mean | " + tasks.names.joined(separator: " | "),
                hint: ConfigSpelling.hint(for: name, among: tasks.names, otherwise: "use mean, or the name of a task."))
        }
    }

    private func checkTask(_ task: TaskConfig, named name: String, file: String) throws {
        guard let corpus = corpora[task.corpus] else {
            throw ConfigError.invalidValue(
                file: file, keyPath: "tasks.\(name).corpus", found: task.corpus,
                allowed: "a corpus name: " + corpora.names.joined(separator: ", "),
                hint: ConfigSpelling.hint(for: task.corpus, among: corpora.names, otherwise: "name a corpus defined under corpora."))
        }
        let labels = corpus.labelNames
        guard labels.contains(task.label) else {
            let what: String
            switch corpus.format {
            case .columns: what = "a label column of corpus \(task.corpus) (columns: [\((corpus.columns ?? []).joined(separator: ", "))])"
            case .conllu, .iob2: what = "a label of the \(corpus.format.rawValue) format"
            }
            let fix = corpus.format == .columns
                ? "name one of its label columns, or add the column to corpora.\(task.corpus).columns."
                : "name one of the format's labels."
            throw ConfigError.invalidValue(
                file: file, keyPath: "tasks.\(name).label", found: task.label,
                allowed: "\(what): " + (labels.isEmpty ? "none" : labels.joined(separator: " | ")),
                hint: ConfigSpelling.hint(for: task.label, among: labels, otherwise: fix))
        }
        if task.metric == .spanF1, corpus.format == .conllu, TrainConfig.nonSpanLabels.contains(task.label) {
            throw ConfigError.invalidValue(
                file: file, keyPath: "tasks.\(name).metric", found: "span_f1 for label \(task.label)",
                allowed: "accuracy (\(task.label) tags are not BIO spans)",
                hint: "set tasks.\(name).metric: accuracy.")
        }
    }

    private static func checkName(_ name: String, keyPath: String, file: String) throws {
        let valid = !name.isEmpty && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
        if !valid {
            throw ConfigError.invalidValue(file: file, keyPath: keyPath, found: "the name '\(name)'", allowed: nameRule,
                                           hint: "rename it using only \(nameRule).")
        }
    }
}
