import Foundation

/// The I/O counters of `/proc/PID/io`: bytes through read/write-like syscalls (sockets and
/// pipes included) and bytes that reached the storage layer.
public struct ProcIO: Sendable, Equatable, Codable {
    /// `rchar`, `wchar`: every byte read or written by syscalls.
    public var readBytes: Int
    public var writtenBytes: Int
    /// `read_bytes`, `write_bytes`: bytes fetched from or sent to storage (page-cache hits are not).
    public var storageReadBytes: Int
    public var storageWrittenBytes: Int

    public static func parse(_ text: String) -> ProcIO? {
        var fields: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, let value = Int(parts[1].trimmingCharacters(in: .whitespaces)) {
                fields[String(parts[0])] = value
            }
        }
        guard let read = fields["rchar"], let written = fields["wchar"] else { return nil }
        return ProcIO(
            readBytes: read, writtenBytes: written, storageReadBytes: fields["read_bytes"] ?? 0,
            storageWrittenBytes: fields["write_bytes"] ?? 0)
    }
}
