import Foundation

/// Spares OpenMPI a search that cannot succeed. At `MPI_Init` its `cm` messaging layer tries the
/// libraries of high-speed fabrics (PSM for TrueScale, PSM2 for Omni-Path, OFI for EFA, Slingshot
/// or verbs devices) before OpenMPI settles on `ob1` (shared memory and TCP): 0.2 of the 0.25 s
/// `MPI_Init` took here on a host with none of their devices (BENCHMARKS.md), paid by every
/// `mpirun` start. When this host has no such device and nothing asks for `cm`, `OMPI_MCA_pml`
/// excludes it before `MPI_Init` (with whatever an MCA parameter file excluded, such as Debian's
/// `pml = ^ucx`): OpenMPI then ends where it would have ended anyway, sooner. A host with a fabric
/// device, an `OMPI_MCA_pml` of the user's, a layer or transport chosen by name (`pml = cm`,
/// `mtl = psm2`) or any of their settings (`pml_…`, `mtl_…`) is left to OpenMPI as it is.
public enum FabricProbe {
    /// The entries of `/dev` that belong to a fabric's driver: Omni-Path (`hfi1_0`), TrueScale
    /// (`ipath`, `qib`), Slingshot (`cxi0`), and the verbs devices (`infiniband/`).
    static let devicePrefixes = ["hfi1", "ipath", "qib", "cxi", "infiniband"]

    /// The `OMPI_MCA_pml` to set, or nil to leave OpenMPI alone: nil when `devices` (the names in
    /// `/dev`) or `verbsDevices` (the names in `/sys/class/infiniband`: EFA, RoCE and InfiniBand
    /// adapters) hold a fabric's device, or `environment` or `parameterFiles` (their contents, in
    /// increasing precedence) choose a layer, a transport or their settings; else `^cm` after the
    /// files' own exclusions.
    public static func setting(environment: [String: String], devices: [String], verbsDevices: [String],
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

    /// Sets `OMPI_MCA_pml` in this process to `setting` for this host, if any; call before
    /// `MPI_Init`. A parameter file that cannot be read, or is over 1 MiB, counts as a choice.
    public static func applyBeforeInit(environment: [String: String]) {
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
        guard let value = setting(environment: environment, devices: names("/dev"), verbsDevices: names("/sys/class/infiniband"),
                                  parameterFiles: contents) else { return }
        setenv("OMPI_MCA_pml", value, 0)
    }
}
