import Foundation

/// The cost model's side of the report: predicted against measured for every configuration the
/// sweep ran (`projection.json`, the emulated-network table), the two-level fit, and the projection
/// to many hosts priced with a network's α and β only.
extension ScalingReport {
    /// The unshaped all-reduce of the largest size of 1 MiB or more (2 hosts): what this machine's
    /// CPUs move over TCP with no rate held; nil when the sweep did not time it.
    var unshapedLargest: AllReduceSample? {
        unshaped.filter { $0.bytes >= 1_048_576 }.max { $0.bytes < $1.bytes }
    }

    /// True for an emulated rate this machine cannot hold its traffic to: 2 hosts sum the largest
    /// size unshaped in more than half the time the rate allows (n bytes each way), so the CPUs,
    /// not the link, decide its timings.
    public func isCPUBound(_ level: ScalingLevel) -> Bool {
        guard case let .network(rate) = level, rate > 0, let u = unshapedLargest else { return false }
        return u.seconds > 0.5 * u.bytes * 8 / rate
    }

    /// A level's name in the tables: "10 Gbit/s (CPU-bound)" where `isCPUBound`.
    func levelLabel(_ level: ScalingLevel) -> String { level.label + (isCPUBound(level) ? " (CPU-bound)" : "") }

    /// What makes a configuration's figure doubtful: its rounds' caveats (`ScalingPoint.caveats`),
    /// and "CPU-bound" on a link this machine cannot emulate (`isCPUBound`).
    public func caveats(of point: ScalingPoint) -> [String] {
        point.caveats + (isCPUBound(point.placement.level) ? ["CPU-bound"] : [])
    }

    /// The paragraph on the unshaped link: what it measured and which rates it marks.
    var unshapedParagraph: [String] {
        guard let u = unshapedLargest else { return [] }
        let levels = exchange.levels.keys.sorted().filter { if case .network = $0 { return true } else { return false } }
        let bound = levels.filter(isCPUBound)
        return ["**The machine's own TCP speed** (`unshaped.jsonl`: `bench collective` on 2 emulated hosts whose link holds "
                + "no rate): \(fmt(u.bytes / 1_048_576, 0)) MiB summed in \(fmt(1000 * u.seconds, 1)) ms. A rate whose line needs "
                + "less than twice that (n bytes each way) cannot be emulated on this machine: its timings are the CPUs', not the "
                + "link's, and vary between sweeps. "
                + (bound.isEmpty ? "No rate of this sweep is that fast."
                   : "Marked \"CPU-bound\" below: " + bound.map(\.label).joined(separator: ", ") + "."), ""]
    }

    /// One rank's compute at the per-rank batch of `point`, with a core of its own: the medians of
    /// the np = 1 runs of the point's mode (forward and backward scaled by per-rank batch ÷ the
    /// np = 1 batch; the update is per step), × `contention(for:)` when the point's ranks all ran on
    /// this machine. Nil without an np = 1 run.
    public func computeProfile(for point: ScalingPoint) -> ComputeProfile? {
        guard let one = soloCompute(for: point) else { return nil }
        let c = contention(for: point)
        return ComputeProfile(forward: c * one.forward, backward: c * one.backward, update: c * one.update)
    }

    /// The np = 1 compute at the point's per-rank batch.
    func soloCompute(for point: ScalingPoint) -> ComputeProfile? {
        let ones = runs.filter { $0.worldSize == 1 && $0.mode == point.mode }
        let reference = ones.isEmpty ? runs.filter { $0.worldSize == 1 } : ones
        guard !reference.isEmpty else { return nil }
        let scale = point.perRankBatch / Double(reference[0].globalBatch)
        return ComputeProfile(forward: scale * median(reference.map(\.forwardMs)) / 1000,
                              backward: scale * median(reference.map(\.backwardMs)) / 1000,
                              update: median(reference.map(\.updateMs)) / 1000)
    }

