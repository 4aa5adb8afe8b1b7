import BenchSystem
import Foundation
import Synchronization

/// Copies the child's stdout+stderr into its log file, up to a limit, so a child that floods its
/// output costs neither the parent's memory nor the disk. What is cut is counted and said at the
/// end of the log.
final class OutputCollector: Sendable {
    private let pipe: PipeDrain
    private let logPath: String
    private let limitBytes: Int
    private let totals = Mutex((written: 0, dropped: 0))

    init(fd: Int32, logPath: String, limitBytes: Int) {
        pipe = PipeDrain(fd: fd)
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
                let count = chunk.withUnsafeMutableBytes { pipe.read(into: $0) }
                if count <= 0 { break }
                let keep = max(0, min(count, limitBytes - written))
                if keep > 0, log >= 0 {
                    _ = chunk.withUnsafeBytes {
                        try? System.writeAll(log, UnsafeRawBufferPointer(rebasing: $0[0..<keep]))
                    }
                }
                written += keep
                dropped += count - keep
            }
            if dropped > 0, log >= 0 {
                let note = "\n[bpbench: output cut at \(limitBytes) bytes; \(dropped) more bytes dropped]\n"
                try? System.writeAll(log, Data(note.utf8))
            }
            if pipe.wasAbandoned, log >= 0 {
                try? System.writeAll(
                    log,
                    Data(
                        "\n[bpbench: the output pipe was still open after the child's processes ended; stopped reading]\n"
                            .utf8))
            }
            if log >= 0 { close(log) }
            totals.withLock { $0 = (written, dropped) }
            pipe.finished()
        }
        thread.name = "bpbench-output"
        thread.start()
    }

    /// Waits for end of output (``PipeDrain/finish(grace:)``: a process that escaped the
    /// child's tree and holds the pipe is killed, not waited for); returns bytes kept and
    /// dropped, and the processes killed for holding the pipe open.
    func finish() -> (written: Int, dropped: Int, killed: [pid_t]) {
        let killed = pipe.finish()
        let counts = totals.withLock { $0 }
        return (counts.written, counts.dropped, killed)
    }
}
