import Foundation
import RegularFiles

/// The report of a scaling sweep, drawn from the folder `launch/scaling.sh` fills: `runs.jsonl`
/// (one bench run per line), `collective.jsonl` (all-reduce timings per world size), and, when
/// present, `machine.txt` and `command.txt`. `write()` puts `results.csv`, `report.md`,
/// `scaling.svg` and `projection.svg` next to them.
public struct ScalingReport {
    public let directory: URL
    public let runs: [ScalingRun]
    public let points: [ScalingPoint]
    public let samples: [AllReduceSample]
    public let cost: AllReduceCostModel?
    /// The world sizes whose all-reduce timings the fit used (those with a core per rank, when any).
    public let fittedWorldSizes: Set<Int>
    public let machine: String?
    public let command: String?

    /// The world sizes the projection covers.
    public static let projectedWorldSizes = [16, 32, 64, 128, 256, 512, 1024]

    /// Reads the sweep folder; throws `ReportError` naming the file and line of anything malformed.
    public init(directory: URL) throws {
        self.directory = directory
        runs = try ScalingRun.read(directory.appendingPathComponent("runs.jsonl"))
        points = ScalingPoint.group(runs)
        let collective = directory.appendingPathComponent("collective.jsonl")
        samples = FileManager.default.fileExists(atPath: collective.path) ? try AllReduceSample.read(collective) : []
        // ranks sharing cores time the scheduler, not the transfer: fit on a core per rank when there are such samples
        let slots = runs.map { $0.cores * $0.hosts / max($0.blasThreads, 1) }.min() ?? 1
        let ownCores = samples.filter { $0.worldSize <= slots }
        cost = AllReduceCostModel.fit(ownCores.contains { $0.worldSize > 1 } ? ownCores : samples)
        fittedWorldSizes = Set((ownCores.contains { $0.worldSize > 1 } ? ownCores : samples).map(\.worldSize))
        func optionalText(_ name: String) -> String? {
            (try? RegularFile.read(directory.appendingPathComponent(name).path, limit: 1 << 20))
                .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        machine = optionalText("machine.txt")
        command = optionalText("command.txt")
    }

    /// Writes `results.csv`, `report.md`, `scaling.svg` and `projection.svg` (each atomically).
    public func write() throws {
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
        points.first { $0.mode == mode && $0.worldSize == 1 } ?? points.first { $0.worldSize == 1 }
    }

    /// Sentences/s at this point over sentences/s at np = 1.
    public func speedUp(_ p: ScalingPoint) -> Double? {
        guard let b = base(p.mode), b.sentencesPerSecond > 0 else { return nil }
        let ratio = p.sentencesPerSecond / b.sentencesPerSecond
        return ratio.isFinite ? ratio : nil
    }

    /// The projection from the np = 1 runs of both modes (medians of forward + backward per
    /// sentence and of the update) and the fitted all-reduce cost; nil without either.
    public var projection: StepProjection? {
        let ones = runs.filter { $0.worldSize == 1 }
        guard let cost, !ones.isEmpty else { return nil }
        return StepProjection(computePerSentence: median(ones.map { ($0.forwardMs + $0.backwardMs) / 1000 / Double($0.globalBatch) }),
                              update: median(ones.map(\.updateMs)) / 1000, bytes: runs.map(\.gradientBytes).max() ?? 0, cost: cost)
    }

    /// The per-rank batch the projection keeps: the weak sweep's, else the np = 1 global batch.
    var projectedPerRankBatch: Double {
        points.first { $0.mode == "weak" }?.perRankBatch ?? Double(base("strong")?.globalBatch ?? 1)
    }

    /// Ranks sharing cores at this point: ranks × BLAS threads over the cores of the hosts, at least 1.
    func slowdown(_ p: ScalingPoint) -> Double {
        let r = p.runs[0]
        return max(1, Double(r.worldSize * r.blasThreads) / Double(max(r.cores * r.hosts, 1)))
    }

    // MARK: - report.md

    public var markdown: String {
        var md = ["# Scaling report", ""]
        if let command { md += ["Reproduce with:", "", "```sh", command, "```", ""] }
        if let machine { md += ["Machine:", "", "```", machine, "```", ""] }
        md += ["Each figure is the median over the rounds of each run's median step (rounds alternate the",
               "order of np so machine noise spreads evenly). Speed-up is sentences/s against np = 1 of the",
               "same mode; efficiency is speed-up ÷ np. Strong mode keeps the global batch, weak mode the",
               "per-rank batch. All-reduce is the exposed time (after backward and inside MPI calls during it).", ""]
        for mode in ["strong", "weak"] {
            let rows = points.filter { $0.mode == mode }
            guard !rows.isEmpty else { continue }
            md += ["## \(mode == "strong" ? "Strong" : "Weak") scaling", "",
                   "| np | hosts | global batch | per-rank batch | sentences/s | tokens/s | speed-up | efficiency | step ms | forward | backward | all-reduce | update | peak RSS MiB (max rank) | runs |",
                   "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
            for p in rows {
                let s = speedUp(p)
                md.append("| \(p.worldSize) | \(p.hosts) | \(p.globalBatch) | \(fmt(p.perRankBatch, p.perRankBatch == p.perRankBatch.rounded() ? 0 : 2)) | "
                          + "\(fmt(p.sentencesPerSecond, 0)) | \(fmt(p.tokensPerSecond, 0)) | \(s.map { fmt($0, 2) + "×" } ?? "—") | "
                          + "\(s.map { fmt(100 * $0 / Double(p.worldSize), 0) + "%" } ?? "—") | \(fmt(p.stepMs, 1)) | "
                          + "\(fmt(p.forwardMs, 1)) | \(fmt(p.backwardMs, 1)) | \(fmt(p.allReduceMs, 1)) | \(fmt(p.updateMs, 1)) | "
                          + "\(fmt(p.peakRSSMiB, 0)) | \(p.runs.count) |")
            }
            md.append("")
        }
        md += ["![speed-up and efficiency](scaling.svg)", "",
               "Gradient: \(Int(runs.map(\.gradientBytes).max() ?? 0)) bytes (\(fmt((runs.map(\.gradientBytes).max() ?? 0) / 1_048_576, 1)) MiB); "
               + "all-reduced per step and rank (median over runs with np > 1): "
               + "\(fmt(median(runs.filter { $0.worldSize > 1 }.map(\.allReduceBytes)) / 1_048_576, 2)) MiB; "
               + "peak RSS of any rank in any run: \(fmt(runs.flatMap(\.peakRSSMiB).max() ?? 0, 0)) MiB.", ""]
        md += costSection + projectionSection
        return md.joined(separator: "\n") + "\n"
    }

    var costSection: [String] {
        var md = ["## All-reduce cost model", ""]
        guard let cost else {
            return md + ["No all-reduce was timed on more than one rank (`collective.jsonl` missing or np = 1 only), "
                         + "so there is no cost model and no projection.", ""]
        }
        md += ["`MPI_Allreduce` (sum of floats, in place) timed at several sizes on the ranks the sweep had, fitted",
               "to a ring all-reduce T(p, n) = 2(p−1)·α + 2(p−1)/p·n·β by least squares on the relative error:",
               "", "- α (latency per message) = \(fmt(cost.alpha * 1e6, 2)) µs",
               "- β = \(String(format: "%.3g", cost.beta * 1e9)) ns/byte (\(cost.beta > 0 ? fmt(1 / cost.beta / 1e9, 2) : "∞") GB/s per link)", "",
               "Only world sizes with a core per rank enter the fit when there are any (with ranks sharing cores",
               "the time is mostly waiting for the scheduler); the others are shown against the model.", "",
               "| np | bytes | measured ms | model ms | in the fit |", "| ---: | ---: | ---: | ---: | --- |"]
        for s in samples.sorted(by: { ($0.worldSize, $0.bytes) < ($1.worldSize, $1.bytes) }) where s.worldSize > 1 {
            md.append("| \(s.worldSize) | \(Int(s.bytes)) | \(fmt(1000 * s.seconds, 3)) | \(fmt(1000 * cost.seconds(worldSize: s.worldSize, bytes: s.bytes), 3)) | "
                      + (fittedWorldSizes.contains(s.worldSize) ? "yes" : "no (ranks share cores)") + " |")
        }
        let oneHost = runs.allSatisfy { $0.hosts == 1 }
        md += ["", oneHost ? "These timings are from one host (shared memory), not a network: on a cluster, run the kit "
               + "across two or more nodes (`--hostfile` or SLURM) so α and β describe the interconnect." : "", ""]
        return md
    }

    var projectionSection: [String] {
        guard let projection else { return [] }
        let b = projectedPerRankBatch
        var md = ["## Projection to 16–1,024 ranks (a model, not a measurement)", "",
                  "Assumptions: every rank has its own cores and computes \(fmt(b, 0)) sentences per step at the "
                  + "median np = 1 time per sentence (forward + backward, \(fmt(1000 * projection.computePerSentence, 3)) ms); "
                  + "every rank applies the whole update (\(fmt(1000 * projection.update, 2)) ms, the median at np = 1); "
                  + "the whole gradient (\(Int(projection.bytes)) bytes; a global batch of many ranks touches most embedding rows) is summed by a ring all-reduce with the α and β above, "
                  + "after backward, without overlap; no stragglers. Efficiency = one-rank step ÷ p-rank step "
                  + "(weak scaling: strong scaling of a global batch of \(base("strong")?.globalBatch ?? 0) cannot use more ranks than sentences).", "",
                  "| ranks | per-rank batch | compute + update ms | all-reduce ms | step ms | sentences/s | efficiency |",
                  "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for p in ScalingReport.projectedWorldSizes {
            let pt = projection.point(worldSize: p, perRankBatch: b)
            md.append("| \(p) | \(fmt(b, 0)) | \(fmt(1000 * pt.computeSeconds, 1)) | \(fmt(1000 * pt.allReduceSeconds, 2)) | "
                      + "\(fmt(1000 * pt.stepSeconds, 1)) | \(fmt(pt.sentencesPerSecond, 0)) | "
                      + "\(fmt(100 * projection.efficiency(worldSize: p, perRankBatch: b), 0))% |")
        }
        let checks = points.filter { $0.worldSize > 1 }
        if !checks.isEmpty {
            md += ["", "Projected against measured where the sweep ran (compute scaled by the core sharing: ranks × BLAS "
                   + "threads ÷ cores, when above 1):", "",
                   "| mode | np | per-rank batch | core sharing | projected step ms | measured step ms | measured ÷ projected |",
                   "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
            for p in checks {
                let pt = projection.point(worldSize: p.worldSize, perRankBatch: p.perRankBatch, slowdown: slowdown(p))
                md.append("| \(p.mode) | \(p.worldSize) | \(fmt(p.perRankBatch, 1)) | \(fmt(slowdown(p), 1))× | "
                          + "\(fmt(1000 * pt.stepSeconds, 1)) | \(fmt(p.stepMs, 1)) | \(fmt(p.stepMs / 1000 / pt.stepSeconds, 2)) |")
            }
        }
        md += ["", "![projection](projection.svg)", ""]
        return md
    }

    // MARK: - figures

    /// Speed-up and efficiency against np, per mode, with the ideal lines.
    public var scalingFigure: SVGFigure {
        let nps = Set(points.map(\.worldSize)).sorted()
        var speed: [SVGChart.Series] = [], efficiency: [SVGChart.Series] = []
        for mode in ["strong", "weak"] {
            let rows = points.filter { $0.mode == mode }
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
        ], note: "Measured: median over rounds; sentences/s per step of mtl-dist bench --config.")
    }

    /// Projected weak-scaling efficiency and step time to 1,024 ranks, with the measured points.
    public var projectionFigure: SVGFigure {
        guard let projection else {
            return SVGFigure(panels: [SVGChart(title: "Projection: no all-reduce timings on 2+ ranks", xLabel: "ranks",
                                               yLabel: "efficiency", series: [], logX: true, integerX: true)])
        }
        let b = projectedPerRankBatch
        let ps = [1, 2, 4, 8] + ScalingReport.projectedWorldSizes
        let mode = points.contains { $0.mode == "weak" } ? "weak" : "strong"
        func measured(sharing: Bool) -> [(x: Double, y: Double)] {
            points.filter { $0.mode == mode && (slowdown($0) > 1) == sharing }
                .compactMap { p in speedUp(p).map { (x: Double(p.worldSize), y: $0 / Double(p.worldSize)) } }
        }
        let efficiency = SVGChart(title: "Projected weak-scaling efficiency", xLabel: "ranks (log scale)",
                                  yLabel: "efficiency", series: [
                                      .init(name: "projection (ring all-reduce model)",
                                            points: ps.map { (x: Double($0), y: projection.efficiency(worldSize: $0, perRankBatch: b)) },
                                            style: .dashed),
                                      .init(name: "measured, \(mode), a core per rank", points: measured(sharing: false), style: .markers),
                                      .init(name: "measured, \(mode), ranks sharing cores", points: measured(sharing: true), style: .markers),
                                      .init(name: "ideal", points: [(x: 1, y: 1), (x: 1024, y: 1)], style: .dashed),
                                  ], logX: true, integerX: true)
        let steps = SVGChart(title: "Projected step time", xLabel: "ranks (log scale)", yLabel: "ms per step", series: [
            .init(name: "step", points: ps.map { (x: Double($0), y: 1000 * projection.point(worldSize: $0, perRankBatch: b).stepSeconds) }),
            .init(name: "compute + update", points: ps.map { (x: Double($0), y: 1000 * projection.point(worldSize: $0, perRankBatch: b).computeSeconds) }, style: .dashed),
            .init(name: "all-reduce (model)", points: ps.map { (x: Double($0), y: 1000 * projection.point(worldSize: $0, perRankBatch: b).allReduceSeconds) }, style: .dashed),
        ], logX: true, integerX: true)
        return SVGFigure(panels: [efficiency, steps],
                         note: "PROJECTION, not measured: ring all-reduce 2(p-1)·α + 2(p-1)/p·n·β fitted on this sweep; "
                         + "\(fmt(b, 0)) sentences per rank; no overlap.")
    }
}
