import Foundation

/// The processes one test process answers for, so the orphan check judges only what this test
/// process started: `swift test --parallel` runs several test processes at once, and a check over
/// every harness process on the machine made each fail on the others' children.
///
/// A process is this test process's when it descends from it (by parent pid), or when it carries
/// this test process's marker in its environment: every process started from here inherits it —
/// the harness passes its environment on to scenario children, and they to their workers and
/// servers — so a worker whose parent died, re-parented to init and no longer a descendant, is
/// still found. Not found: a process started with a cleared environment whose parent has died.
public enum TestProcessScope {
    /// The environment variable holding the marker.
    public static let variable = "BPBENCH_TEST_PROCESS"

    /// This test process's marker: its pid and a random number (a pid alone is reused), set in its
    /// own environment the first time it is read.
    public static let marker: String = {
        let value = "\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        setenv(variable, value, 1)
        return value
    }()

    /// Sets the marker; call before a test starts anything (ChildProcessTestCase.setUp does).
    public static func enter() { _ = marker }

    /// One running process as /proc shows it.
    public struct Entry: Equatable, Sendable {
        public var pid: Int32
        public var parent: Int32
        /// /proc/PID/stat's state letter: R, S, D, T, Z (a zombie has exited; only its parent's
        /// wait is missing) …
        public var state: Character

        public init(pid: Int32, parent: Int32, state: Character) {
            self.pid = pid
            self.parent = parent
            self.state = state
        }
    }

    /// Every process /proc lists (thread-group leaders), with its parent and state.
    public static func table() -> [Entry] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return names.compactMap { Int32($0) }.compactMap { pid in
            guard let bytes = TestSupport.readProcFile("/proc/\(pid)/stat") else { return nil }
            return entry(stat: String(decoding: bytes, as: UTF8.self))
        }
    }

    /// Parses /proc/PID/stat: `pid (comm) state ppid …`, where comm may hold spaces and parentheses,
    /// so the fields are read after the last ")".
    public static func entry(stat: String) -> Entry? {
        guard let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
            let pid = Int32(stat[..<open].trimmingCharacters(in: .whitespaces))
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count >= 2, let state = fields[0].first, let parent = Int32(fields[1]) else { return nil }
        return Entry(pid: pid, parent: parent, state: state)
    }

    /// The live processes `root` answers for: its descendants and the processes carrying `marker`
    /// (zombies excluded: they have exited), sorted. Defaults: this test process and its marker.
    public static func leftovers(of root: Int32 = getpid(), marker: String = TestProcessScope.marker) -> [Int32] {
        let processes = table().filter { $0.pid != root && $0.state != "Z" }
        var children: [Int32: [Int32]] = [:]
        for process in processes { children[process.parent, default: []].append(process.pid) }
        var descendants = Set<Int32>()
        var frontier = [root]
        while let next = frontier.popLast() {
            for child in children[next] ?? [] where descendants.insert(child).inserted { frontier.append(child) }
        }
        let tagged = processes.map(\.pid).filter { carries(marker, pid: $0) }
        return descendants.union(tagged).sorted()
    }

    /// Whether `pid`'s environment holds `variable=marker` (unreadable — another user's — is no).
    public static func carries(_ marker: String, pid: Int32) -> Bool {
        guard let bytes = TestSupport.readProcFile("/proc/\(pid)/environ") else { return false }
        let entry = Array((variable + "=" + marker).utf8)
        return bytes.split(separator: 0).contains { $0.elementsEqual(entry) }
    }
}