    /// How much slower W ranks computing at once on this machine are than one, beyond their core
    /// sharing s (they share memory bandwidth, caches and, on a VM, perhaps SMT siblings): the
    /// median forward + backward of the shared-memory runs at the same np and mode whose backward
    /// runs with no sum beside it (every strategy but the overlapped buckets, `auto` by what it
    /// chose; each run of each, so one unlucky configuration does not set it: their compute is the
    /// same) over s × the np = 1 one. Emulated hosts are namespaces of this machine, so their ranks
    /// contend alike; 1 for one rank, for ranks on real hosts (a launched cluster) and without such
    /// a shared-memory run at that np.
    public func contention(for point: ScalingPoint) -> Double {
        guard point.worldSize > 1, point.placement.level != .cluster else { return 1 }
        let shm = points.filter { $0.mode == point.mode && $0.worldSize == point.worldSize && $0.strategy != .overlap
                                  && $0.placement.level == .sharedMemory }
        guard let first = shm.first, let one = soloCompute(for: first) else { return 1 }
        let solo = first.placement.oversubscription * (one.forward + one.backward)
        guard solo > 0 else { return 1 }
        let c = median(shm.flatMap(\.runs).map { $0.forwardMs + $0.backwardMs }) / 1000 / solo
        return c.isFinite && c > 0 ? c : 1
    }

    /// What the cost model predicts for `point`: nil without a compute reference or without a fit
    /// of the point's level.
    public func prediction(for point: ScalingPoint) -> StepPrediction? {
        guard let compute = computeProfile(for: point) else { return nil }
        let volume = ExchangeVolume(gradientBytes: point.gradientBytes, touchedBytes: point.allReduceBytes,
                                    bucketBytes: point.bucketBytes, bucketReady: point.bucketReady)
        return StepCostModel(compute: compute, exchange: exchange).predict(point.strategy, volume: volume, link: point.placement)
    }

    /// `projection.json`: one object per configuration the sweep ran (the median over its rounds),
    /// `{"np", "hosts", "ranks_per_host", "rate_bits_per_s", "strategy", "auto", "mode",
    /// "predicted_step_ms", "measured_step_ms", "caveats"}`, `predicted_step_ms` null where the model
    /// has no fit for the link; `strategy` is the one in force (with `"auto": true`, auto's choice).
    public var projectionJSON: String {
        let entries: [[String: Any]] = points.map { p in
            let link = p.placement
            return ["np": p.worldSize, "hosts": link.hosts, "ranks_per_host": link.ranksPerHost,
                    "rate_bits_per_s": link.rateBitsPerSecond, "strategy": p.strategy.rawValue, "auto": p.automatic, "mode": p.mode,
                    "predicted_step_ms": prediction(for: p).map { 1000 * $0.step } ?? NSNull(), "measured_step_ms": p.stepMs,
                    "caveats": caveats(of: p)]
        }
        let data = (try? JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted, .sortedKeys])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    // MARK: - report.md

