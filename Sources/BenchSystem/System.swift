import Foundation

/// The parent's syscalls that need care, in one place (swift-nio's `System.swift` is the model):
/// each retries on EINTR and turns a failure into a thrown `SystemError` or a plain result, so
/// no caller writes its own retry loop.
package enum System {
    /// A failed syscall: its name and errno.
    package struct SystemError: Error, CustomStringConvertible {
        package let call: String
        package let errno: Int32
        package var description: String { "\(call): \(String(cString: strerror(errno)))" }
    }

    /// `read(2)` into `buffer`, retried on EINTR: the byte count, 0 at end of file, -1 on error.
    package static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let count = Foundation.read(fd, buffer.baseAddress, buffer.count)
            if count < 0, errno == EINTR { continue }
            return count
        }
    }

    /// Writes every byte of `bytes`, across as many `write(2)` calls as it takes.
    package static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw SystemError(call: "write", errno: errno)
            }
            offset += written
        }
    }

    package static func writeAll(_ fd: Int32, _ data: Data) throws(SystemError) {
        let result: Result<Void, SystemError> = data.withUnsafeBytes { bytes in
            do throws(SystemError) {
                try writeAll(fd, bytes)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    package static func fsync(_ fd: Int32) throws(SystemError) {
        while Foundation.fsync(fd) != 0 {
            if errno == EINTR { continue }
            throw SystemError(call: "fsync", errno: errno)
        }
    }

    /// `waitpid(2)`, retried on EINTR; the raw status, or nil when there is no such child.
    @discardableResult
    package static func waitpid(_ pid: pid_t, options: Int32 = 0) -> Int32? {
        var status: Int32 = 0
        while true {
            let result = Foundation.waitpid(pid, &status, options)
            if result < 0, errno == EINTR { continue }
            return result < 0 ? nil : status
        }
    }

    /// `poll(2)` for input on one descriptor, retried on EINTR: true when it is readable (or at
    /// its end, or broken), false when `milliseconds` passed first.
    package static func waitReadable(_ fd: Int32, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        while true {
            let result = poll(&entry, 1, milliseconds)
            if result < 0, errno == EINTR { continue }
            return result != 0
        }
    }

    /// The inode of the pipe (or any file) behind `fd`, nil if fstat fails.
    package static func inode(_ fd: Int32) -> UInt64? {
        var info = stat()
        return fstat(fd, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    /// Other processes with the pipe `inode` open (a scan of /proc/*/fd: for the rare end of a
    /// run whose output never closed, not for a hot path).
    package static func processesHoldingPipe(_ inode: UInt64) -> [pid_t] {
        let me = getpid()
        let target = "pipe:[\(inode)]"
        let pids = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { pid_t($0) }
            .filter { $0 != me }
        return pids.filter { pid in
            let directory = "/proc/\(pid)/fd"
            return ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).contains { entry in
                (try? FileManager.default.destinationOfSymbolicLink(atPath: directory + "/" + entry)) == target
            }
        }
    }

    /// CPU time (user + system) this process has used so far, seconds.
    package static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(
            usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Monotonic nanoseconds (CLOCK_MONOTONIC): every duration the parent measures.
    package static func monotonicNanoseconds() -> UInt64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
    }
}
