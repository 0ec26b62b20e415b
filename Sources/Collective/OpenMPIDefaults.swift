import Foundation

/// OpenMPI defaults mtl-dist changes before `MPI_Init`, each only where nothing of the user's
/// (an `OMPI_MCA_…` variable, a line of an MCA parameter file) chose otherwise, and none when
/// `MTL_DIST_OPENMPI_DEFAULTS` is `off`:
///
/// - **No search for fabric libraries where there is no fabric.** At `MPI_Init` the `cm` messaging
///   layer tries the libraries of high-speed fabrics (PSM for TrueScale, PSM2 for Omni-Path, OFI for
///   EFA, Slingshot or verbs devices) before OpenMPI settles on `ob1` (shared memory and TCP): 0.2 of
///   the 0.25 s `MPI_Init` took here on a host with none of their devices (BENCHMARKS.md), paid by
///   every `mpirun` start. When this host has no such device and nothing asks for `cm`,
///   `OMPI_MCA_pml` excludes it (with whatever an MCA parameter file excluded, such as Debian's
///   `pml = ^ucx`): OpenMPI then ends where it would have ended anyway, sooner. A host with a fabric
///   device, a layer or transport chosen by name (`pml = cm`, `mtl = psm2`) or any of their settings
///   (`pml_…`, `mtl_…`) is left as it is.
/// - **Large messages over TCP pushed by the sender.** With the TCP transport's `put` flag, `ob1`
///   moves a large message by the receiver's requests, which travel on the one connection between
///   two ranks behind the receiver's own data: when both send at once, as in every all-reduce, one
///   direction waits for the other's bulk to drain. On emulated links the same all-reduce took its
///   line-rate time or 1.5–2× it from one call to the next (49 MB at 1 Gbit/s: 410 ms or 590–800 ms;
///   BENCHMARKS.md). `OMPI_MCA_btl_tcp_flags` = `send,inplace,need-ack,need-csum` (the default less
///   `put` and the RDMA flag that goes with it) makes the sender push the fragments: 413–455 ms in
///   every call. Only TCP is affected; shared memory and fabrics are not.
/// - **The non-blocking all-reduce as a ring.** OpenMPI 4.1's `libnbc` runs an in-place
///   `MPI_Iallreduce` (the overlapped sum's buckets) on fewer than 4 ranks as a binomial tree: the
///   whole buffer goes to rank 0 and comes back, twice the ring's time on every link (16 MiB over
///   1 Gbit/s between 2 hosts: 281 ms against 149 ms; over shared memory 8.0 against 3.6 ms).
///   `OMPI_MCA_coll_libnbc_iallreduce_algorithm` = 1 (the ring) unless the user set it.
/// - **Large all-reduces across hosts as a ring.** On 3 or more ranks `coll/tuned` takes
///   Rabenseifner's algorithm (recursive halving, then doubling) for large sums: each of its steps
///   sends half of what is left to a new partner in one burst, on a connection idle until then, and
///   over TCP those bursts took 1.1–1.4× the ring's time and varied from call to call (16 MiB over
///   8 emulated hosts at 1 Gbit/s: 310–393 ms against 262–279 ms; BENCHMARKS.md). When the ranks
///   span several hosts (`OMPI_COMM_WORLD_LOCAL_SIZE` below `OMPI_COMM_WORLD_SIZE`) and the user
///   set nothing of `coll_tuned`, a rules file (`allReduceRules`) makes the sums of 1 MiB and more
///   on 3 or more ranks rings, as long as each rank's block stays 64 KiB or more; everything else
///   stays with OpenMPI's own choice. The sharded update's all-gather gets the ring likewise from
///   64 KiB per rank. The file is written before `MPI_Init`, read by it, and removed after it
///   (`removeRulesFile`). The ring is also what the scaling kit's cost model prices.
public enum OpenMPIDefaults {
    /// The TCP transport's flags set: OpenMPI 4.1's default, `send,put,inplace,need-ack,need-csum,hetero-rdma`, less `put` and `hetero-rdma`.
    public static let tcpFlags = "send,inplace,need-ack,need-csum"

    /// The entries of `/dev` that belong to a fabric's driver: Omni-Path (`hfi1_0`), TrueScale
    /// (`ipath`, `qib`), Slingshot (`cxi0`), and the verbs devices (`infiniband/`).
    static let devicePrefixes = ["hfi1", "ipath", "qib", "cxi", "infiniband"]

