import BenchModel
import BenchSystem

#if canImport(Glibc)
import Glibc
#endif

/// The processes a scenario child started itself (workers, a server, a shell's children): found
/// by walking `/proc/*/stat` parent links down from the child, re-walked every
/// ``discoveryIntervalNs`` (a walk reads every process's `stat`, about 0.3 ms here; every
/// sample would cost the parent a core), and each member's RSS read from `/proc/PID/statm` at
/// every sample.
///
/// The tree's total is a sum of RSS, so pages two processes share (a fork's copy-on-write
/// pages, shared libraries) count once per process: an upper bound on what the tree holds. A
/// process that starts and ends between two walks is not seen; the kernel's `ru_maxrss` of the
/// child does not include it either.
final class ProcessTree {
    /// What one sample of the tree saw.
    struct Reading {
        /// The child's RSS plus every descendant's.
        var totalBytes: Int
        /// The largest single process (the child included).
        var largestBytes: Int
        /// The child and its live descendants.
        var processes: Int
    }

    static let discoveryIntervalNs: UInt64 = 50_000_000
    let root: pid_t
    private(set) var descendants: [pid_t] = []
    private var lastDiscoveryNs: UInt64 = 0
    private let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    private var buffer = [UInt8](repeating: 0, count: 1024)
    /// Every process ever found in the tree, with its start time (so a reused PID is never
    /// taken for it), so the harness can make sure none outlives the run.
    private(set) var everSeen: [pid_t: UInt64] = [:]
    /// The child's `/proc/PID/io` at the last walk: its I/O counters only exist while it lives,
    /// so the last reading (≤ one walk interval before exit) is the row's.
    private(set) var lastIO: ProcIO?

    init(root: pid_t) { self.root = root }

    /// Adds the descendants' RSS to the child's (`rootBytes`); re-walks `/proc` when the last
    /// walk is older than the discovery interval.
    func sample(rootBytes: Int, nowNs: UInt64) -> Reading {
        if lastDiscoveryNs == 0 || nowNs - lastDiscoveryNs >= Self.discoveryIntervalNs {
            descendants = discover()
            for pid in descendants where everSeen[pid] == nil { everSeen[pid] = startTime(pid) }
            if let text = readSmall("/proc/\(root)/io"), let io = ProcIO.parse(text) { lastIO = io }
            lastDiscoveryNs = nowNs
        }
        var reading = Reading(totalBytes: rootBytes, largestBytes: rootBytes, processes: 1)
        for pid in descendants {
            guard let bytes = residentBytes(pid), bytes > 0 else { continue }  // gone, or a zombie
            reading.totalBytes += bytes
            reading.largestBytes = max(reading.largestBytes, bytes)
            reading.processes += 1
        }
        return reading
    }

    /// SIGKILLs every descendant still alive (one that left the child's process group, e.g. a
    /// server that called setsid, is not reached by the group kill).
    ///
    /// Also one orphaned since it was seen: when the child dies first (a crash test's SIGKILL),
    /// its workers and servers are re-parented to init and are no longer under it, yet still
    /// hold the child's output pipe — the same PID with the same start time is the same process.
    ///
    /// Then waits (up to 5 s) until they are gone: a server's processes hold its files and
    /// shared memory until they are, and the next run — a crash test's restart on the same data
    /// directory — would find them still in use.
    func killSurvivors() {
        var killed: [(pid_t, UInt64)] = []
        for (pid, started) in everSeen where started != 0 && startTime(pid) == started || isDescendant(pid) {
            kill(pid, SIGKILL)
            killed.append((pid, started))
        }
        var waitedMs = 0
        while waitedMs < 5000, killed.contains(where: { isAlive($0.0, started: $0.1) }) {
            usleep(5000)
            waitedMs += 5
        }
    }

    /// Still running as the process seen (a zombie, or a reused PID, counts as gone).
    private func isAlive(_ pid: pid_t, started: UInt64) -> Bool {
        guard let text = readSmall("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return false }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 19, fields[0] != "Z", fields[0] != "X" else { return false }
        return started == 0 || UInt64(fields[19]) == started
    }

    /// Field 22 of `/proc/PID/stat`, the start time in clock ticks since boot; 0 when gone.
    private func startTime(_ pid: pid_t) -> UInt64 {
        guard let text = readSmall("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return 0 }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 19 ? UInt64(fields[19]) ?? 0 : 0
    }

    /// The descendants of `root` now, by parent links.
    func discover() -> [pid_t] {
        var children: [pid_t: [pid_t]] = [:]
        guard let directory = opendir("/proc") else { return [] }
        defer { closedir(directory) }
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = pid_t(name), pid != root, let parent = parentOf(pid) else { continue }
            children[parent, default: []].append(pid)
        }
        var found: [pid_t] = []
        var frontier = [root]
        while let next = frontier.popLast() {
            for child in children[next] ?? [] {
                found.append(child)
                frontier.append(child)
            }
        }
        return found.sorted()
    }

    /// Whether `pid` is still alive under the root (by its parent chain).
    private func isDescendant(_ pid: pid_t) -> Bool {
        var current = pid
        for _ in 0..<64 {
            guard let parent = parentOf(current) else { return false }
            if parent == root { return true }
            if parent <= 1 { return false }
            current = parent
        }
        return false
    }

    /// Field 4 of `/proc/PID/stat` (after the parenthesised command, which may hold spaces).
    private func parentOf(_ pid: pid_t) -> pid_t? {
        guard let text = readSmall("/proc/\(pid)/stat"), let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 1 else { return nil }
        return pid_t(fields[1])
    }

    /// Field 2 of `/proc/PID/statm` (resident pages) in bytes.
    private func residentBytes(_ pid: pid_t) -> Int? {
        guard let text = readSmall("/proc/\(pid)/statm") else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * pageSize
    }

    private func readSmall(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        let count = buffer.withUnsafeMutableBytes { System.read(fd, into: $0) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
    }
}
