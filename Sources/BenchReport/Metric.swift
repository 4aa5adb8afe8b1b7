import BenchCore

/// A figure the reports summarise, compare and gate on: its column name (with its unit), how to
/// read it from a record, and which direction is better.
public struct Metric: Sendable, Equatable {
    public enum Unit: String, Sendable {
        case bytes, bytesPerSecond, itemsPerSecond, seconds, microseconds
    }

    /// Column and threshold-file name, e.g. `peak_rss_bytes`.
    public let key: String
    public let title: String
    public let unit: Unit
    public let higherIsBetter: Bool
    /// Whether it measures memory (the gate's relative + absolute-floor rule) or speed.
    public var isMemory: Bool { unit == .bytes }
    let read: @Sendable (RunRecord) -> Double?

    public func value(_ record: RunRecord) -> Double? { read(record) }

    public static func == (lhs: Metric, rhs: Metric) -> Bool { lhs.key == rhs.key }

    public static let peakRss = Metric(key: "peak_rss_bytes", title: "peak RSS", unit: .bytes, higherIsBetter: false) { Double($0.peakRssBytes) }
    public static let peakRssSampled = Metric(key: "peak_rss_sampled_bytes", title: "peak RSS (sampled)", unit: .bytes, higherIsBetter: false) { Double($0.peakRssSampledBytes) }
    public static let peakAllocated = Metric(key: "peak_allocated_bytes", title: "peak allocated", unit: .bytes, higherIsBetter: false) { Double($0.peaks.allocated) }
    public static let peakResident = Metric(key: "peak_resident_bytes", title: "peak jemalloc resident", unit: .bytes, higherIsBetter: false) { Double($0.peaks.resident) }
    public static let throughputBytes = Metric(key: "throughput_bytes_per_s", title: "throughput", unit: .bytesPerSecond, higherIsBetter: true) { $0.throughputBytesPerS }
    public static let throughputItems = Metric(key: "throughput_items_per_s", title: "items/s", unit: .itemsPerSecond, higherIsBetter: true) { $0.throughputItemsPerS }
    public static let duration = Metric(key: "duration_s", title: "duration", unit: .seconds, higherIsBetter: false) { $0.durationS }
    public static let latencyP50 = Metric(key: "latency_p50_us", title: "latency p50", unit: .microseconds, higherIsBetter: false) { $0.latency?.p50Us }
    public static let latencyP99 = Metric(key: "latency_p99_us", title: "latency p99", unit: .microseconds, higherIsBetter: false) { $0.latency?.p99Us }

    /// Every metric, in report order.
    public static let all: [Metric] = [peakRss, peakRssSampled, peakAllocated, peakResident, throughputBytes, throughputItems, duration, latencyP50, latencyP99]

    public static func named(_ key: String) -> Metric? { all.first { $0.key == key } }
}