    /// The `OMPI_MCA_pml` to set, or nil to leave OpenMPI's choice alone: nil when `devices` (the names in
    /// `/dev`) or `verbsDevices` (the names in `/sys/class/infiniband`: EFA, RoCE and InfiniBand
    /// adapters) hold a fabric's device, or `environment` or `parameterFiles` (their contents, in
    /// increasing precedence) choose a layer, a transport or their settings; else `^cm` after the
    /// files' own exclusions.
    public static func pml(environment: [String: String], devices: [String], verbsDevices: [String],
                           parameterFiles: [String]) -> String? {
        guard verbsDevices.isEmpty, !devices.contains(where: { d in devicePrefixes.contains { d.hasPrefix($0) } }) else { return nil }
        let chosen = ["OMPI_MCA_pml", "OMPI_MCA_mtl", "OMPI_MCA_mca_base_param_files"]
        guard !environment.keys.contains(where: { key in chosen.contains { key.hasPrefix($0) } }) else { return nil }
        var values: [String: String] = [:]
        for file in parameterFiles {
            for line in file.split(whereSeparator: \.isNewline) {
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard let key = parts.first, key.hasPrefix("pml") || key.hasPrefix("mtl") else { continue }
                guard key == "pml" || key == "mtl", parts.count == 2 else { return nil }
                values[key] = parts[1]
            }
        }
        // a list that does not start with ^ selects by name
        guard values.values.allSatisfy({ $0.hasPrefix("^") }) else { return nil }
        let excluded = values["pml"].map { $0.dropFirst().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        return "^" + (excluded.filter { !$0.isEmpty && $0 != "cm" } + ["cm"]).joined(separator: ",")
    }

    /// True when `environment` or `parameterFiles` set the MCA parameter `name` (or, with `prefix`,
    /// any parameter whose name starts with it), or name parameter files of their own.
    static func userSet(_ name: String, prefix: Bool = false, environment: [String: String], parameterFiles: [String]) -> Bool {
        let matches = { (key: Substring) in prefix ? key.hasPrefix(name) : key == name }
        if environment["OMPI_MCA_mca_base_param_files"] != nil
            || environment.keys.contains(where: { $0.hasPrefix("OMPI_MCA_") && matches($0.dropFirst(9)) }) { return true }
        return parameterFiles.contains { file in
            file.split(whereSeparator: \.isNewline).contains { line in
                guard let key = line.split(separator: "=", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces) else { return false }
                return !key.hasPrefix("#") && matches(Substring(key))
            }
        }
    }

    /// The `OMPI_MCA_btl_tcp_flags` to set, or nil when `environment` or `parameterFiles` set the
    /// TCP transport's flags.
    public static func tcpFlags(environment: [String: String], parameterFiles: [String]) -> String? {
        userSet("btl_tcp_flags", environment: environment, parameterFiles: parameterFiles) ? nil : tcpFlags
    }

    /// The `OMPI_MCA_coll_libnbc_iallreduce_algorithm` to set (`1`, the ring), or nil when the user set it.
    public static func nonBlockingAllReduceAlgorithm(environment: [String: String], parameterFiles: [String]) -> String? {
        userSet("coll_libnbc_iallreduce_algorithm", environment: environment, parameterFiles: parameterFiles) ? nil : "1"
    }

    /// The smallest all-reduce (bytes) made a ring across hosts, and the smallest block each rank's
    /// share of it must keep (the ring's 2(p−1) steps each cost a latency: below about 64 KiB a
    /// block at 10 Gbit/s takes only a few of them, and Rabenseifner's 2·log2(p) steps win).
    public static let ringFromBytes = 1 << 20, ringBlockBytes = 1 << 16
    /// The largest communicator the rules name a threshold for (larger ones take its rule).
    static let largestRuledCommunicator = 1 << 16

    /// The text of a `coll/tuned` dynamic rules file (OpenMPI 4.1's format: collectives, then per
    /// communicator size its message sizes, each with algorithm, fan-in/out and segment size) in
    /// which the all-reduce (collective 2) runs OpenMPI's fixed choice (algorithm 0) below the
    /// threshold and the ring (algorithm 4) from it: on 1–2 ranks never, from 3 ranks at
    /// `ringFromBytes`, and from 32 ranks at 64 KiB per rank, doubling with the ranks.
    ///
    /// The all-gather of the sharded update (`MPI_Allgatherv`, collective 1, whose rules OpenMPI
    /// looks up by the bytes per rank) gets the same: its fixed choice on 3 to 15 ranks is Bruck's
    /// algorithm or the neighbour exchange, whose steps are bursts to new partners too (16 MiB
    /// reduce-scatter + all-gather over 4 emulated hosts at 1 Gbit/s: 283 ms, 1.3× the all-reduce's
    /// 231 ms); from 3 ranks and `ringBlockBytes` per rank it is the ring (algorithm 3). The
    /// reduce-scatter's fixed choice at these sizes is already the ring.
    public static func allReduceRules() -> String {
        var sizes: [(ranks: Int, ringFrom: Int?)] = [(1, nil), (3, ringFromBytes)]
        var ranks = 32
        while ranks <= largestRuledCommunicator {
            sizes.append((ranks, ranks * ringBlockBytes))
            ranks *= 2
        }
        var lines = ["# written by mtl-dist before MPI_Init (OpenMPIDefaults): large sums and gathers across hosts as rings",
                     "2 # collectives", "1 # all-gather-v (bytes per rank)", "2 # communicator sizes",
                     "1 # ranks", "1 # message sizes", "0 0 0 0 # OpenMPI's fixed choice",
                     "3 # ranks", "2 # message sizes", "0 0 0 0 # OpenMPI's fixed choice", "\(ringBlockBytes) 3 0 0 # the ring",
                     "2 # all-reduce (bytes in all)", "\(sizes.count) # communicator sizes"]
        for size in sizes {
            lines.append("\(size.ranks) # ranks")
            if let from = size.ringFrom {
                lines += ["2 # message sizes", "0 0 0 0 # OpenMPI's fixed choice", "\(from) 4 0 0 # the ring"]
            } else {
                lines += ["1 # message sizes", "0 0 0 0 # OpenMPI's fixed choice"]
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// True when `allReduceRules` should be used: the ranks span several hosts (by the sizes
    /// `mpirun` gives each rank; false when either is missing or malformed) and the user set nothing
    /// of `coll_tuned`.
    public static func wantsAllReduceRules(environment: [String: String], parameterFiles: [String]) -> Bool {
        guard let world = environment["OMPI_COMM_WORLD_SIZE"].flatMap({ Int($0) }),
              let local = environment["OMPI_COMM_WORLD_LOCAL_SIZE"].flatMap({ Int($0) }),
              local >= 1, world > local, world <= 1 << 24 else { return false }
        return !userSet("coll_tuned_", prefix: true, environment: environment, parameterFiles: parameterFiles)
    }

    /// The rules file this process wrote before `MPI_Init`, to remove once `MPI_Init` has read it.
    nonisolated(unsafe) static var rulesFile: String?

    /// Sets `OMPI_MCA_pml`, `OMPI_MCA_btl_tcp_flags`, `OMPI_MCA_coll_libnbc_iallreduce_algorithm`
    /// and the all-reduce's rules file in this process as `pml`, `tcpFlags`,
    /// `nonBlockingAllReduceAlgorithm` and `wantsAllReduceRules` say for this host; call before
    /// `MPI_Init`, and `removeRulesFile` after it. A parameter file that cannot be read, or is over
    /// 1 MiB, counts as a choice of all of them. A rules file that cannot be written is left out.
    public static func applyBeforeInit(environment: [String: String]) {
        guard environment["MTL_DIST_OPENMPI_DEFAULTS"] != "off" else { return }
        // increasing precedence: the installation's, then the user's
        let files = ["/etc/openmpi/openmpi-mca-params.conf",
                     environment["OPAL_PREFIX"].map { $0 + "/etc/openmpi-mca-params.conf" },
                     environment["HOME"].map { $0 + "/.openmpi/mca-params.conf" }].compactMap { $0 }
        var contents: [String] = []
        for path in files where FileManager.default.fileExists(atPath: path) {
            guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size <= 1 << 20,
                  let data = FileManager.default.contents(atPath: path) else { return }
            contents.append(String(decoding: data, as: UTF8.self))
        }
        let names = { (path: String) in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }
        if let value = pml(environment: environment, devices: names("/dev"), verbsDevices: names("/sys/class/infiniband"),
                           parameterFiles: contents) {
            setenv("OMPI_MCA_pml", value, 0)
        }
        if let value = tcpFlags(environment: environment, parameterFiles: contents) {
            setenv("OMPI_MCA_btl_tcp_flags", value, 0)
        }
        if let value = nonBlockingAllReduceAlgorithm(environment: environment, parameterFiles: contents) {
            setenv("OMPI_MCA_coll_libnbc_iallreduce_algorithm", value, 0)
        }
        if wantsAllReduceRules(environment: environment, parameterFiles: contents) {
            let folder = environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
            if let path = writeNewFile(in: folder, prefix: "mtl-dist-allreduce-rules-", text: allReduceRules()) {
                rulesFile = path
                setenv("OMPI_MCA_coll_tuned_use_dynamic_rules", "1", 1)
                setenv("OMPI_MCA_coll_tuned_dynamic_rules_filename", path, 1)
            }
        }
    }

    /// Writes `text` to a new file of a unique name in `folder` (`mkstemp`: never an existing file
    /// or a link planted there), readable by its owner; its path, or nil when it could not be written whole.
    static func writeNewFile(in folder: String, prefix: String, text: String) -> String? {
        var template = Array((folder + "/" + prefix + "XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { $0.baseAddress.map { mkstemp($0) } ?? -1 }
        guard fd >= 0 else { return nil }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else {
            unlink(path)
            return nil
        }
        return path
    }

    /// The error when `ranksWithRules` (the sum over the ranks of 1 for each that wrote the rules
    /// file) is neither none nor all of `worldSize`: those ranks would run a large sum as the ring
    /// while the others run OpenMPI's choice, and the sum would hang or mix. Nil when they agree.
    public static func rulesDisagreement(ranksWithRules: Double, worldSize: Int) -> CollectiveError? {
        ranksWithRules == 0 || ranksWithRules == Double(worldSize)
            ? nil : .collectiveRulesDiffer(ranksWithRules: Int(max(0, min(ranksWithRules, Double(worldSize)))), worldSize: worldSize)
    }

    /// Removes the rules file `applyBeforeInit` wrote; call once `MPI_Init` has returned (or failed).
    public static func removeRulesFile() {
        guard let path = rulesFile else { return }
        try? FileManager.default.removeItem(atPath: path)
        rulesFile = nil
    }
}
