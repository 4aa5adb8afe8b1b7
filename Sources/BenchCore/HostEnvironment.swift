import Foundation

/// Where and with what a run was measured; printed in every report so numbers are never
/// compared without their context.
public struct HostEnvironment: Codable, Sendable, Equatable {
    public var cpu: String
    public var cores: Int
    public var memoryBytes: Int
    public var kernel: String
    public var os: String
    public var swiftVersion: String
    public var jemallocVersion: String
    /// The jemalloc options the children reported in force.
    public var mallocConf: String
    /// MALLOC_CONF as set in the harness's environment, if any.
    public var mallocConfEnvironment: String?
    public var gitCommit: String
    public var hostname: String
    /// The kernel's socket-buffer limits, `net.core.wmem_max`, `net.core.rmem_max`,
    /// `net.ipv4.tcp_wmem`, `net.ipv4.tcp_rmem`: Linux clamps SO_SNDBUF/SO_RCVBUF and its
    /// autotuning to them, so the socket scenarios' in-flight gauges and heaps follow them (a stock
    /// kernel's 212,992 would lower manual-drain's `max_in_flight_bytes` by ~20 %, issue 25).
    /// Nil in runs recorded before it was read.
    public var socketBufferLimits: [String: String]?
    /// SQLite's version (persistent-queue's page cache and WAL), from pkg-config or `sqlite3`.
    public var sqliteVersion: String?
    /// PostgreSQL's (persistent-queue/postgres), from `pg_config` or `postgres`.
    public var postgresVersion: String?
    /// The CPUs the children were pinned to (``ChildCPUs``: `--cpus`, default the first two the
    /// harness may run on); nil in runs recorded before pinning, whose children used all ``cores``.
    public var childCPUs: ChildCPUs?
    /// The size of the Swift children's NIO event-loop group (and blocking pool), set to the
    /// pinned CPU count through `NIO_SINGLETON_GROUP_LOOP_COUNT`; nil before pinning (NIO's
    /// default then: one loop per core).
    public var eventLoops: Int?

    /// How many CPUs the children could run on: the pinned set's size, or every core for a run
    /// recorded unpinned. This, not the host's core count, is what moves the figures: NIO's loop
    /// count and the scheduler's parallelism follow it, so an 8-core runner pinned to 2 CPUs
    /// compares with a 2-core machine, and the same machine pinned to 1 does not.
    public var childCPUCount: Int { childCPUs?.count ?? cores }

    /// What moves the figures beside the code, as name → value, for comparing two machines
    /// (the children's CPUs, kernel, Swift, jemalloc, SQLite, PostgreSQL, each socket-buffer
    /// limit); a value nobody read is left out.
    public var figureInputs: [String: String] {
        var inputs = [Self.childCPUsInput: String(childCPUCount), "kernel": kernel, "swift": swiftVersion, "jemalloc": jemallocVersion]
        if let sqliteVersion { inputs["sqlite"] = sqliteVersion }
        if let postgresVersion { inputs["postgresql"] = postgresVersion }
        for (key, value) in socketBufferLimits ?? [:] { inputs[key] = value }
        return inputs.filter { !["unknown", ""].contains($0.value) }
    }

    /// The name of ``childCPUCount`` among the ``figureInputs``.
    public static let childCPUsInput = "child CPUs"

    /// The sysctls of ``socketBufferLimits``.
    public static let socketBufferSysctls = ["net.core.wmem_max", "net.core.rmem_max", "net.ipv4.tcp_wmem", "net.ipv4.tcp_rmem"]

    /// Reads the machine, with the CPUs the run pins its children to; `jemalloc` comes from the
    /// first child's hello, once a child has run.
    public static func capture(projectRoot: String, childCPUs: ChildCPUs? = nil) -> HostEnvironment {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let cpu = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown"
        var name = utsname()
        uname(&name)
        let kernel = withUnsafeBytes(of: &name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let osRelease = (try? String(contentsOfFile: "/etc/os-release", encoding: .utf8)) ?? ""
        let os = osRelease.split(separator: "\n").first { $0.hasPrefix("PRETTY_NAME=") }
            .map { $0.dropFirst("PRETTY_NAME=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) } ?? "unknown"
        let swift = (command("swift", ["--version"]) ?? "unknown").split(separator: "\n").first.map(String.init) ?? "unknown"
        var commit = command("git", ["-C", projectRoot, "rev-parse", "--short=12", "HEAD"]) ?? "unknown"
        if let dirty = command("git", ["-C", projectRoot, "status", "--porcelain", "--untracked-files=no"]), !dirty.isEmpty { commit += "-dirty" }
        var limits: [String: String] = [:]
        for name in socketBufferSysctls {
            let path = "/proc/sys/" + name.replacingOccurrences(of: ".", with: "/")
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                limits[name] = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            }
        }
        var environment = HostEnvironment(
            cpu: cpu, cores: ProcessInfo.processInfo.activeProcessorCount,
            memoryBytes: Int(ProcessInfo.processInfo.physicalMemory), kernel: kernel, os: os,
            swiftVersion: swift, jemallocVersion: "unknown", mallocConf: "unknown",
            mallocConfEnvironment: ProcessInfo.processInfo.environment["MALLOC_CONF"],
            gitCommit: commit, hostname: ProcessInfo.processInfo.hostName)
        environment.socketBufferLimits = limits.isEmpty ? nil : limits
        environment.sqliteVersion = command("pkg-config", ["--modversion", "sqlite3"]) ?? command("sqlite3", ["--version"])?.split(separator: " ").first.map(String.init)
        environment.postgresVersion = command("pg_config", ["--version"]) ?? command("postgres", ["--version"])
        environment.childCPUs = childCPUs
        environment.eventLoops = childCPUs?.count
        return environment
    }

    /// Runs a tool and returns its trimmed stdout, or nil if it is missing or fails.
    static func command(_ name: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [name] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
