#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Everything a running scenario reports to the harness through: progress, gauges, latencies,
/// extra metrics; and where it may keep files.
public final class ScenarioContext: Sendable {
    public let parameters: Parameters
    /// The profile the defaults came from (`quick`, `standard`, `stress`).
    public let profile: String
    /// Generated inputs (files of a given size) live here across runs, created on first use.
    public let cacheDirectory: String
    /// A scratch folder for this run only.
    public let workDirectory: String
    /// Per-item latency; consumers (or ``StreamVerifier``) record into it.
    public let latency = LatencyRecorder()

    let gauges = GaugeRegistry()
    private let items = Atomic<Int>(0)
    private let bytes = Atomic<Int>(0)
    private let metrics = Mutex<[String: Double]>([:])

    init(parameters: Parameters, profile: String, cacheDirectory: String, workDirectory: String) {
        self.parameters = parameters
        self.profile = profile
        self.cacheDirectory = cacheDirectory
        self.workDirectory = workDirectory
    }

    /// Counts items and bytes that reached the consumer (the throughput figures come from these).
    public func addProgress(items: Int, bytes: Int) {
        self.items.wrappingAdd(items, ordering: .relaxed)
        self.bytes.wrappingAdd(bytes, ordering: .relaxed)
    }

    /// The gauge called `name`, created on first use. Keep the handle; lookups take a lock.
    public func gauge(_ name: String) -> Gauge { gauges.gauge(named: name) }

    /// A scenario-specific figure for the report, e.g. `producer_done_s`.
    public func setMetric(_ name: String, _ value: Double) {
        metrics.withLock { $0[name] = value }
    }

    /// A line in the child's log (stderr, which the harness keeps per run).
    public func log(_ message: String) {
        let line = Array((message + "\n").utf8)
        _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    func progressSnapshot() -> (items: Int, bytes: Int) {
        (items.load(ordering: .relaxed), bytes.load(ordering: .relaxed))
    }

    func metricsSnapshot() -> [String: Double] { metrics.withLock { $0 } }
}

/// The scenario's gauges by name.
final class GaugeRegistry: Sendable {
    private let gauges = Mutex<[Gauge]>([])

    func gauge(named name: String) -> Gauge {
        gauges.withLock { gauges in
            if let existing = gauges.first(where: { $0.name == name }) { return existing }
            let gauge = Gauge(name: name)
            gauges.append(gauge)
            return gauge
        }
    }

    func forEach(_ body: (Gauge) -> Void) {
        gauges.withLock { gauges in
            for gauge in gauges { body(gauge) }
        }
    }

    var maxima: [String: Int] {
        var result: [String: Int] = [:]
        forEach { result[$0.name] = $0.maximum }
        return result
    }
}
