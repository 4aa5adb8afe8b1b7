import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Writes whole JSON lines to the parent (fd 3 under the harness, stdout when run by hand).
///
/// A line is written with as many `write(2)` calls as it takes, under a lock, so the sampler
/// thread and the main thread never interleave inside a line.
final class ResultChannel: Sendable {
    let fd: Int32
    /// Whether the harness is listening (then samples are streamed too).
    let toHarness: Bool
    private let lock = Mutex(())

    init(environment: [String: String]) {
        if let text = environment[ResultProtocol.environmentVariable], let fd = Int32(text), fcntl(fd, F_GETFD) != -1 {
            self.fd = fd
            toHarness = true
        } else {
            fd = STDOUT_FILENO
            toHarness = false
        }
    }

    func send(line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        lock.withLock { _ in
            // A failure means the parent went away; nothing useful to do.
            bytes.withUnsafeBytes { System.writeAll(fd, $0) }
        }
    }
}
