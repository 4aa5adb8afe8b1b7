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
    /// The scenario binaries that ran when they are not this checkout's build (`--bin-dir`, a
    /// `check --against` base): ``gitCommit`` then names the harness's code, not theirs. Nil for
    /// the checkout's own build, and in runs recorded before it was noted.
    public var scenarioBinaries: ScenarioBinaries?

    /// The code the figures measured, for a label: "commit C", or the binaries and the commit
    /// they were built from (``ScenarioBinaries``).
    public var measuredCode: String { scenarioBinaries?.description ?? "commit \(gitCommit)" }

    /// How many CPUs the children could run on: the pinned set's size, or every core for a run
    /// recorded unpinned. This, not the host's core count, is what moves the figures: NIO's loop
    /// count and the scheduler's parallelism follow it, so an 8-core runner pinned to 2 CPUs
    /// compares with a 2-core machine, and the same machine pinned to 1 does not.
    public var childCPUCount: Int { childCPUs?.count ?? cores }

    public init(
        cpu: String, cores: Int, memoryBytes: Int, kernel: String, os: String, swiftVersion: String,
        jemallocVersion: String,
        mallocConf: String, mallocConfEnvironment: String? = nil, gitCommit: String, hostname: String,
        socketBufferLimits: [String: String]? = nil, sqliteVersion: String? = nil, postgresVersion: String? = nil,
        childCPUs: ChildCPUs? = nil, eventLoops: Int? = nil
    ) {
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
        self.childCPUs = childCPUs
        self.eventLoops = eventLoops
    }

    /// What moves the figures beside the code, as name → value, for comparing two machines
    /// (the children's CPUs, kernel, Swift, jemalloc, SQLite, PostgreSQL, each socket-buffer
    /// limit); a value nobody read is left out.
    public var figureInputs: [String: String] {
        var inputs = [
            Self.childCPUsInput: String(childCPUCount), "kernel": kernel, "swift": swiftVersion,
            "jemalloc": jemallocVersion,
        ]
        if let sqliteVersion { inputs["sqlite"] = sqliteVersion }
        if let postgresVersion { inputs["postgresql"] = postgresVersion }
        for (key, value) in socketBufferLimits ?? [:] { inputs[key] = value }
        return inputs.filter { !["unknown", ""].contains($0.value) }
    }

    /// The name of ``childCPUCount`` among the ``figureInputs``.
    public static let childCPUsInput = "child CPUs"

    /// The sysctls of ``socketBufferLimits``.
    public static let socketBufferSysctls = [
        "net.core.wmem_max", "net.core.rmem_max", "net.ipv4.tcp_wmem", "net.ipv4.tcp_rmem",
    ]
}
