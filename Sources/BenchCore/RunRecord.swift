import BenchProtocol

/// How a child run ended. Everything but `ok` is still a result: it is reported, never thrown.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
    case ok
    /// The consumer did not receive every item intact (count or checksum or order).
    case failedVerification = "failed-verification"
    /// The scenario threw; its message is in `statusDetail`.
    case error
    /// Killed by a signal it did not get from the harness (segfault, abort, outside SIGKILL).
    case crashed
    /// Its RSS passed `--memory-cap` and the harness killed it.
    case memoryCap = "memory-cap"
    /// It ran past `--timeout` and the harness killed it.
    case timeout
    /// It wrote something on the result channel that is not the protocol.
    case protocolError = "protocol-error"
    /// It exited without a result line.
    case noResult = "no-result"
    /// The executable could not be started.
    case spawnFailed = "spawn-failed"
    /// The harness was interrupted (Ctrl-C, SIGTERM) while it ran.
    case interrupted
    /// Killed on purpose by `--crash-test` (SIGKILL at a random moment).
    case killed

    /// Whether the run's figures may be compared as measurements.
    public var isMeasurement: Bool { self == .ok }
}

/// One point of the merged timeline: the parent's /proc reading and the child's latest jemalloc
/// sample at the same moment (ms since the child was spawned).
public struct TimelinePoint: Codable, Sendable, Equatable {
    public var tMs: Double
    public var rssBytes: Int
    public var allocatedBytes: Int
    public var residentBytes: Int
    public var gauges: [String: Int]

    public init(tMs: Double, rssBytes: Int, allocatedBytes: Int, residentBytes: Int, gauges: [String: Int]) {
        self.tMs = tMs
        self.rssBytes = rssBytes
        self.allocatedBytes = allocatedBytes
        self.residentBytes = residentBytes
        self.gauges = gauges
    }
}

/// Everything measured about one scenario × scale × repeat.
public struct RunRecord: Codable, Sendable, Equatable {
    /// The row: the scenario's name, or `scenario/variant` for a variant's run.
    public var scenario: String
    /// The variant's name, when the row is one.
    public var variant: String?
    public var repeatIndex: Int
    /// Factor applied to the scenario's scale parameter (1 = as given).
    public var scale: Double
    public var status: RunStatus
    public var statusDetail: String?
    public var exitCode: Int32?
    public var signal: Int32?
    public var parameters: [String: String]

    public var items: Int
    public var bytes: Int
    public var durationS: Double
    public var wallS: Double
    public var throughputItemsPerS: Double
    public var throughputBytesPerS: Double

    /// The kernel's peak (`ru_maxrss` from `wait4`), the figure to trust.
    public var peakRssBytes: Int
    /// The highest VmRSS the parent's sampler saw.
    public var peakRssSampledBytes: Int
    /// The last VmHWM the parent read (the kernel's high-water mark while it was alive).
    public var peakHwmBytes: Int
    public var peaks: AllocatorPeaks
    public var finalAllocatedBytes: Int
    public var latency: LatencySummary?
    public var gaugeMaxima: [String: Int]
    public var metrics: [String: Double]
    public var verification: VerificationReport?

    public var killedAtS: Double?
    public var rssAtKillBytes: Int?
    public var userCpuS: Double
    public var systemCpuS: Double
    public var samplerTicks: Int
    public var samplerTickUs: Double
    public var parentSamples: Int
    public var jemallocVersion: String?
    public var mallocConf: String?
    public var logFile: String
    public var timeline: [TimelinePoint]

    public init(scenario: String, repeatIndex: Int, scale: Double, parameters: [String: String], logFile: String) {
        self.scenario = scenario
        self.repeatIndex = repeatIndex
        self.scale = scale
        status = .noResult
        self.parameters = parameters
        items = 0
        bytes = 0
        durationS = 0
        wallS = 0
        throughputItemsPerS = 0
        throughputBytesPerS = 0
        peakRssBytes = 0
        peakRssSampledBytes = 0
        peakHwmBytes = 0
        peaks = AllocatorPeaks()
        finalAllocatedBytes = 0
        gaugeMaxima = [:]
        metrics = [:]
        userCpuS = 0
        systemCpuS = 0
        samplerTicks = 0
        samplerTickUs = 0
        parentSamples = 0
        self.logFile = logFile
        timeline = []
    }
}
