import Foundation
import RegularFiles

/// The report of a scaling sweep, drawn from the folder `launch/scaling.sh` fills: `runs.jsonl`
/// (one bench run per line), `collective.jsonl` (all-reduce timings per world size), and, when
/// present, `machine.txt` and `command.txt`. `write()` puts `results.csv`, `report.md`,
/// `scaling.svg`, `projection.svg` and `projection.json` next to them.
public struct ScalingReport {
    public let directory: URL
    public let runs: [ScalingRun]
    public let points: [ScalingPoint]
    public let samples: [AllReduceSample]
    /// The shared-memory (or launched-cluster) fit of a sweep without `--emulate`: the timings without
    /// a link.
    public let cost: AllReduceCostModel?
    /// The world sizes whose all-reduce timings the fit used (those with a core per rank, when any).
    public let fittedWorldSizes: Set<Int>
    /// Both levels of the exchange cost: shared memory and each network the sweep measured.
    public let exchange: TwoLevelCostModel
    public let machine: String?
    public let command: String?
    /// The machine's own TCP speed, when the sweep timed it (`unshaped.jsonl`: `bench collective` on
    /// 2 emulated hosts whose link is not held to a rate, `--rate 100gbit`).
    public let unshaped: [AllReduceSample]
    /// Compute beside a sum in flight against alone (`collective.jsonl`'s `"overlap_stretch"`).
    public let stretches: [OverlapStretchSample]

    /// The world sizes the projection covers.
    public static let projectedWorldSizes = [16, 32, 64, 128, 256, 512, 1024]

