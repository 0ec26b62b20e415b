import Foundation

/// Two OpenMPI defaults mtl-dist changes before `MPI_Init`, each only where nothing of the user's
/// (an `OMPI_MCA_…` variable, a line of an MCA parameter file) chose otherwise, and neither when
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

    /// The `OMPI_MCA_btl_tcp_flags` to set, or nil when `environment` or `parameterFiles` set the
    /// TCP transport's flags.
    public static func tcpFlags(environment: [String: String], parameterFiles: [String]) -> String? {
        guard environment["OMPI_MCA_btl_tcp_flags"] == nil, environment["OMPI_MCA_mca_base_param_files"] == nil else { return nil }
        for file in parameterFiles {
            for line in file.split(whereSeparator: \.isNewline)
            where line.split(separator: "=", maxSplits: 1).first?.trimmingCharacters(in: .whitespaces) == "btl_tcp_flags" {
                return nil
            }
        }
        return tcpFlags
    }

    /// Sets `OMPI_MCA_pml` and `OMPI_MCA_btl_tcp_flags` in this process as `pml` and `tcpFlags`
    /// say for this host; call before `MPI_Init`. A parameter file that cannot be read, or is over
    /// 1 MiB, counts as a choice of both.
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
    }
}
