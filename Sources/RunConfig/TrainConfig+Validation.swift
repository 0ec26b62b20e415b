/// The validate pass over a decoded config: every section's rules, then what spans sections (names,
/// task → corpus → label references, `main_score`).
extension TrainConfig {
    /// Characters allowed in corpus and task names (they appear in `--set` paths, logs and file names).
    static let nameRule = "letters, digits, `_` and `-`"

    /// Throws the first broken rule, naming the file and the key path.
    func validate(_ rules: ConfigRules<CodingKeys>) throws {
        try rules.path(.dataDir, dataDir, allowed: "a folder path, or null",
                       hint: "write a folder, or null to resolve paths against the config file's folder.")
        for (name, corpus) in corpora { try corpus.validate(rules.nested(.corpora, name)) }
        for (name, task) in tasks { try task.validate(rules.nested(.tasks, name)) }
        try encoder.validate(rules.nested(.encoder))
        try training.validate(rules.nested(.training))
        try sampler.validate(rules.nested(.sampler))
        try checkpoint.validate(rules.nested(.checkpoint))
        // sizes bounded by other sections: the widths they multiply, the batch they split
        let (c, o) = (Double(encoder.tokenWidth), Double(encoder.outputWidth))
        try rules.nested(.training).size(TrainingConfig.CodingKeys.batchSize, training.batchSize, bytes: { 8 * $0 * (c + o) },
                                         for: "one step's token vectors, encoder outputs and their gradients (one token per sentence)")
        for (name, task) in tasks {
            let taskRules: ConfigRules<TaskConfig.CodingKeys> = rules.nested(.tasks, name)
            try taskRules.size(.hidden, task.hidden, bytes: { 64 * $0 * (o + $0 + 1) },
                               for: "the head's BiLSTM weights and their gradients")
            // a parser's MLPs read width w = the head's BiLSTM or the encoder output; the biaffine
            // weights are [A, A] and (at least one relation) [Q, Q]: weights, gradients, two moments
            let w = task.hidden > 0 ? Double(2 * task.hidden) : o
            try taskRules.size(.arcSize, task.arcSize, bytes: { 16 * $0 * (2 * w + $0 + 1) },
                               for: "the parser's arc MLPs and biaffine weights with their gradients and optimizer moments")
            try taskRules.size(.relationSize, task.relationSize, bytes: { 16 * $0 * (2 * w + $0 + 1) },
                               for: "the parser's relation MLPs and bilinear weights with their gradients and optimizer moments")
        }
        let share = "every rank's share of training.batch_size (\(training.batchSize)) holds "
        let samplerRules: ConfigRules<SamplerConfig.CodingKeys> = rules.nested(.sampler)
        try samplerRules.integer(.minPerRank, sampler.minPerRank, atLeast: 1, atMost: training.batchSize, why: share + "min_per_rank sentences of each task")
        try samplerRules.integer(.maxWorldSize, sampler.maxWorldSize, atLeast: 1, atMost: training.batchSize, why: share + "at least one sentence")
        for (key, names, expected) in [(CodingKeys.corpora, corpora.names, "at least one corpus: corpora: {name: {format, columns, train}}"),
                                       (.tasks, tasks.names, "at least one task: tasks: {name: {corpus, label}}")] {
            if names.isEmpty { throw ConfigError.missingKey(file: rules.file, keyPath: key.stringValue, expected: expected) }
            let entries: ConfigRules<AnyCodingKey> = rules.nested(key)
            for name in names {
                try entries.check(TrainConfig.isValidName(name), AnyCodingKey(stringValue: name), found: "the name '\(name)'",
                                  allowed: TrainConfig.nameRule, hint: "rename it using only \(TrainConfig.nameRule).")
            }
        }
        let taskNames: ConfigRules<AnyCodingKey> = rules.nested(.tasks), mean = TrainingConfig.MainScore.mean.rawValue
        try taskNames.check(tasks[mean] == nil, AnyCodingKey(stringValue: mean), found: "the task name `\(mean)`",
                            allowed: "any other name (`mean` is reserved for training.main_score)", hint: "rename the task.")
        for (name, task) in tasks { try checkReferences(of: task, rules.nested(.tasks, name)) }
        let corpusNames: ConfigRules<AnyCodingKey> = rules.nested(.corpora)
        // with use_all_tasks a corpus no task names trains the tasks whose label columns it carries;
        // sentences that carry none of them are the counted load-time error of TaskRouting
        for name in corpora.names where !useAllTasks {
            try corpusNames.check(tasks.contains { $0.value.corpus == name }, AnyCodingKey(stringValue: name),
                                  found: "a corpus that no task reads",
                                  allowed: "corpora used by at least one task, or any corpus with use_all_tasks: true "
                                      + "(a sentence that trains no task is an error)",
                                  hint: "add a task with corpus: \(name), set use_all_tasks: true to train the tasks whose "
                                      + "label columns it carries, or remove corpora.\(name).")
        }
        if case .task(let name) = training.mainScore {
            try rules.nested(.training).check(tasks[name] != nil, TrainingConfig.CodingKeys.mainScore, found: name,
                                              allowed: "mean | " + tasks.names.joined(separator: " | "),
                                              hint: ConfigSpelling.hint(for: name, among: tasks.names, otherwise: "use mean, or the name of a task."))
        }
    }

