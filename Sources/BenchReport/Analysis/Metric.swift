import BenchModel
import BenchProtocol

/// A figure the reports summarise, compare and gate on: its column name (with its unit), how to
/// read it from a record, which direction is better, and against what the gate judges it.
public struct Metric: Sendable, Equatable {
    public enum Unit: String, Sendable {
        case bytes, bytesPerSecond, itemsPerSecond, seconds, microseconds, count
    }

    /// What a metric may be compared with, which decides how the gate judges it.
    public enum Stability: String, Sendable, Codable {
        /// Set by the code, not the machine: the heap a bounded strategy holds (jemalloc
        /// `stats.allocated`, fixed arena count), the maxima of the scenario's own gauges.
        /// Compared with the committed baseline, recorded on another machine.
        case machineStable = "machine-stable"
        /// Set by the machine as much as by the code: throughput, latency, CPU time — and peak
        /// RSS, whose ~25–30 MiB floor is the runtime's and the kernel's (page fault-around, THP,
        /// libc, the binary's layout) and moved 31.7–34.9 MiB between repeats of one run here.
        /// Only ever compared with the base revision run in the same job, interleaved.
        case machineBound = "machine-bound"
        /// Reported, never gated (redundant with a gated one, or a diagnostic).
        case reported
    }

    /// Column and threshold-file name, e.g. `peak_rss_bytes`.
    public let key: String
    public let title: String
    public let unit: Unit
    public let higherIsBetter: Bool
    public let stability: Stability
    /// Whether it measures memory.
    public var isMemory: Bool { unit == .bytes }
    let read: @Sendable (RunRecord) -> Double?

    public func value(_ record: RunRecord) -> Double? { read(record) }

    public static func == (lhs: Metric, rhs: Metric) -> Bool { lhs.key == rhs.key }

    public static let peakRss = Metric(
        key: "peak_rss_bytes", title: "peak RSS", unit: .bytes, higherIsBetter: false, stability: .machineBound
    ) { Double($0.observed.peakRssBytes) }
    public static let peakRssSampled = Metric(
        key: "peak_rss_sampled_bytes", title: "peak RSS (sampled)", unit: .bytes, higherIsBetter: false,
        stability: .reported
    ) { Double($0.observed.peakRssSampledBytes) }
    /// The child and every process it started, summed per sample (rows whose child started none
    /// have no value).
    public static let peakTreeRss = Metric(
        key: "peak_tree_rss_bytes", title: "peak RSS of the process tree", unit: .bytes, higherIsBetter: false,
        stability: .reported
    ) { record in
        record.observed.peakTreeRssBytes.map(Double.init)
    }
    /// The peak above the child's RSS when it said hello (runtime loaded, no work yet): what the
    /// strategy itself added, comparable across runtimes whose floors differ.
    public static let peakOverFloor = Metric(
        key: "peak_over_floor_bytes", title: "peak over idle floor", unit: .bytes, higherIsBetter: false,
        stability: .reported
    ) { record in
        record.peakOverFloorBytes.map(Double.init)
    }
    public static let peakAllocated = Metric(
        key: "peak_allocated_bytes", title: "peak allocated", unit: .bytes, higherIsBetter: false,
        stability: .machineStable
    ) { record in
        record.peaks.allocated > 0 ? Double(record.peaks.allocated) : nil
    }
    public static let peakResident = Metric(
        key: "peak_resident_bytes", title: "peak jemalloc resident", unit: .bytes, higherIsBetter: false,
        stability: .reported
    ) { Double($0.peaks.resident) }
    public static let throughputBytes = Metric(
        key: "throughput_bytes_per_s", title: "throughput", unit: .bytesPerSecond, higherIsBetter: true,
        stability: .machineBound
    ) { $0.throughputBytesPerS }
    public static let throughputItems = Metric(
        key: "throughput_items_per_s", title: "items/s", unit: .itemsPerSecond, higherIsBetter: true,
        stability: .reported
    ) { $0.throughputItemsPerS }
    public static let duration = Metric(
        key: "duration_s", title: "duration", unit: .seconds, higherIsBetter: false, stability: .reported
    ) { $0.durationS }
    public static let cpu = Metric(
        key: "cpu_s", title: "CPU (user + system)", unit: .seconds, higherIsBetter: false, stability: .machineBound
    ) { $0.observed.userCpuS + $0.observed.systemCpuS }
    public static let latencyP50 = Metric(
        key: "latency_p50_us", title: "latency p50", unit: .microseconds, higherIsBetter: false,
        stability: .machineBound
    ) { $0.result?.latency?.p50Us }
    public static let latencyP99 = Metric(
        key: "latency_p99_us", title: "latency p99", unit: .microseconds, higherIsBetter: false,
        stability: .machineBound
    ) { $0.result?.latency?.p99Us }

