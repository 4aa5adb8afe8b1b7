import BenchProtocol

/// A whole run as written to `run.json`: settings, environment and every recorded repeat.
public struct RunDocument: Codable, Sendable, Equatable {
    public static let currentFormatVersion = 1

    public var formatVersion: Int
    public var tool: String
    public var startedAt: String
    public var finishedAt: String
    public var profile: String
    public var repeats: Int
    public var warmups: Int
    public var scales: [Double]
    public var sampleIntervalMs: Double
    public var memoryCapBytes: Int
    public var timeoutS: Double
    /// True when the run was cut short (Ctrl-C, SIGTERM): the records are the finished ones.
    public var interrupted: Bool
    public var environment: HostEnvironment
    /// The claims each scenario declared, kept so a report can be rebuilt from run.json alone.
    public var claims: [String: [SeedClaim]]
    /// Parameters changed on purpose to stand for a code change (`bpbench check --inject`),
    /// scenario → keys: the gate does not count them as a different plan, and reports mark them.
    public var injected: [String: [String]]?
    /// Rows whose scale parameter is a duration (a rate mismatch run for a fixed time): their
    /// growth is fitted against time, not input bytes.
    public var growsWithTimeRows: [String]?
    public var records: [RunRecord]

    public init(startedAt: String, profile: String, repeats: Int, warmups: Int, scales: [Double], limits: ChildLimits, environment: HostEnvironment) {
        formatVersion = Self.currentFormatVersion
        tool = "bpbench"
        self.startedAt = startedAt
        finishedAt = startedAt
        self.profile = profile
        self.repeats = repeats
        self.warmups = warmups
        self.scales = scales
        sampleIntervalMs = limits.sampleIntervalMs
        memoryCapBytes = limits.memoryCapBytes
        timeoutS = limits.timeoutS
        interrupted = false
        self.environment = environment
        claims = [:]
        records = []
    }
}
