import Dispatch
import Glibc
import Foundation

/// SIGTERM and SIGUSR1 (a cluster's preemption or time-limit warning) turned into a request the
/// training loop polls at each step boundary: the ranks agree, save a checkpoint and exit with
/// `StopSignals.exitStatus`. The signals are handled on a dispatch queue, not in a signal handler,
/// so nothing unsafe runs asynchronously; a second signal after the first changes nothing.
final class StopSignals {
    /// The exit status of a run stopped by a signal after saving (EX_TEMPFAIL: "try again").
    static let exitStatus: Int32 = 75
    static let handled = [SIGTERM, SIGUSR1]

    private let lock = NSLock()
    private var received: Int32? = nil
    private var sources: [DispatchSourceSignal] = []

    /// Starts catching the signals (their default action, ending the process, is switched off).
    init() {
        for number in Self.handled {
            Glibc.signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [weak self] in self?.record(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// The first signal received, if any.
    var signal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    private func record(_ number: Int32) {
        lock.lock()
        if received == nil { received = number }
        lock.unlock()
    }

    /// `SIGTERM` / `SIGUSR1`.
    static func name(_ number: Int32) -> String { number == SIGTERM ? "SIGTERM" : number == SIGUSR1 ? "SIGUSR1" : "signal \(number)" }
}
