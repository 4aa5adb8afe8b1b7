#if canImport(Glibc)
import Glibc
#endif

/// The memory lines of `/proc/PID/status` the parent samples.
public struct ProcStatus: Sendable, Equatable {
    /// Resident set size now.
    public var rssBytes: Int
    /// The kernel's resident high-water mark for the current address space.
    public var hwmBytes: Int

    /// Parses the text of `/proc/PID/status`; nil when the memory lines are absent (a zombie,
    /// or a kernel thread).
    public static func parse(_ text: Substring) -> ProcStatus? {
        var rss: Int?
        var hwm: Int?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("VmRSS:") {
                rss = kilobytes(line)
            } else if line.hasPrefix("VmHWM:") {
                hwm = kilobytes(line)
            }
            if rss != nil, hwm != nil { break }
        }
        guard let rss, let hwm else { return nil }
        return ProcStatus(rssBytes: rss, hwmBytes: hwm)
    }

    /// `VmRSS:	   12345 kB` → 12345 × 1024.
    static func kilobytes(_ line: Substring) -> Int? {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count >= 3, fields[2] == "kB", let value = Int(fields[1]) else { return nil }
        return value * 1024
    }
}

/// Reads `/proc/PID/status` into a reused buffer: one open/read/close per sample, no allocation
/// beyond the parse.
public final class ProcStatusReader {
    private let path: String
    private var buffer = [UInt8](repeating: 0, count: 8192)

    public init(pid: Int32) { path = "/proc/\(pid)/status" }

    public func read() -> ProcStatus? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        return buffer.withUnsafeBytes { bytes in
            ProcStatus.parse(Substring(decoding: UnsafeRawBufferPointer(rebasing: bytes[0..<count]), as: UTF8.self))
        }
    }
}