    /// Whether `task` names a corpus, one of its labels, and a metric that suits the label.
    private func checkReferences(of task: TaskConfig, _ rules: ConfigRules<TaskConfig.CodingKeys>) throws {
        guard let corpus = corpora[task.corpus] else {
            return try rules.check(false, .corpus, found: task.corpus, allowed: "a corpus name: " + corpora.names.joined(separator: ", "),
                                   hint: ConfigSpelling.hint(for: task.corpus, among: corpora.names, otherwise: "name a corpus defined under corpora."))
        }
        let labels = corpus.labelNames, columns = corpus.format == .columns
        let (what, fix) = columns
            ? ("a label column of corpus \(task.corpus) (columns: [\((corpus.columns ?? []).joined(separator: ", "))])",
               "name one of its label columns, or add the column to corpora.\(task.corpus).columns.")
            : ("a label of the \(corpus.format.rawValue) format", "name one of the format's labels.")
        try rules.check(labels.contains(task.label), .label, found: task.label,
                        allowed: "\(what): " + (labels.isEmpty ? "none" : labels.joined(separator: " | ")),
                        hint: ConfigSpelling.hint(for: task.label, among: labels, otherwise: fix))
        try rules.check(task.metric != .spanF1 || corpus.format != .conllu, .metric, found: "span_f1 for label \(task.label)",
                        allowed: "accuracy (\(task.label) tags are not BIO spans)", hint: "set \(rules.keyPath(.metric)): accuracy.")
        // a parser learns the relations of a conllu corpus, and its heads from the HEAD column
        try rules.check(task.kind != .dependency || (corpus.format == .conllu && task.label == "deprel"), .label,
                        found: "\(task.label) of a \(corpus.format.rawValue) corpus for kind dependency",
                        allowed: "deprel of a conllu corpus (heads are read from its HEAD column)",
                        hint: "set \(rules.keyPath(.label)): deprel, with a corpus of format conllu.")
        // a sentence label (a text_label file's, a comment's) trains only a classification task
        let sentenceLabel = corpus.format == .textLabel || corpus.sentenceLabelNames.contains(task.label)
        try rules.check(!sentenceLabel || task.kind == .classification, .kind, found: "\(task.kind.rawValue) for the sentence label \(task.label)",
                        allowed: "classification (\(task.label) is one label per sentence)",
                        hint: "set \(rules.keyPath(.kind)): classification.")
    }

    private static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-"
        }
    }
}
