/// One down-sampled point of the child's jemalloc timeline: the maximum of each statistic over
/// the window that ends at `tMs` (so no peak is lost by down-sampling), and the gauges' maxima.
public struct SampleMessage: Codable, Sendable, Equatable {
    public static let type = "sample"
    public var type = SampleMessage.type
    /// Milliseconds since the scenario started.
    public var tMs: Double
    /// Each allocator counter's maximum over the window.
    public var counters: AllocatorCounters
    public var items: Int
    public var bytes: Int
    public var gauges: [String: Int]

    public init(tMs: Double, counters: AllocatorCounters, items: Int, bytes: Int, gauges: [String: Int]) {
        self.tMs = tMs
        self.counters = counters
        self.items = items
        self.bytes = bytes
        self.gauges = gauges
    }
}
