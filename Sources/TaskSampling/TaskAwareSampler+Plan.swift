extension TaskAwareSampler {
    /// The plan printed by `mtl-dist plan`: for steps 0..<min(steps, S) of `epoch` (all S when
    /// `steps` is nil), for each rank of `worldSize`, for each item of its slice in order, one JSON
    /// object per task the item trains, keys in this order:
    /// `{"epoch":E,"step":S,"rank":R,"task":"ner","corpus":"conll03","sentence":I}`
    /// with I the sentence's index in its corpus's training split.
    ///
    /// Throws `SamplerError` if `worldSize` does not fit this schedule (`validate(worldSize:)`) or
    /// `epoch`/`steps` is negative.
    public func planLines(epoch: Int, steps: Int? = nil, worldSize: Int,
                          taskNames: [String], corpusNames: [String]) throws -> [String] {
        precondition(taskNames.count == taskCount, "\(taskNames.count) task names for \(taskCount) tasks")
        let corpusCount = (items.map(\.corpus).max() ?? -1) + 1
        precondition(corpusNames.count >= corpusCount, "\(corpusNames.count) corpus names for \(corpusCount) corpora")
        guard epoch >= 0 else { throw SamplerError.invalidSetting(key: "--epoch", value: "\(epoch)", expected: "0 or more") }
        if let steps, steps < 0 { throw SamplerError.invalidSetting(key: "--steps", value: "\(steps)", expected: "0 or more") }
        try validate(worldSize: worldSize)

        let tasks = taskNames.map(jsonString)
        let corpora = corpusNames.map(jsonString)
        let count = min(steps ?? Int.max, stepsPerEpoch(epoch: epoch))
        let perRank = batchSize / worldSize
        var lines: [String] = []
        for step in 0..<count {
            let batch = globalBatch(epoch: epoch, step: step)
            for (position, item) in batch.enumerated() {
                let prefix = "{\"epoch\":\(epoch),\"step\":\(step),\"rank\":\(position / perRank),\"task\":"
                for t in item.tasks {
                    lines.append(prefix + tasks[t] + ",\"corpus\":" + corpora[item.corpus] + ",\"sentence\":\(item.sentence)}")
                }
            }
        }
        return lines
    }
}

/// `text` as a JSON string literal (RFC 8259 §7: quote, backslash and control characters escaped).
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
