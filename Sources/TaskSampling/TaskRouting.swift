/// Decides which tasks each training sentence trains (its `multitask_id`s), and checks the
/// result before any work starts.
///
/// A sentence of corpus c trains every task whose `corpus` is c and whose label column it carries;
/// with `use_all_tasks` it also trains every other task whose label column it carries. A sentence
/// never trains a task whose labels it lacks (an unannotated column, all `_`, carries none): there
/// are no silent all-"O" targets; such sentences are counted (`unlabelledPerTask`). Errors that say
/// how many and how to fix the config: sentences that no task reads (their corpus is no task's
/// and, with `use_all_tasks`, none of its sentences carries a task's label), and tasks left with
/// no sentence.
public struct TaskRouting {
    /// What routing needs to know of a task.
    public struct Task {
        public let name: String
        public let corpus: String
        public let label: String
        /// Further label types a sentence must carry to train the task (a parser's `head` beside its `deprel`).
        public let alsoRequires: [String]
        public init(name: String, corpus: String, label: String, alsoRequires: [String] = []) {
            self.name = name
            self.corpus = corpus
            self.label = label
            self.alsoRequires = alsoRequires
        }
    }

    /// What routing needs to know of one corpus split: per sentence, the label types it carries
    /// and where it starts (for messages).
    public struct Corpus {
        public let name: String
        public let split: String
        public let labelTypes: [Set<String>]
        public let locations: [String]
        public init(name: String, split: String, labelTypes: [Set<String>], locations: [String]) {
            precondition(labelTypes.count == locations.count, "one location per sentence")
            self.name = name
            self.split = split
            self.labelTypes = labelTypes
            self.locations = locations
        }
    }

    /// For each corpus (in the given order), for each sentence, the indices of the tasks it trains.
    public let assignments: [[[Int]]]
    /// Number of training sentences per task.
    public let sentencesPerTask: [Int]
    /// Per task: sentences of its own corpus that carry no label of its column (unannotated), so
    /// do not train it.
    public let unlabelledPerTask: [Int]
    /// Per corpus: sentences that train no task because they are unannotated for every task that
    /// reads their corpus (they are left out of training).
    public let untrainedPerCorpus: [Int]

    /// Routes the training sentences of `corpora` to `tasks`.
    public init(tasks: [Task], corpora: [Corpus], useAllTasks: Bool) throws {
        var perTask = [Int](repeating: 0, count: tasks.count)
        var unlabelled = [Int](repeating: 0, count: tasks.count)
        var untrained: [Int] = []
        var all: [[[Int]]] = []
        for corpus in corpora {
            var routes: [[Int]] = []
            routes.reserveCapacity(corpus.labelTypes.count)
            // a corpus some task reads: its own tasks', or with use_all_tasks one whose label column
            // some of its sentences carry (the reader gives every sentence every column, so a
            // sentence without it was unannotated)
            let carried = corpus.labelTypes.reduce(into: Set<String>()) { $0.formUnion($1) }
            let read = tasks.contains { $0.corpus == corpus.name || (useAllTasks && carried.contains($0.label)) }
            var orphans = 0, unannotated = 0
            for labels in corpus.labelTypes {
                var ids: [Int] = []
                for (t, task) in tasks.enumerated() {
                    if labels.contains(task.label) && task.alsoRequires.allSatisfy(labels.contains) {
                        if task.corpus == corpus.name || useAllTasks { ids.append(t) }
                    } else if task.corpus == corpus.name {
                        unlabelled[t] += 1
                    }
                }
                if ids.isEmpty {
                    // unannotated for the tasks that read its corpus: left out and counted
                    if read { unannotated += 1 } else { orphans += 1 }
                }
                for t in ids { perTask[t] += 1 }
                routes.append(ids)
            }
            if orphans > 0 {
                let carried = carried.sorted()
                let hint = useAllTasks
                    ? "No task uses corpus '\(corpus.name)' and none of its labels (\(carried.joined(separator: ", "))) is a task's label. Add a task with corpus: \(corpus.name), or remove the corpus from corpora."
                    : "Add a task with corpus: \(corpus.name), set use_all_tasks: true to route them by the labels they carry (\(carried.joined(separator: ", "))), or remove the corpus from corpora."
                throw SamplerError.sentencesWithoutTask(corpus: corpus.name, split: corpus.split, count: orphans, hint: hint)
            }
            untrained.append(unannotated)
            all.append(routes)
        }
        for (t, task) in tasks.enumerated() where perTask[t] == 0 {
            let known = corpora.map(\.name)
            let hint: String
            if !known.contains(task.corpus) {
                hint = "tasks.\(task.name).corpus must be one of: \(known.joined(separator: ", "))."
            } else if unlabelled[t] > 0 {
                hint = "None of its \(unlabelled[t]) sentences carries a '\(task.label)' label (the column holds only _, "
                    + "unannotated): give tasks.\(task.name) a corpus annotated for \(task.label)."
            } else {
                hint = "Its corpus has no training sentence: check corpora.\(task.corpus).train."
            }
            throw SamplerError.taskWithoutSentences(task: task.name, corpus: task.corpus, hint: hint)
        }
        assignments = all
        sentencesPerTask = perTask
        unlabelledPerTask = unlabelled
        untrainedPerCorpus = untrained
    }
}
