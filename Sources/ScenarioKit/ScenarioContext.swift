import Synchronization

#if canImport(Glibc)
import Glibc
#endif

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

    // `package`: ScenarioKitTests make one without `@testable` (see Cadence for why).
    package init(parameters: Parameters, profile: String, cacheDirectory: String, workDirectory: String) {
        self.parameters = parameters
        self.profile = profile
        self.cacheDirectory = cacheDirectory
        self.workDirectory = workDirectory
    }

    /// Counts items and bytes that reached the consumer (the throughput figures come from these).
    public func addProgress(items: Int, bytes: Int) {
        self.items.wrappingAdd(items, ordering: .relaxed)
        self.bytes.wrappingAdd(bytes, ordering: .relaxed)
        InjectedLeak.inForce?.retain(ofBytes: bytes)  // gate-proof's harness-injected leak; nil otherwise
    }

    /// A declared parameter's value, in its Swift type.
    public subscript<Value>(_ param: Param<Value>) -> Value { parameters[param] }

    /// A declared gauge, created on first use. Keep the object; lookups take a lock.
    public subscript(_ gauge: GaugeName) -> Gauge { gauges.gauge(named: gauge.name) }

    /// Sets a declared scenario-specific figure for the report, e.g. `producer_done_s`.
    public func set(_ metric: MetricName, _ value: Double) {
        metrics.withLock { $0[metric.name] = value }
    }

    /// A figure set earlier in this run, nil if none was: how `prepare` hands what it measured
    /// (e.g. the stream producer's calibrated rate) to the timed `run` without a side channel.
    public func metric(_ metric: MetricName) -> Double? {
        metrics.withLock { $0[metric.name] }
    }

    /// A line in the child's log (stderr, which the harness keeps per run).
    public func log(_ message: String) {
        let line = Array((message + "\n").utf8)
        line.withUnsafeBytes { System.writeAll(STDERR_FILENO, $0) }
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

    /// Calls `body` with each gauge while holding the registry's lock (no copy of the list per
    /// sampler tick).
    func visitEach(_ body: (Gauge) -> Void) {
        gauges.withLock { gauges in
            for gauge in gauges { body(gauge) }
        }
    }

    var maxima: [String: Int] {
        var result: [String: Int] = [:]
        visitEach { result[$0.name] = $0.maximum }
        return result
    }
}
