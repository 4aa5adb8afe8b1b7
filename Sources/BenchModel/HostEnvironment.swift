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

    public init(cpu: String, cores: Int, memoryBytes: Int, kernel: String, os: String, swiftVersion: String, jemallocVersion: String,
                mallocConf: String, mallocConfEnvironment: String? = nil, gitCommit: String, hostname: String,
                socketBufferLimits: [String: String]? = nil, sqliteVersion: String? = nil, postgresVersion: String? = nil) {
        self.cpu = cpu
        self.cores = cores
        self.memoryBytes = memoryBytes
        self.kernel = kernel
        self.os = os
        self.swiftVersion = swiftVersion
        self.jemallocVersion = jemallocVersion
        self.mallocConf = mallocConf
        self.mallocConfEnvironment = mallocConfEnvironment
        self.gitCommit = gitCommit
        self.hostname = hostname
        self.socketBufferLimits = socketBufferLimits
        self.sqliteVersion = sqliteVersion
        self.postgresVersion = postgresVersion
    }

    /// What moves the figures beside the code, as name → value, for comparing two machines
    /// (cores, kernel, Swift, jemalloc, SQLite, PostgreSQL, each socket-buffer limit); a value
    /// nobody read is left out.
    public var figureInputs: [String: String] {
        var inputs = ["cores": String(cores), "kernel": kernel, "swift": swiftVersion, "jemalloc": jemallocVersion]
        if let sqliteVersion { inputs["sqlite"] = sqliteVersion }
        if let postgresVersion { inputs["postgresql"] = postgresVersion }
        for (key, value) in socketBufferLimits ?? [:] { inputs[key] = value }
        return inputs.filter { !["unknown", ""].contains($0.value) }
    }

    /// The sysctls of ``socketBufferLimits``.
    public static let socketBufferSysctls = ["net.core.wmem_max", "net.core.rmem_max", "net.ipv4.tcp_wmem", "net.ipv4.tcp_rmem"]
}
