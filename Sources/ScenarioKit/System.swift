#if canImport(Glibc)
import Glibc
#endif

/// The child's syscalls that need care, in one place (the parent's twin is BenchSystem's
/// `System.swift`): whole writes that survive EINTR, and the monotonic clock.
enum System {
    /// Writes every byte of `bytes` to `fd`, across as many `write(2)` calls as it takes.
    /// Returns false when the descriptor failed (e.g. the parent went away): the caller has
    /// nothing useful to do about that but stop writing.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += written
        }
        return true
    }
}

/// Monotonic time in nanoseconds, shared by producers (stamping) and consumers (latency).
public enum MonotonicClock {
    public static func nanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