    /// Every configuration against its prediction, when the sweep recorded links (`--emulate`).
    var emulatedSection: [String] {
        guard runs.contains(where: { $0.link != nil }) else { return [] }
        var md = ["## Exchange strategies on emulated links: measured and predicted", "",
                  "Each row is the median over the rounds of one configuration. \"× dense\" is sentences/s against the dense sum "
                  + "on the same link; exchange is the time the step waited for the exchange (after backward, and inside MPI calls "
                  + "during it). Predicted: the cost model below, from the np = 1 compute (forward, backward, update, × the core "
                  + "sharing s, × the contention c of that many ranks on this machine) and the α, β fitted on `bench collective` "
                  + "over the same link; the exchanged bytes are the run's own (touched rows: measured from the data). "
                  + "\"auto → X\" is `training.exchange: auto`, which chose X at start; notes mark a configuration whose rounds "
                  + "spread by more than 10% or during which something else wanted a core (loaded).", "",
                  "| link | np | hosts × ranks | strategy | sentences/s | × dense | step ms | forward | backward | exchange | update | MiB exchanged | predicted ms (exchange) | measured ÷ predicted: step | exchange | notes |",
                  "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
        for p in points {
            let link = p.placement
            let dense = points.first { $0.mode == p.mode && $0.worldSize == p.worldSize && $0.placement == link && $0.strategy == .dense && !$0.automatic }
            let predicted = prediction(for: p)
            md.append("| \(link.rateLabel) | \(p.worldSize) | \(link.hosts) × \(link.ranksPerHost)\(link.oversubscription > 1 ? " (\(fmt(link.oversubscription, 1))× cores)" : "") | "
                      + "\(p.strategyLabel) | \(fmt(p.sentencesPerSecond, 1)) | \(dense.map { fmt(p.sentencesPerSecond / $0.sentencesPerSecond, 2) + "×" } ?? "—") | "
                      + "\(fmt(p.stepMs, 1)) | \(fmt(p.forwardMs, 1)) | \(fmt(p.backwardMs, 1)) | \(fmt(p.allReduceMs, 1)) | \(fmt(p.updateMs, 1)) | "
                      + "\(fmt(p.allReduceBytes / 1_048_576, 2)) | \(predicted.map { fmt(1000 * $0.step, 1) + " (" + fmt(1000 * $0.exchange, 1) + ")" } ?? "no fit") | "
                      + "\(predicted.map { fmt(p.stepMs / 1000 / $0.step, 2) } ?? "—") | "
                      + "\(predicted.map { $0.exchange > 0 ? fmt(p.allReduceMs / 1000 / $0.exchange, 2) : "—" } ?? "—") | "
                      + "\(caveats(of: p).joined(separator: ", ")) |")
        }
        let errors = points.compactMap { p in prediction(for: p).map { abs(p.stepMs / 1000 / $0.step - 1) } }
        if let worst = errors.max() {
            let contended = Set(points.map { contention(for: $0) }.filter { $0 != 1 }).sorted()
            md += ["", "Largest miss: \(fmt(100 * worst, 0))% of the predicted step; \(errors.filter { $0 <= 0.15 }.count) of \(errors.count) "
                   + "configurations within 15%. The compute is the np = 1 runs' (taken at other moments than each run): on a "
                   + "machine whose load changes between runs, the step's miss is mostly the compute's, the exchange's column "
                   + "isolates the network model."
                   + (contended.isEmpty ? "" : " Contention c (the median forward + backward of the shared-memory runs but the overlapped ones ÷ s × np = 1's): "
                      + contended.map { fmt($0, 2) }.joined(separator: ", ") + "; it prices ranks sharing this machine's memory "
                      + "and caches, which hosts of a real cluster do not share (the projection leaves it out)."), ""]
        }
        md += autoSection
        let overlapped = points.filter { $0.strategy == .overlap && $0.worldSize > 1 }
        let measuredReady: [String] = overlapped.compactMap { (point: ScalingPoint) -> String? in
            guard !point.bucketReady.isEmpty else { return nil }
            let buckets: [String] = zip(point.bucketBytes, point.bucketReady).map { (bytes: Double, ready: Double) -> String in
                fmt(bytes / 1_048_576, 2) + " MiB at " + fmt(ready, 2)
            }
            return point.placement.level.label + ": " + buckets.joined(separator: ", ")
        }
        let readyFractions: String = measuredReady.isEmpty
            ? "none measured here, so f_k = the bytes of buckets 0..k ÷ the gradient, gradients assumed produced at an even rate in bytes"
            : measuredReady.joined(separator: "; ")
        let stretchText: String = exchange.stretch.isEmpty
            ? "not timed in this sweep, so x = 0"
            : exchange.stretch.sorted { $0.key < $1.key }.map { "\($0.key.label) " + fmt(100 * $0.value, 1) + "%" }.joined(separator: ", ")
        let overlapLine: String = "- overlapped buckets: bucket k is ready at B' × f_k, f_k the fraction of backward after which the "
            + "run started its sum (bench's `allreduce_bucket_ready`, median over the steps: \(readyFractions)); the sums run one "
            + "after another, each from max(ready, previous end) for T_nb(bucket), the non-blocking all-reduce's fit; the step "
            + "waits for what ends after backward. B' = s·B + L·x/(1+x) is backward slowed by the sums beside it (their TCP work "
            + "and the progress thread's tests take the rank's core), L the part of B' with a sum in flight and x the stretch "
            + "`bench collective` timed on the link: products beside 4 MiB non-blocking sums in flight ÷ alone − 1 (\(stretchText))"
        md += ["Model, per strategy, with s the core sharing (ranks × BLAS threads ÷ cores, at least 1), c the contention, "
               + "F, B, U the np = 1 forward, backward and update (each × c below), T(n) = 2(p−1)·α + 2(p−1)/p·n·β at the link's level:",
               "", "- dense: s·F + s·B + T(gradient) + s·U",
               "- touched rows: s·F + s·B + T(touched bytes) + s·U",
               overlapLine,
               "- sharded update: s·F + s·B + T_rs+ag(gradient), the fit of the reduce-scatter + all-gather pair, + 2(p−1)·α "
               + "(the squared norm's all-reduce) + s·U ÷ p",
               "", "Each strategy is priced with the collective it calls, timed by `bench collective` on the same link; where a "
               + "sweep did not time one (before these were timed), the all-reduce's fit stands in.", ""]
        return md
    }

    /// Each level's α and β, and the fit against every timing it used.
    var networkCostSection: [String] {
        let levels = exchange.levels.keys.sorted().filter { $0 != .sharedMemory || runs.contains { $0.link != nil } }
        guard !levels.isEmpty, runs.contains(where: { $0.link != nil }) || levels.contains(.cluster) else { return [] }
        var md = ["## Two-level exchange cost", "",
                  "`MPI_Allreduce` timed with `bench collective` on each level and fitted by least squares on the relative "
                  + "error to T(p, n) = 2(p−1)·α + 2(p−1)/p·n·β, one fit per level: within a host (shared memory) and between hosts "
                  + "(each emulated rate, or the hosts the sweep was launched on). Between hosts OpenMPI runs one ring over all "
                  + "ranks, whose every step waits for its network hop, so traffic between hosts is priced with the network's α "
                  + "and β only, never with shared memory's. A fit uses the timings with a core per rank (ranks sharing "
                  + "cores are priced by the sharing's term, below), and a network's fit its messages of 1 MiB and more for β, with α "
                  + "from the all-reduce's smallest message (large messages cannot tell α from zero, yet it decides a ring of a "
                  + "thousand ranks; the other collectives take that α): one α and one β cannot follow TCP from 4 KiB (within the shaper's burst and the socket buffers) to 16 MiB (a ring sending "
                  + "both ways at once), and gradients, touched rows and buckets are of the large kind. Every timing is shown "
                  + "against the model below. The reduce-scatter + all-gather pair (the sharded update) and the non-blocking "
                  + "all-reduce (a bucket of the overlapped sum) are timed from 256 KiB and fitted alike, each on its own timings. "
                  + "Where emulated hosts outnumber this machine's cores (4 and 8 hosts of one rank on 2 cores), the ranks sharing a "
                  + "core add to each collective what the level's fit (taken with a core per rank) cannot hold: T + s(s−1)/2·2(p−1)·step "
                  + "+ (s−1)·2(p−1)/p·n·byte, with s the sharing: each ring step's wait for its predecessor's turn on a core, which "
                  + "grows faster than the other ranks on the core (a 1 MiB collective at 1 Gbit/s: under 0.11 ms per step at s = 2, "
                  + "0.8–3.1 ms at s = 4, in four CoNLL sweeps; so the pairs of ranks on one core, s(s−1)/2, rather than s − 1: "
                  + "with s of 2 and 4 only the form is one number, and 6 at s = 4 fitted those sweeps best of 3, 6, 9, 15 and 27), and the other ranks' CPU time for their bytes (TCP's copies, the sums). `step` and `byte` are fitted "
                  + "per collective on its timings of 1 MiB and more with s > 1, one fit per rate (the cost is the CPUs', but how much "
                  + "of it a link hides is the link's: behind a slow wire the other ranks' copies cost nothing and the wait for a core "
                  + "remains), to the smallest largest relative miss (least squares reweighted by each timing's miss: the form is "
                  + "the sharing's shape, not a law of TCP, and least squares let one size's steady excess push its neighbours out). "
                  + "A real cluster's hosts have their own cores: the projection leaves this term out. "
                  + "A byte can cost more beyond some size (where the CPUs set the rate, a buffer that outgrew the caches; on a "
                  + "shaped link, a message longer than the shaper's burst and the socket buffers pass at once): a network fit then "
                  + "takes a knee K, T = 2(p−1)·α + 2(p−1)/p·(β·min(n, K) + "
                  + "β_K·(n − K)⁺), where its timings show one: each timed size with two sizes at or below it and two above is tried, "
                  + "and the best is taken when β_K > β, its squared error is at most half the single β's and its largest miss is "
                  + "smaller (sweeps that time 16 MiB at most have three sizes of 1 MiB and more: one β).", ""] + unshapedParagraph + [
                  "| collective | level | α µs | β ns/byte | GB/s | β_K beyond the knee K | timings fitted / all |",
                  "| --- | --- | ---: | ---: | ---: | --- | ---: |"]
        let fits = [(CollectiveOperation.allReduce, exchange)] + exchange.operations.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        for (operation, model) in fits {
            for level in levels {
                guard let m = model.levels[level] else { continue }
                md.append("| \(operation.label) | \(levelLabel(level)) | \(fmt(m.alpha * 1e6, 1)) | \(String(format: "%.3g", m.beta * 1e9)) | "
                          + "\(m.beta > 0 ? fmt(1 / m.beta / 1e9, 3) : "∞") | \(m.knee.map { String(format: "%.3g ns/byte from %@ MiB", m.betaBeyond * 1e9, fmt($0 / 1_048_576, 1)) } ?? "—") | "
                          + "\(model.fitted[level]?.count ?? 0) / \(model.check(level).count) |")
            }
        }
        let sharings = fits.flatMap { operation, model in
            model.sharing.sorted { $0.key < $1.key }.map { level, cost in
                (operation, level, cost, model.sharingFitted.filter { $0.link?.level == level }.count)
            }
        }
        if !sharings.isEmpty {
            md += ["", "| collective | level | ranks sharing cores: µs per step and pair | ns per byte and rank | timings fitted |", "| --- | --- | ---: | ---: | ---: |"]
            for (operation, level, c, n) in sharings {
                md.append("| \(operation.label) | \(levelLabel(level)) | \(fmt(c.perStep * 1e6, 1)) | \(String(format: "%.3g", c.perByte * 1e9)) | \(n) |")
            }
        }
        if !exchange.stretch.isEmpty {
            md += ["", "Compute beside a sum in flight (`bench collective`'s `overlap_stretch`): the same single-precision products "
                   + "timed alone and while 4 MiB non-blocking sums run (several at once where one takes under 20 ms; the slowest "
                   + "rank's medians); the overlapped buckets' "
                   + "backward is priced with the level's median stretch (timings with a core per rank).", "",
                   "| level | hosts × ranks | alone ms | beside the sum ms | stretch |", "| --- | --- | ---: | ---: | ---: |"]
            for s in stretches.sorted(by: { ($0.link?.level ?? .sharedMemory, $0.worldSize) < ($1.link?.level ?? .sharedMemory, $1.worldSize) }) {
                let place = s.link.map { "\($0.hosts) × \($0.ranksPerHost)" + ($0.oversubscription > 1 ? " (\(fmt($0.oversubscription, 0))× cores)" : "") }
                    ?? "\(s.worldSize) ranks"
                md.append("| \(s.link.map { levelLabel($0.level) } ?? "as launched") | \(place) | \(fmt(1000 * s.aloneSeconds, 2)) | "
                          + "\(fmt(1000 * s.duringSeconds, 2)) | \(fmt(100 * s.stretch, 1))% |")
            }
        }
        md += runsParagraph
        md += ["", "| collective | level | hosts × ranks | bytes | measured ms | model ms | model ÷ measured | in the fit |",
               "| --- | --- | --- | ---: | ---: | ---: | ---: | --- |"]
        for (operation, model) in fits {
            for level in levels {
                for (s, predicted, inFit) in model.check(level).sorted(by: { ($0.sample.worldSize, $0.sample.bytes) < ($1.sample.worldSize, $1.sample.bytes) }) {
                    let place = s.link.map { "\($0.hosts) × \($0.ranksPerHost)" + ($0.oversubscription > 1 ? " (\(fmt($0.oversubscription, 0))× cores)" : "") }
                        ?? "\(s.worldSize) ranks"
                    md.append("| \(operation.label) | \(levelLabel(level)) | \(place) | \(Int(s.bytes)) | \(fmt(1000 * s.seconds, 3)) | "
                              + "\(fmt(1000 * predicted, 3)) | \(fmt(predicted / s.seconds, 2)) | "
                              + "\(inFit ? (model.sharingFitted.contains(s) ? "sharing" : "yes") : "no") |")
                }
            }
        }
        // sizes ≥ 1 MiB between hosts: within 20% of the measured time, per collective, level and host count
        for (operation, model) in fits {
            var summary: [String] = []
            for level in levels where level != .sharedMemory {
                let big = model.check(level).filter { $0.sample.bytes >= 1_048_576 }
                for hosts in Set(big.compactMap { $0.sample.link?.hosts }).sorted() {
                    let rows = big.filter { $0.sample.link?.hosts == hosts }
                    let worst = rows.map { abs($0.modelSeconds / $0.sample.seconds - 1) }.max() ?? 0
                    summary.append("\(levelLabel(level)) × \(hosts) hosts: \(rows.filter { abs($0.modelSeconds / $0.sample.seconds - 1) <= 0.2 }.count) "
                                   + "of \(rows.count) within 20% (largest miss \(fmt(100 * worst, 0))%)")
                }
            }
            if !summary.isEmpty { md += ["", "\(operation.label.prefix(1).uppercased() + operation.label.dropFirst()), sizes ≥ 1 MiB between hosts: " + summary.joined(separator: "; ") + "."] }
        }
        return md + [""]
    }

    /// Where the sweep timed a link in several runs (`--collective-rounds`): that every measured time
    /// is their median, and how far apart the runs of one timing of 1 MiB and more between hosts were.
    var runsParagraph: [String] {
        let repeated = samples.filter { $0.runs > 1 }
        guard let most = repeated.map(\.runs).max() else { return [] }
        let count = most == (repeated.map(\.runs).min() ?? most) ? "\(most)" : "up to \(most)"
        var text = "Each measured time below is the median over \(count) runs of `bench collective` on its link or world size, "
            + "spread over the sweep (`--collective-rounds`)"
        let between = repeated.filter { $0.bytes >= 1_048_576 && ($0.link?.hosts ?? 1) > 1 }
        if let worst = between.max(by: { $0.spread < $1.spread }), let link = worst.link {
            let calm = between.filter { $0.spread <= 0.2 }.count
            text += "; between hosts, at 1 MiB and more, the slowest run of a timing was within 20% of its fastest for \(calm) of "
                + "\(between.count), and at most \(fmt(100 * worst.spread, 0))% slower (\(worst.operation.label), "
                + "\(Int(worst.bytes)) bytes, \(link.hosts) hosts at \(levelLabel(link.level)))"
        }
        return ["", text + "."]
    }

    /// The network levels a projection may use: emulated rates and the launched cluster, never shared memory.
    var networkLevels: [ScalingLevel] { exchange.levels.keys.filter { $0 != .sharedMemory }.sorted() }

    /// The configurations measured on more than one host: where each strategy's exchanged bytes come from.
    func measured(_ strategy: ExchangeStrategy) -> ScalingPoint? {
        let fixed = points.filter { $0.strategy == strategy && !$0.automatic && $0.worldSize > 1 }
        return fixed.max { $0.placement.hosts < $1.placement.hosts } ?? fixed.first
    }

    /// `training.exchange: auto` against the best fixed strategy on each link where both ran.
    var autoSection: [String] {
        let autos = points.filter(\.automatic)
        guard !autos.isEmpty else { return [] }
        var md = ["### `exchange: auto` against the best fixed strategy", "",
                  "Auto's sentences/s is the median over all its rounds on the link (whatever it chose in each); the best fixed "
                  + "strategy is the fastest of the fixed ones on the same link.", "",
                  "| link | np | auto chose (rounds) | auto sentences/s | best fixed | its sentences/s | auto ÷ best |",
                  "| --- | ---: | --- | ---: | --- | ---: | ---: |"]
        var seen: [ScalingLink] = []
        var identical: [String] = []
        for a in autos where !seen.contains(a.placement) {
            let link = a.placement
            seen.append(link)
            let runsOnLink = autos.filter { $0.placement == link && $0.mode == a.mode }.flatMap(\.runs)
            let fixed = points.filter { !$0.automatic && $0.placement == link && $0.mode == a.mode && $0.worldSize == a.worldSize }
            guard let best = fixed.max(by: { $0.sentencesPerSecond < $1.sentencesPerSecond }) else { continue }
            let choices = Dictionary(grouping: runsOnLink, by: \.strategy).sorted { $0.value.count > $1.value.count }
                .map { "\($0.key.rawValue) (\($0.value.count))" }.joined(separator: ", ")
            let speed = median(runsOnLink.map(\.sentencesPerSecond))
            md.append("| \(link.rateLabel) | \(a.worldSize) | \(choices) | \(fmt(speed, 1)) | \(best.strategy.rawValue) | "
                      + "\(fmt(best.sentencesPerSecond, 1)) | \(fmt(speed / best.sentencesPerSecond, 3)) |")
            // auto ran the best one's very configuration in every round: the ratio is noise between identical runs
            if runsOnLink.allSatisfy({ $0.strategy == best.strategy }) {
                func steps(_ runs: [ScalingRun]) -> String {
                    runs.sorted { $0.round < $1.round }.map { fmt($0.stepMs, 1) }.joined(separator: ", ")
                }
                identical.append("\(link.rateLabel): auto's steps \(steps(runsOnLink)) ms, \(best.strategy.rawValue)'s \(steps(best.runs)) ms")
            }
        }
        if !identical.isEmpty {
            md += ["", "Where auto chose the best fixed strategy in every round it trained that very configuration (on one host it "
                   + "takes the dense sum without measuring), so its ratio there is this machine's difference between identical runs, "
                   + "per round: " + identical.joined(separator: "; ") + "."]
        }
        return md + [""]
    }

    /// The projected step of `strategy` on `hosts` hosts of `ranksPerHost` ranks each at `level`, every
    /// rank with a core of its own (so the np = 1 compute, no contention), its exchange a ring over
    /// all ranks priced with the network's fit (`TwoLevelCostModel`).
    public func projectedStep(_ strategy: ExchangeStrategy, hosts: Int, level: ScalingLevel, ranksPerHost: Int = 1) -> StepPrediction? {
        guard let p = measured(strategy) ?? measured(.dense), let compute = soloCompute(for: p) else { return nil }
        let rate: Double
        switch level {
        case .sharedMemory: return nil
        case .cluster: rate = 0
        case let .network(b): rate = b
        }
        let link = ScalingLink(hosts: hosts, ranksPerHost: ranksPerHost, rateBitsPerSecond: rate)
        let volume = ExchangeVolume(gradientBytes: p.gradientBytes, touchedBytes: p.allReduceBytes, bucketBytes: p.bucketBytes,
                                    bucketReady: p.bucketReady)
        return StepCostModel(compute: compute, exchange: exchange).predict(strategy, volume: volume,
                                                                          link: hosts * ranksPerHost == 1 ? ScalingLink(hosts: 1, ranksPerHost: 1, rateBitsPerSecond: 0) : link)
    }

    /// The strategies the sweep measured on more than one rank (the dense sum always).
    var projectedStrategies: [ExchangeStrategy] {
        ExchangeStrategy.allCases.filter { s in s == .dense || points.contains { $0.strategy == s && !$0.automatic && $0.worldSize > 1 } }
    }

    var projectionSection: [String] {
        guard computeProfile(for: points[0]) != nil else { return [] }
        guard !networkLevels.isEmpty else {
            return ["## No projection beyond one host", "",
                    "The sweep timed no network (every exchange went through shared memory), and shared memory's α and β say "
                    + "nothing about traffic between hosts. Run the kit with `--emulate RATE,...` (emulated links) or across "
                    + "nodes (`--hostfile`, SLURM) to project to a cluster.", ""]
        }
        var md = ["## Projection to 16–1,024 hosts (a model, not a measurement)", "",
                  "Assumptions: R ranks per host (1, or 8 for an 8-core node), each with a core of its own, computing the np = 1 "
                  + "per-rank batch at the np = 1 time (weak scaling; the contention measured between ranks of this machine is "
                  + "left out, as a real node's would be its own); every exchange priced with the fits of that network, "
                  + "for the collective each strategy calls, over a ring of all N·R ranks whose every step waits for a network hop "
                  + "(no stragglers, no contention beyond the fitted links, a host's R ranks not summed first); the touched rows "
                  + "at the bytes measured in the sweep (a lower bound: a global batch of more hosts touches more rows); buckets "
                  + "as in the model above. Efficiency = the one-rank step ÷ the step of N·R ranks.", ""]
        for ranksPerHost in [1, 8] {
            md += ["| network | strategy | ranks per host | " + ScalingReport.projectedWorldSizes.map { "\($0) hosts" }.joined(separator: " | ") + " |",
                   "| --- | --- | ---: | " + ScalingReport.projectedWorldSizes.map { _ in "---:" }.joined(separator: " | ") + " |"]
            for level in networkLevels {
                for s in projectedStrategies {
                    guard let one = projectedStep(s, hosts: 1, level: level) else { continue }
                    let cells = ScalingReport.projectedWorldSizes.map { n -> String in
                        guard let step = projectedStep(s, hosts: n, level: level, ranksPerHost: ranksPerHost) else { return "—" }
                        return "\(fmt(100 * one.step / step.step, 0))% (\(fmt(1000 * step.step, 0)) ms)"
                    }
                    md.append("| \(level.label) | \(s.rawValue) | \(ranksPerHost) | " + cells.joined(separator: " | ") + " |")
                }
            }
            md.append("")
        }
        md += ["![projection](projection.svg)", ""]
        return md
    }

    // MARK: - figure

    /// Projected weak-scaling efficiency per network and strategy; without a network, a figure saying so.
    public var projectionFigure: SVGFigure {
        guard !networkLevels.isEmpty, points.contains(where: { computeProfile(for: $0) != nil }) else {
            return SVGFigure(panels: [SVGChart(title: "No projection: no network was timed (shared memory only)", xLabel: "hosts",
                                               yLabel: "efficiency", series: [], logX: true)])
        }
        let hosts = [1, 2, 4, 8] + ScalingReport.projectedWorldSizes
        let panels = networkLevels.prefix(4).map { level -> SVGChart in
            let series = projectedStrategies.compactMap { s -> SVGChart.Series? in
                guard let one = projectedStep(s, hosts: 1, level: level) else { return nil }
                return .init(name: "\(s.rawValue) (model)", points: hosts.compactMap { n in
                    projectedStep(s, hosts: n, level: level).map { (x: Double(n), y: one.step / $0.step) }
                }, style: .dashed)
            }
            // each measured configuration its own labelled series: its strategy, its hosts, and its rounds' caveats
            let measured = points.filter { $0.worldSize > 1 && !$0.automatic && $0.placement.level == level && $0.placement.ranksPerHost == 1 }
                .compactMap { p -> SVGChart.Series? in
                    guard let one = soloCompute(for: p) else { return nil }
                    let marks = caveats(of: p)
                    let caveat = marks.isEmpty ? "" : ", " + marks.joined(separator: ", ")
                    return .init(name: "\(p.strategy.rawValue), \(p.placement.hosts) emulated hosts (measured\(caveat))",
                                 points: [(x: Double(p.placement.hosts), y: (one.forward + one.backward + one.update) / (p.stepMs / 1000))],
                                 style: .markers)
                }
            return SVGChart(title: "Projected efficiency at \(level.label)", xLabel: "hosts (log scale)", yLabel: "efficiency",
                            series: series + measured, logX: true, integerX: true)
        }
        return SVGFigure(panels: Array(panels),
                         note: "PROJECTION, not measured: ring all-reduce 2(p-1)·α + 2(p-1)/p·n·β with each network's fitted α, β; "
                         + "one rank per host; np = 1 compute.")
    }
}
