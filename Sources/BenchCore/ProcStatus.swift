import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The memory lines of `/proc/PID/status` the parent samples.
public struct ProcStatus: Sendable, Equatable {
    /// Resident set size now.
    public var rssBytes: Int
    /// The kernel's resident high-water mark for the current address space.
    public var hwmBytes: Int
    /// Threads in the process now (0 when the line is absent).
    public var threads: Int = 0

    public init(rssBytes: Int, hwmBytes: Int, threads: Int = 0) {
        self.rssBytes = rssBytes
        self.hwmBytes = hwmBytes
        self.threads = threads
    }

    /// Parses the text of `/proc/PID/status`; nil when the memory lines are absent (a zombie,
    /// or a kernel thread).
    public static func parse(_ text: Substring) -> ProcStatus? {
        var rss: Int?
        var hwm: Int?
        var threads: Int?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") {
                rss = kilobytes(line)
            } else if line.hasPrefix("VmHWM:") {
                hwm = kilobytes(line)
            } else if line.hasPrefix("Threads:") {
                threads = Int(line.dropFirst("Threads:".count).trimmingCharacters(in: .whitespaces))
            }
            if rss != nil, hwm != nil, threads != nil { break }
        }
        guard let rss, let hwm else { return nil }
        return ProcStatus(rssBytes: rss, hwmBytes: hwm, threads: threads ?? 0)
    }

    /// `VmRSS:	   12345 kB` → 12345 × 1024.
    static func kilobytes(_ line: Substring) -> Int? {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 3, fields[2] == "kB", let value = Int(fields[1]) else { return nil }
        return value * 1024
    }
}

/// Reads a child's memory from `/proc` on the parent's hot path: `/proc/PID/statm` for RSS at
/// every sample (one `pread` on a descriptor kept open, parsed in place — no open, no allocation),
/// and the longer `/proc/PID/status` (high-water mark, threads) only when asked, every walk.
///
/// Measured here before this design (open + read + Foundation parsing of `status` at every
/// sample): ~0.2 ms of parent CPU per sample, ~15 % of a core at 1 ms; see `harness_cpu_s` in
/// results.csv for what a run costs now.
public final class ProcStatusReader {
    private let statusPath: String
    private let statmFD: Int32
    private var statusFD: Int32
    private var buffer = [UInt8](repeating: 0, count: 8192)
    private let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    public init(pid: Int32) {
        statusPath = "/proc/\(pid)/status"
        statmFD = open("/proc/\(pid)/statm", O_RDONLY | O_CLOEXEC)
        statusFD = open(statusPath, O_RDONLY | O_CLOEXEC)
    }

    deinit {
        if statmFD >= 0 { close(statmFD) }
        if statusFD >= 0 { close(statusFD) }
    }

    /// Resident bytes now (field 2 of statm × page size); nil once the process is gone.
    public func residentBytes() -> Int? {
        guard statmFD >= 0 else { return nil }
        let count = buffer.withUnsafeMutableBytes { pread(statmFD, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        // "size resident shared …": skip the first number, parse the second.
        var index = 0
        while index < count, buffer[index] != UInt8(ascii: " ") { index += 1 }
        index += 1
        var pages = 0
        var digits = 0
        while index < count, buffer[index] >= UInt8(ascii: "0"), buffer[index] <= UInt8(ascii: "9") {
            pages = pages * 10 + Int(buffer[index] - UInt8(ascii: "0"))
            index += 1
            digits += 1
        }
        return digits > 0 ? pages * pageSize : nil
    }

    /// The whole memory picture from `/proc/PID/status` (RSS, high-water mark, threads).
    public func read() -> ProcStatus? {
        if statusFD < 0 { statusFD = open(statusPath, O_RDONLY | O_CLOEXEC) }
        guard statusFD >= 0 else { return nil }
        let count = buffer.withUnsafeMutableBytes { pread(statusFD, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return buffer.withUnsafeBytes { bytes in
            ProcStatus.parse(Substring(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<count]), as: UTF8.self))
        }
    }
}
