/// The first line: who the child is and what allocator settings are in force.
public struct HelloMessage: Codable, Sendable, Equatable {
    public static let type = "hello"
    public var type = HelloMessage.type
    public var scenario: String
    public var pid: Int32
    public var jemallocVersion: String
    /// The jemalloc options actually in force, read back through `mallctl("opt.*")`.
    public var mallocConf: String
    public var sampleIntervalMs: Double

    public init(scenario: String, pid: Int32, jemallocVersion: String, mallocConf: String, sampleIntervalMs: Double) {
        self.scenario = scenario
        self.pid = pid
        self.jemallocVersion = jemallocVersion
        self.mallocConf = mallocConf
        self.sampleIntervalMs = sampleIntervalMs
    }
}
