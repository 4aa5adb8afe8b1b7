/// Per-item latency summary, in microseconds.
public struct LatencySummary: Codable, Sendable, Equatable {
    public var count: Int
    public var p50Us: Double
    public var p90Us: Double
    public var p99Us: Double
    public var maxUs: Double
    public init(count: Int, p50Us: Double, p90Us: Double, p99Us: Double, maxUs: Double) {
        self.count = count
        self.p50Us = p50Us
        self.p90Us = p90Us
        self.p99Us = p99Us
        self.maxUs = maxUs
    }
}
