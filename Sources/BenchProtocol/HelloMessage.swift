/// The first line: who the child is and what allocator settings are in force.
public struct HelloMessage: Codable, Sendable, Equatable {
    public static let type = "hello"
    public var type = HelloMessage.type
    public var scenario: String
    public var pid: Int32
    /// jemalloc's version (Swift children); absent for a program on another allocator.
    public var jemallocVersion: String?
    /// The jemalloc options actually in force, read back through `mallctl("opt.*")`.
    public var mallocConf: String?
    public var sampleIntervalMs: Double
    /// The language runtime, e.g. `swift`, `node v20.20.2` (optional; protocol 2).
    public var runtime: String?
    /// What the `counters` of samples and result measure when it is not jemalloc, e.g.
    /// `v8: allocated = heapUsed + external, active = heapTotal + external`.
    public var allocator: String?

    public init(
        scenario: String, pid: Int32, jemallocVersion: String?, mallocConf: String?, sampleIntervalMs: Double,
        runtime: String? = nil, allocator: String? = nil
    ) {
        self.scenario = scenario
        self.pid = pid
        self.jemallocVersion = jemallocVersion
        self.mallocConf = mallocConf
        self.sampleIntervalMs = sampleIntervalMs
        self.runtime = runtime
        self.allocator = allocator
    }
}
