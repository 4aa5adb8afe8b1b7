import Foundation
import Synchronization

/// Copies the child's stdout+stderr into its log file, up to a limit, so a child that floods its
/// output costs neither the parent's memory nor the disk. What is cut is counted and said at the
/// end of the log.
final class OutputCollector: Sendable {
    private let fd: Int32
    private let logPath: String
    private let limitBytes: Int
    private let done = DispatchSemaphore(value: 0)
    private let totals = Mutex((written: 0, dropped: 0))

    init(fd: Int32, logPath: String, limitBytes: Int) {
        self.fd = fd
        self.logPath = logPath
        self.limitBytes = limitBytes
    }

    func start() {
        let thread = Thread { [self] in
            let log = open(logPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            var written = 0
            var dropped = 0
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = chunk.withUnsafeMutableBytes { System.read(fd, into: $0) }
                if count <= 0 { break }
                let keep = max(0, min(count, limitBytes - written))
                if keep > 0, log >= 0 {
                    _ = chunk.withUnsafeBytes { try? System.writeAll(log, UnsafeRawBufferPointer(rebasing: $0[0..<keep])) }
                }
                written += keep
                dropped += count - keep
            }
            if dropped > 0, log >= 0 {
                let note = "\n[bpbench: output cut at \(limitBytes) bytes; \(dropped) more bytes dropped]\n"
                try? System.writeAll(log, Data(note.utf8))
            }
            if log >= 0 { close(log) }
            close(fd)
            totals.withLock { $0 = (written, dropped) }
            done.signal()
        }
        thread.name = "bpbench-output"
        thread.start()
    }

    /// Waits for end of output; returns bytes kept and bytes dropped.
    func finish() -> (written: Int, dropped: Int) {
        done.wait()
        return totals.withLock { $0 }
    }
}
