#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Which of the standard descriptors (0, 1, 2) were closed when the program started.
///
/// A program started with `>&-` has no descriptor 1; the first file it opens then gets number 1,
/// and "standard output" would be written into that file. `claim()` runs first thing in `main`: it
/// records the closed ones and fills each with `/dev/null` so no file can take its number, and
/// `TextWriter` / `StandardInput` report a recorded one as `OutputError.closed` instead of using it.
public enum StandardStreams {
    nonisolated(unsafe) private static var closedDescriptors: Set<Int32> = []

    /// Records and fills the closed standard descriptors. Call once, before opening any file.
    public static func claim() {
        for fd in [STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO] where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            closedDescriptors.insert(fd)
            let filler = open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY)
            if filler >= 0 && filler != fd { dup2(filler, fd); close(filler) }
        }
    }

    /// Whether `fd` was one of the standard descriptors and closed when `claim()` ran.
    public static func wasClosed(_ fd: Int32) -> Bool { closedDescriptors.contains(fd) }
}
