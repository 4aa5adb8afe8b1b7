/// The last line: the scenario's outcome and everything it measured about itself.
public struct ResultMessage: Codable, Sendable, Equatable {
    public static let type = "result"
    public var type = ResultMessage.type
    /// `ok`, `failed-verification` or `error` (a child reports no other outcome).
    public var status: RunStatus
    public var message: String?
    public var items: Int
    public var bytes: Int
    public var durationS: Double
    public var latency: LatencySummary?
    public var peaks: AllocatorCounters
    /// `stats.allocated` after the scenario returned and released its objects.
    public var finalAllocated: Int
    public var gaugeMaxima: [String: Int]
    /// Scenario-specific figures (e.g. `producer_done_s`, `events_committed`).
    public var metrics: [String: Double]
    public var verification: VerificationReport?
    public var samplerTicks: Int
    /// The parameters in force — printed for a run by hand only (under the harness the parent
    /// resolved them and already knows them).
    public var parameters: [String: String]?
    /// Mean wall time of one sampler tick (epoch refresh + five reads + gauges), microseconds.
    public var samplerTickUs: Double
    /// Allocations and frees during the timed run (jemalloc's small + large `nrequests` and
    /// `ndalloc` over all arenas; thread caches report theirs when they flush, so a few hundred
    /// may land after the run ends). Absent from runtimes without the counters.
    public var allocations: Int?
    public var frees: Int?

    public init(
        status: RunStatus, message: String?, items: Int, bytes: Int, durationS: Double, latency: LatencySummary?,
        peaks: AllocatorCounters, finalAllocated: Int, gaugeMaxima: [String: Int], metrics: [String: Double],
        verification: VerificationReport?, samplerTicks: Int, samplerTickUs: Double
    ) {
        self.status = status
        self.message = message
        self.items = items
        self.bytes = bytes
        self.durationS = durationS
        self.latency = latency
        self.peaks = peaks
        self.finalAllocated = finalAllocated
        self.gaugeMaxima = gaugeMaxima
        self.metrics = metrics
        self.verification = verification
        self.samplerTicks = samplerTicks
        self.samplerTickUs = samplerTickUs
    }
}
