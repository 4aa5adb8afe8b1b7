import BenchProtocol

/// One point of the merged timeline: the parent's /proc reading and the child's latest jemalloc
/// sample at the same moment (ms since the child was spawned).
public struct TimelinePoint: Codable, Sendable, Equatable {
    public var tMs: Double
    public var rssBytes: Int
    public var allocatedBytes: Int
    public var residentBytes: Int
    public var gauges: [String: Int]
    /// The RSS of the child and every process it started, when it started any (``ProcessTree``).
    public var treeRssBytes: Int?

    public init(
        tMs: Double, rssBytes: Int, allocatedBytes: Int, residentBytes: Int, gauges: [String: Int],
        treeRssBytes: Int? = nil
    ) {
        self.tMs = tMs
        self.rssBytes = rssBytes
        self.allocatedBytes = allocatedBytes
        self.residentBytes = residentBytes
        self.gauges = gauges
        self.treeRssBytes = treeRssBytes
    }
}