    /// Reads the sweep folder; throws `ReportError` naming the file and line of anything malformed.
    public init(directory: URL) throws {
        self.directory = directory
        runs = try ScalingRun.read(directory.appendingPathComponent("runs.jsonl"))
        points = ScalingPoint.group(runs)
        let collective = directory.appendingPathComponent("collective.jsonl")
        // each link's timings: the median over the runs that timed it (`--collective-rounds`)
        samples = FileManager.default.fileExists(atPath: collective.path)
            ? AllReduceSample.medianOverRuns(try AllReduceSample.read(collective)) : []
        // ranks sharing cores time the scheduler, not the transfer: fit on a core per rank when there are such samples
        let slots = runs.map { $0.cores * $0.hosts / max($0.blasThreads, 1) }.min() ?? 1
        let unlinked = samples.filter { $0.link == nil && $0.operation == .allReduce }
        let ownCores = unlinked.filter { $0.worldSize <= slots }
        let fitted = ownCores.contains { $0.worldSize > 1 } ? ownCores : unlinked
        let others = samples.filter { $0.link == nil && $0.operation != .allReduce && $0.worldSize <= slots }
        cost = AllReduceCostModel.fit(fitted)
        fittedWorldSizes = Set(fitted.map(\.worldSize))
        // timings without a link describe the ranks as launched: one host is shared memory, several a cluster
        let launched: ScalingLevel = runs.allSatisfy { $0.link != nil || $0.hosts == 1 } ? .sharedMemory : .cluster
        var exchange = TwoLevelCostModel(fitting: samples.filter { $0.link != nil } + fitted + others, unlinked: launched)
        if FileManager.default.fileExists(atPath: collective.path) {
            stretches = OverlapStretchSample.medianOverRuns(try OverlapStretchSample.read(collective))
            exchange.setStretch(stretches.filter { $0.link != nil || $0.worldSize <= slots }, unlinked: launched)
        } else {
            stretches = []
        }
        self.exchange = exchange
        func optionalText(_ name: String) -> String? {
            (try? RegularFile.read(directory.appendingPathComponent(name).path, limit: 1 << 20))
                .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        let unshapedFile = directory.appendingPathComponent("unshaped.jsonl")
        unshaped = FileManager.default.fileExists(atPath: unshapedFile.path)
            ? try AllReduceSample.read(unshapedFile).filter { $0.operation == .allReduce && $0.worldSize == 2 } : []
        machine = optionalText("machine.txt")
        command = optionalText("command.txt")
    }

    /// Writes `results.csv`, `report.md`, `scaling.svg`, `projection.svg` and `projection.json`
    /// (each atomically).
    public func write() throws {
        try writeAtomically(projectionJSON, to: directory.appendingPathComponent("projection.json"))
        try writeAtomically(csv, to: directory.appendingPathComponent("results.csv"))
        try writeAtomically(markdown, to: directory.appendingPathComponent("report.md"))
        try writeAtomically(scalingFigure.svg, to: directory.appendingPathComponent("scaling.svg"))
        try writeAtomically(projectionFigure.svg, to: directory.appendingPathComponent("projection.svg"))
    }

    /// `results.csv`: a header, then one row per run in the order they ran.
    public var csv: String {
        ([ScalingRun.csvHeader] + runs.map(\.csvRow)).map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    /// The np = 1 point of `mode`, else of any mode (both modes run the same step at one rank).
    func base(_ mode: String) -> ScalingPoint? {
        plainPoints.first { $0.mode == mode && $0.worldSize == 1 } ?? points.first { $0.worldSize == 1 }
    }

    /// Sentences/s at this point over sentences/s at np = 1.
    public func speedUp(_ p: ScalingPoint) -> Double? {
        guard let b = base(p.mode), b.sentencesPerSecond > 0 else { return nil }
        let ratio = p.sentencesPerSecond / b.sentencesPerSecond
        return ratio.isFinite ? ratio : nil
    }

    /// Ranks sharing cores at this point: ranks × BLAS threads over the cores of the hosts, at least 1.
    func slowdown(_ p: ScalingPoint) -> Double { p.placement.oversubscription }

    /// The points of the plain sweep: the dense sum on one host or the launched hosts (no emulated link).
    var plainPoints: [ScalingPoint] {
        points.filter { $0.strategy == .dense && !$0.automatic && ($0.placement.level == .sharedMemory || $0.placement.level == .cluster) }
    }

    // MARK: - report.md

    public var markdown: String {
        var md = ["# Scaling report", ""]
        if let command { md += ["Reproduce with:", "", "```sh", command, "```", ""] }
        if let machine { md += ["Machine:", "", "```", machine, "```", ""] }
        md += loadSection
        md += ["Each figure is the median over the rounds of each run's median step (rounds alternate the",
               "order of np so machine noise spreads evenly). Speed-up is sentences/s against np = 1 of the",
               "same mode; efficiency is speed-up ÷ np. Strong mode keeps the global batch, weak mode the",
               "per-rank batch. All-reduce is the exposed time (after backward and inside MPI calls during it).", ""]
        for mode in ["strong", "weak"] {
            let rows = plainPoints.filter { $0.mode == mode }
            guard !rows.isEmpty else { continue }
            md += ["## \(mode == "strong" ? "Strong" : "Weak") scaling", "",
                   "| np | hosts | global batch | per-rank batch | sentences/s | tokens/s | speed-up | efficiency | step ms | forward | backward | all-reduce | update | peak RSS MiB (max rank) | runs | notes |",
                   "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
            for p in rows {
                let s = speedUp(p)
                md.append("| \(p.worldSize) | \(p.hosts) | \(p.globalBatch) | \(fmt(p.perRankBatch, p.perRankBatch == p.perRankBatch.rounded() ? 0 : 2)) | "
                          + "\(fmt(p.sentencesPerSecond, 0)) | \(fmt(p.tokensPerSecond, 0)) | \(s.map { fmt($0, 2) + "×" } ?? "—") | "
                          + "\(s.map { fmt(100 * $0 / Double(p.worldSize), 0) + "%" } ?? "—") | \(fmt(p.stepMs, 1)) | "
                          + "\(fmt(p.forwardMs, 1)) | \(fmt(p.backwardMs, 1)) | \(fmt(p.allReduceMs, 1)) | \(fmt(p.updateMs, 1)) | "
                          + "\(fmt(p.peakRSSMiB, 0)) | \(p.runs.count) | \(p.caveats.joined(separator: ", ")) |")
            }
            md.append("")
        }
        md += ["![speed-up and efficiency](scaling.svg)", "",
               "Gradient: \(Int(runs.map(\.gradientBytes).max() ?? 0)) bytes (\(fmt((runs.map(\.gradientBytes).max() ?? 0) / 1_048_576, 1)) MiB); "
               + "all-reduced per step and rank (median over runs with np > 1): "
               + "\(fmt(median(runs.filter { $0.worldSize > 1 }.map(\.allReduceBytes)) / 1_048_576, 2)) MiB; "
               + "peak RSS of any rank in any run: \(fmt(runs.flatMap(\.peakRSSMiB).max() ?? 0, 0)) MiB.", ""]
        md += costSection + emulatedSection + networkCostSection + projectionSection
        return md.joined(separator: "\n") + "\n"
    }

    /// The 1-minute load average `machine.txt` recorded at the sweep's start (its `load:` line).
    var startLoad: Double? {
        guard let line = machine?.split(separator: "\n").first(where: { $0.hasPrefix("load:") }) else { return nil }
        return line.dropFirst(5).split(separator: " ").first.flatMap { Double($0) }
    }

    /// At the top of the report: whether the machine was quiet, from the load at the start and
    /// each configuration's runs (something else runnable for most of a run; rounds spread > 10%).
    var loadSection: [String] {
        let largest = runs.map(\.worldSize).max() ?? 1
        let busyStart = startLoad.map { $0 > Double(largest) } ?? false
        let marked = points.filter { !$0.caveats.isEmpty }
        let recorded = runs.contains { $0.load != nil }
        guard busyStart || !marked.isEmpty else {
            guard recorded else { return [] }
            return ["Quiet machine: the 1-minute load at the start was \(startLoad.map { fmt($0, 2) } ?? "not recorded") "
                    + "(at most the \(largest) ranks of the largest run), nothing else was runnable for most of any run, "
                    + "and no configuration's rounds spread by more than 10%.", ""]
        }
        let loadedRuns = marked.filter(\.loaded).count
        var md = [busyStart || loadedRuns > 0 ? "> **Taken on a loaded machine.**"
                  : "> **Rounds that disagree.** Nothing else was runnable for most of any run, but some configurations' rounds differ by more than 10%."]
        if busyStart, let load = startLoad {
            md.append("> The 1-minute load at the start was \(fmt(load, 2)), above the \(largest) ranks of the largest run.")
        }
        if !marked.isEmpty {
            md.append("> \(marked.count) of \(points.count) configurations are marked in the tables below: \"loaded\" (something "
                      + "else was runnable for most of one of its runs\(recorded ? "" : "; not recorded by this sweep"), \(loadedRuns) "
                      + "here) or \"spread\" (its rounds differ by more than 10%: the median is reported, but one round saw what the "
                      + "others did not). Rerun those configurations, on a quiet machine where one is loaded, before relying on them.")
        }
        return md + [""]
    }

    var costSection: [String] {
        var md = ["## All-reduce cost model", ""]
        guard let cost else {
            if !exchange.levels.isEmpty { return [] }
            return md + ["No all-reduce was timed on more than one rank (`collective.jsonl` missing or np = 1 only), "
                         + "so there is no cost model and no projection.", ""]
        }
        md += ["`MPI_Allreduce` (sum of floats, in place) timed at several sizes on the ranks the sweep had, fitted",
               "to a ring all-reduce T(p, n) = 2(p−1)·α + 2(p−1)/p·n·β by least squares on the relative error:",
               "", "- α (latency per message) = \(fmt(cost.alpha * 1e6, 2)) µs",
               "- β = \(String(format: "%.3g", cost.beta * 1e9)) ns/byte (\(cost.beta > 0 ? fmt(1 / cost.beta / 1e9, 2) : "∞") GB/s per link)", "",
               "Only world sizes with a core per rank enter the fit when there are any (with ranks sharing cores",
               "the time is mostly waiting for the scheduler); the others are shown against the model."] + runsParagraph + ["",
               "| np | bytes | measured ms | model ms | in the fit |", "| ---: | ---: | ---: | ---: | --- |"]
        for s in samples.sorted(by: { ($0.worldSize, $0.bytes) < ($1.worldSize, $1.bytes) }) where s.worldSize > 1 && s.operation == .allReduce {
            md.append("| \(s.worldSize) | \(Int(s.bytes)) | \(fmt(1000 * s.seconds, 3)) | \(fmt(1000 * cost.seconds(worldSize: s.worldSize, bytes: s.bytes), 3)) | "
                      + (fittedWorldSizes.contains(s.worldSize) ? "yes" : "no (ranks share cores)") + " |")
        }
        let oneHost = runs.allSatisfy { $0.hosts == 1 }
        md += ["", oneHost ? "These timings are from one host (shared memory), not a network: they price exchanges within a "
               + "host only. For traffic between hosts, run the kit with `--emulate` or across two or more nodes "
               + "(`--hostfile` or SLURM) so α and β describe a network." : "", ""]
        return md
    }

    // MARK: - figures

    /// Speed-up and efficiency against np, per mode, with the ideal lines.
    public var scalingFigure: SVGFigure {
        let nps = Set(plainPoints.map(\.worldSize)).sorted()
        var speed: [SVGChart.Series] = [], efficiency: [SVGChart.Series] = []
        for mode in ["strong", "weak"] {
            let rows = plainPoints.filter { $0.mode == mode }
            guard !rows.isEmpty else { continue }
            let s = rows.compactMap { p in speedUp(p).map { (x: Double(p.worldSize), y: $0) } }
            speed.append(.init(name: "\(mode) (measured)", points: s))
            efficiency.append(.init(name: "\(mode) (measured)", points: s.map { (x: $0.x, y: $0.y / $0.x) }))
        }
        speed.append(.init(name: "ideal", points: nps.map { (x: Double($0), y: Double($0)) }, style: .dashed))
        efficiency.append(.init(name: "ideal", points: nps.map { (x: Double($0), y: 1) }, style: .dashed))
        return SVGFigure(panels: [
            SVGChart(title: "Speed-up against np = 1", xLabel: "ranks (np)", yLabel: "speed-up (sentences/s ÷ np = 1)", series: speed,
                     integerX: true),
            SVGChart(title: "Parallel efficiency", xLabel: "ranks (np)", yLabel: "efficiency (speed-up ÷ np)", series: efficiency,
                     integerX: true),
        ], note: "Measured: median over rounds; sentences/s per step of mtl-dist bench step.")
    }
}
