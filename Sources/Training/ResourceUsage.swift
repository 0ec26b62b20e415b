import Foundation

/// What this process has used of the machine, from the kernel.
public enum ResourceUsage {
    /// The peak resident set size of this process so far, in bytes (`getrusage`'s `ru_maxrss`, which
    /// Linux reports in KiB); 0 where the call fails.
    public static var peakResidentBytes: Int {
        var usage = rusage()
        #if os(Linux)
        guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss) * 1024
        #else
        guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
        return Int(usage.ru_maxrss)
        #endif
    }
}
