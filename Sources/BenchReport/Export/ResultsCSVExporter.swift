import BenchModel
import BenchProtocol

/// `results.csv`: one row per scenario × scale × repeat, every raw figure, units in the column
/// names; gauge maxima, scenario metrics and parameters as `max_gauge_*`, `metric_*`, `param_*`.
///
/// Header and rows come from one table (``columns(for:)``): a column is its name and how a row
/// fills it, so one cannot be added to the header and not to the rows.
public struct ResultsCSVExporter: Exporter {
    public let fileName = "results.csv"
    public init() {}

    /// One column: its header and its field for a record of `analysis`.
    public struct Column: Sendable {
        public let header: String
        public let field: @Sendable (RunRecord, RunAnalysis) -> String

        init(_ header: String, _ field: @escaping @Sendable (RunRecord, RunAnalysis) -> String) {
            self.header = header
            self.field = field
        }

        /// A column that reads the record alone.
        init(_ header: String, record field: @escaping @Sendable (RunRecord) -> String) {
            self.init(header) { record, _ in field(record) }
        }
    }

    public func render(_ analysis: RunAnalysis) throws -> String {
        let records = analysis.document.records
        let columns = Self.columns(for: records)
        var text = CSV.row(columns.map(\.header))
        for record in records { text += CSV.row(columns.map { $0.field(record, analysis) }) }
        return text
    }

    /// The fixed columns, then one per gauge, scenario metric and parameter these records carry
    /// (each sorted by name), then the log file.
    public static func columns(for records: [RunRecord]) -> [Column] {
        let gauges = GaugeKey.all(in: records.map(\.gaugeMaxima))
        let metrics = Set(records.flatMap { $0.metrics.keys }).sorted()
        let parameters = Set(records.flatMap { $0.parameters.keys }).sorted()
        return fixedColumns
            + gauges.map { gauge in
                Column(gauge.resultsColumn) { record in integer(record.gaugeMaxima[gauge.name]) }
            }
            + metrics.map { name in Column("metric_" + name) { record in CSV.number(record.metrics[name]) } }
            + parameters.map { name in Column("param_" + name) { record in record.parameters[name] ?? "" } }
            + [Column("log_file") { record in record.logFile }]
    }

    static func integer<Number: BinaryInteger>(_ value: Number?) -> String { value.map { String($0) } ?? "" }

    /// The columns every run has, in file order.
    static let fixedColumns: [Column] = [
        Column("scenario") { record in record.scenario.description },
        Column("scale") { record in CSV.number(record.scale) },
        Column("repeat") { record in String(record.repeatIndex) },
        Column("status") { record in record.status.rawValue },
        Column("status_detail") { record in record.statusDetail ?? "" },
        Column("items") { record in String(record.items) },
        Column("bytes") { record in String(record.bytes) },
        Column("duration_s") { record in CSV.number(record.durationS) },
        Column("wall_s") { record in CSV.number(record.observed.wallS) },
        Column("throughput_items_per_s") { record in CSV.number(record.throughputItemsPerS) },
        Column("throughput_bytes_per_s") { record in CSV.number(record.throughputBytesPerS) },
        Column("peak_rss_bytes") { record in String(record.observed.peakRssBytes) },
        Column("peak_rss_sampled_bytes") { record in String(record.observed.peakRssSampledBytes) },
        Column("peak_hwm_bytes") { record in String(record.observed.peakHwmBytes) },
        Column("peak_allocated_bytes") { record in String(record.peaks.allocated) },
        Column("peak_active_bytes") { record in String(record.peaks.active) },
        Column("peak_resident_bytes") { record in String(record.peaks.resident) },
        Column("peak_mapped_bytes") { record in String(record.peaks.mapped) },
        Column("peak_retained_bytes") { record in String(record.peaks.retained) },
        Column("final_allocated_bytes") { record in String(record.finalAllocatedBytes) },
        Column("latency_p50_us") { record in CSV.number(record.result?.latency?.p50Us) },
        Column("latency_p90_us") { record in CSV.number(record.result?.latency?.p90Us) },
        Column("latency_p99_us") { record in CSV.number(record.result?.latency?.p99Us) },
        Column("latency_max_us") { record in CSV.number(record.result?.latency?.maxUs) },
        Column("user_cpu_s") { record in CSV.number(record.observed.userCpuS) },
        Column("system_cpu_s") { record in CSV.number(record.observed.systemCpuS) },
        Column("verification_passed") { record in
            record.result?.verification.map { $0.passed ? "true" : "false" } ?? ""
        },
        Column("expected_items") { record in integer(record.result?.verification?.expectedItems) },
        Column("received_items") { record in integer(record.result?.verification?.receivedItems) },
        Column("killed_at_s") { record in CSV.number(record.observed.killedAtS) },
        Column("rss_at_kill_bytes") { record in integer(record.observed.rssAtKillBytes) },
        Column("exit_code") { record in integer(record.observed.exitCode) },
        Column("signal") { record in integer(record.observed.signal) },
        Column("sampler_ticks") { record in String(record.samplerTicks) },
        Column("sampler_tick_us") { record in CSV.number(record.samplerTickUs) },
        Column("parent_samples") { record in String(record.observed.parentSamples) },
        Column("memory_verdict") { record, analysis in analysis.verdicts[record.scenario]?.kind.rawValue ?? "" },
        Column("peak_bytes_per_input_byte") { record, analysis in
            CSV.number(analysis.verdicts[record.scenario]?.peakBytesPerInputByte)
        },
        Column("language") { record, analysis in analysis.document.traits(of: record.scenario)?.language ?? "" },
        Column("pattern") { record, analysis in analysis.document.traits(of: record.scenario)?.pattern ?? "" },
        Column("peak_tree_rss_bytes") { record in integer(record.observed.peakTreeRssBytes) },
        Column("peak_largest_process_rss_bytes") { record in integer(record.observed.peakLargestProcessRssBytes) },
        Column("max_processes") { record in String(record.maxProcesses) },
        Column("rss_at_hello_bytes") { record in integer(record.observed.rssAtHelloBytes) },
        Column("peak_over_floor_bytes") { record in integer(record.peakOverFloorBytes) },
        Column("allocations") { record in integer(record.result?.allocations) },
        Column("frees") { record in integer(record.result?.frees) },
        Column("allocations_per_item") { record in CSV.number(record.allocationsPerItem) },
        Column("voluntary_context_switches") { record in integer(record.observed.voluntaryContextSwitches) },
        Column("involuntary_context_switches") { record in integer(record.observed.involuntaryContextSwitches) },
        Column("minor_faults") { record in integer(record.observed.minorFaults) },
        Column("major_faults") { record in integer(record.observed.majorFaults) },
        Column("io_read_bytes") { record in integer(record.observed.io?.readBytes) },
        Column("io_written_bytes") { record in integer(record.observed.io?.writtenBytes) },
        Column("storage_read_bytes") { record in integer(record.observed.io?.storageReadBytes) },
        Column("storage_written_bytes") { record in integer(record.observed.io?.storageWrittenBytes) },
        Column("peak_threads") { record in integer(record.observed.peakThreads) },
        Column("harness_cpu_s") { record in CSV.number(record.observed.harnessCpuS) },
    ]
}