    // Counters (package-benchmark's set): reported, not gated — allocations per item is the
    // machine-stable candidate for the gate once a gate proof has measured its noise.
    public static let allocationsPerItem = Metric(
        key: "allocations_per_item", title: "allocations per item", unit: .count, higherIsBetter: false,
        stability: .reported
    ) { $0.allocationsPerItem }
    public static let allocations = Metric(
        key: "allocations", title: "allocations", unit: .count, higherIsBetter: false, stability: .reported
    ) { $0.result?.allocations.map(Double.init) }
    public static let frees = Metric(
        key: "frees", title: "frees", unit: .count, higherIsBetter: false, stability: .reported
    ) { $0.result?.frees.map(Double.init) }
    public static let voluntarySwitchesPerItem = Metric(
        key: "voluntary_switches_per_item", title: "voluntary context switches per item", unit: .count,
        higherIsBetter: false, stability: .reported
    ) { $0.voluntarySwitchesPerItem }
    public static let voluntarySwitches = Metric(
        key: "voluntary_context_switches", title: "voluntary context switches", unit: .count, higherIsBetter: false,
        stability: .reported
    ) { $0.observed.voluntaryContextSwitches.map(Double.init) }
    public static let involuntarySwitches = Metric(
        key: "involuntary_context_switches", title: "involuntary context switches", unit: .count, higherIsBetter: false,
        stability: .reported
    ) { $0.observed.involuntaryContextSwitches.map(Double.init) }
    public static let minorFaults = Metric(
        key: "minor_faults", title: "minor page faults", unit: .count, higherIsBetter: false, stability: .reported
    ) { $0.observed.minorFaults.map(Double.init) }
    public static let majorFaults = Metric(
        key: "major_faults", title: "major page faults", unit: .count, higherIsBetter: false, stability: .reported
    ) { $0.observed.majorFaults.map(Double.init) }
    public static let ioRead = Metric(
        key: "io_read_bytes", title: "bytes read (syscalls)", unit: .bytes, higherIsBetter: false, stability: .reported
    ) { $0.observed.io.map { Double($0.readBytes) } }
    public static let ioWritten = Metric(
        key: "io_written_bytes", title: "bytes written (syscalls)", unit: .bytes, higherIsBetter: false,
        stability: .reported
    ) { $0.observed.io.map { Double($0.writtenBytes) } }
    public static let harnessCpu = Metric(
        key: "harness_cpu_s", title: "harness CPU", unit: .seconds, higherIsBetter: false, stability: .reported
    ) { $0.observed.harnessCpuS }
    public static let peakThreads = Metric(
        key: "peak_threads", title: "peak threads", unit: .count, higherIsBetter: false, stability: .reported
    ) { $0.observed.peakThreads.map(Double.init) }

    /// The counters, in report order.
    public static let counters: [Metric] = [
        allocationsPerItem, allocations, frees, voluntarySwitchesPerItem, voluntarySwitches, involuntarySwitches,
        minorFaults, majorFaults, ioRead, ioWritten, peakThreads, harnessCpu,
    ]

    /// Every fixed metric, in report order (gauge maxima are added per scenario).
    public static let all: [Metric] =
        [
            peakRss, peakRssSampled, peakTreeRss, peakOverFloor, peakAllocated, peakResident, throughputBytes,
            throughputItems, duration, cpu, latencyP50, latencyP99,
        ] + counters

    /// The maximum a scenario's gauge reached in a run (machine-stable: a bounded mechanism sets
    /// it, e.g. a queue's capacity), keyed ``GaugeKey/metricKey`` (`max_queue_depth`). Bytes when
    /// the gauge's name ends in `_bytes`.
    public static func gauge(_ gauge: GaugeKey) -> Metric {
        let name = gauge.name
        return Metric(
            key: gauge.metricKey, title: "max \(name)", unit: name.hasSuffix("_bytes") ? .bytes : .count,
            higherIsBetter: false, stability: .machineStable
        ) { record in record.gaugeMaxima[name].map(Double.init) }
    }

    /// The fixed metrics and the gauge maxima these records carry, gauges sorted by name.
    public static func all(for records: [RunRecord]) -> [Metric] {
        all + GaugeKey.all(in: records.map(\.gaugeMaxima)).map(gauge)
    }

    /// A fixed metric by key, or a gauge maximum by its `max_` key.
    public static func named(_ key: String) -> Metric? {
        all.first(where: { $0.key == key }) ?? GaugeKey(metricKey: key).map(gauge)
    }
}
