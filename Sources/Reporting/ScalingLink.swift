import Foundation

/// Where the ranks of a run or of a collective timing sat and what joined them: `hosts` hosts of
/// `ranksPerHost` ranks, the hosts' links held to `rateBitsPerSecond` (0: one host, shared memory),
/// and how much the ranks shared this machine's cores. `launch/scaling.sh --emulate` records it as the
/// `"link"` object of each line (`launch/emulated-cluster.sh`'s record, or a shared-memory run's):
/// `{"hosts": H, "ranks_per_host": R, "rate_bits_per_s": b, "oversubscription": f, ...}`.
public struct ScalingLink: Hashable, Sendable {
    public var hosts: Int
    public var ranksPerHost: Int
    /// The rate every host's link was held to, bits/s; 0 on one host (shared memory).
    public var rateBitsPerSecond: Double
    /// Ranks × BLAS threads over the machine's cores, at least 1: how many ranks share a core.
    public var oversubscription: Double

    public init(hosts: Int, ranksPerHost: Int, rateBitsPerSecond: Double, oversubscription: Double = 1) {
        self.hosts = hosts
        self.ranksPerHost = ranksPerHost
        self.rateBitsPerSecond = rateBitsPerSecond
        self.oversubscription = max(1, oversubscription)
    }

    /// Ranks in all: hosts × ranks per host.
    public var worldSize: Int { hosts * ranksPerHost }

    /// True on one host, where every exchange goes through shared memory.
    public var isSharedMemory: Bool { hosts == 1 }

    /// The link's level of the cost model: shared memory, the network at this rate, or (rate 0
    /// across hosts: a sweep launched on real hosts) the cluster.
    public var level: ScalingLevel {
        isSharedMemory ? .sharedMemory : rateBitsPerSecond > 0 ? .network(bitsPerSecond: rateBitsPerSecond) : .cluster
    }

    /// "shm", "100 Mbit/s", "1 Gbit/s", "10 Gbit/s".
    public var rateLabel: String { level.label }

    /// Reads a `"link"` object; `path` and `line` name it in errors.
    init(_ object: [String: Any], path: String, line: Int) throws {
        func bad(_ what: String) -> ReportError {
            .badLine(path: path, line: line, expected: "\"link\" with \(what)", found: String(describing: object).prefix(80).description)
        }
        guard let h = (object["hosts"] as? NSNumber)?.intValue, (1...4096).contains(h) else { throw bad("\"hosts\": 1 to 4096") }
        guard let r = (object["ranks_per_host"] as? NSNumber)?.intValue, (1...4096).contains(r) else {
            throw bad("\"ranks_per_host\": 1 to 4096")
        }
        guard let rate = (object["rate_bits_per_s"] as? NSNumber)?.doubleValue, rate.isFinite, rate >= 0, rate <= 1e13,
              (rate > 0) == (h > 1) else {
            throw bad("\"rate_bits_per_s\": 0 on one host, up to 1e13 (10 Tbit/s) between hosts")
        }
        let f = (object["oversubscription"] as? NSNumber)?.doubleValue ?? 1
        guard f.isFinite, f >= 1, f <= 4096 else { throw bad("\"oversubscription\": 1 to 4096") }
        self.init(hosts: h, ranksPerHost: r, rateBitsPerSecond: rate, oversubscription: f)
    }
}

/// A level of the two-level cost model: exchanges within a host (shared memory) or between hosts
/// over a network of one rate.
public enum ScalingLevel: Hashable, Sendable, Comparable {
    case sharedMemory
    case network(bitsPerSecond: Double)
    /// Between the hosts a sweep was launched on (`--hostfile`, SLURM): a real network, rate unknown.
    case cluster

    /// "shm", "cluster", or the rate in Mbit/s or Gbit/s.
    public var label: String {
        switch self {
        case .sharedMemory: return "shm"
        case .cluster: return "cluster"
        case let .network(b):
            if b >= 1e9 { return "\(fmt(b / 1e9, b.truncatingRemainder(dividingBy: 1e9) == 0 ? 0 : 1)) Gbit/s" }
            return "\(fmt(b / 1e6, b.truncatingRemainder(dividingBy: 1e6) == 0 ? 0 : 1)) Mbit/s"
        }
    }

    /// Shared memory first, then networks by rate, then the launched cluster.
    public static func < (a: ScalingLevel, b: ScalingLevel) -> Bool {
        switch (a, b) {
        case (.sharedMemory, .network), (.sharedMemory, .cluster), (.network, .cluster): return true
        case let (.network(x), .network(y)): return x < y
        default: return false
        }
    }
}
