import BenchProtocol

/// `results.csv`: one row per scenario × scale × repeat, every raw figure, units in the column
/// names; gauge maxima, scenario metrics and parameters as `max_gauge_*`, `metric_*`, `param_*`.
public struct ResultsCSVExporter: Exporter {
    public let fileName = "results.csv"
    public init() {}

    public func render(_ analysis: RunAnalysis) throws -> String {
        let records = analysis.document.records
        let gauges = Set(records.flatMap { $0.gaugeMaxima.keys }).sorted()
        let metrics = Set(records.flatMap { $0.metrics.keys }).sorted()
        let parameters = Set(records.flatMap { $0.parameters.keys }).sorted()
        var header = [
            "scenario", "scale", "repeat", "status", "status_detail", "items", "bytes", "duration_s", "wall_s",
            "throughput_items_per_s", "throughput_bytes_per_s", "peak_rss_bytes", "peak_rss_sampled_bytes",
            "peak_hwm_bytes",
            "peak_allocated_bytes", "peak_active_bytes", "peak_resident_bytes", "peak_mapped_bytes",
            "peak_retained_bytes",
            "final_allocated_bytes", "latency_p50_us", "latency_p90_us", "latency_p99_us", "latency_max_us",
            "user_cpu_s", "system_cpu_s", "verification_passed", "expected_items", "received_items",
            "killed_at_s", "rss_at_kill_bytes", "exit_code", "signal", "sampler_ticks", "sampler_tick_us",
            "parent_samples",
            "memory_verdict", "peak_bytes_per_input_byte",
            "language", "pattern", "peak_tree_rss_bytes", "peak_largest_process_rss_bytes", "max_processes",
            "rss_at_hello_bytes", "peak_over_floor_bytes",
            "allocations", "frees", "allocations_per_item", "voluntary_context_switches",
            "involuntary_context_switches",
            "minor_faults", "major_faults", "io_read_bytes", "io_written_bytes", "storage_read_bytes",
            "storage_written_bytes", "peak_threads", "harness_cpu_s",
        ]
        header +=
            gauges.map { "max_gauge_\($0)" } + metrics.map { "metric_\($0)" } + parameters.map { "param_\($0)" } + [
                "log_file"
            ]
        var text = CSV.row(header)
        for record in records {
            let verdict = analysis.verdicts[record.scenario]
            var row: [String] = [
                record.scenario, CSV.number(record.scale), String(record.repeatIndex), record.status.rawValue,
                record.statusDetail ?? "",
            ]
            row += [String(record.items), String(record.bytes), CSV.number(record.durationS), CSV.number(record.wallS)]
            row += [CSV.number(record.throughputItemsPerS), CSV.number(record.throughputBytesPerS)]
            row += [String(record.peakRssBytes), String(record.peakRssSampledBytes), String(record.peakHwmBytes)]
            row += [String(record.peaks.allocated), String(record.peaks.active), String(record.peaks.resident)]
            row += [String(record.peaks.mapped), String(record.peaks.retained), String(record.finalAllocatedBytes)]
            let latency = record.latency
            row += [
                CSV.number(latency?.p50Us), CSV.number(latency?.p90Us), CSV.number(latency?.p99Us),
                CSV.number(latency?.maxUs),
            ]
            row += [CSV.number(record.userCpuS), CSV.number(record.systemCpuS)]
            let verification = record.verification
            row += [verification.map { $0.passed ? "true" : "false" } ?? ""]
            row += [
                verification.map { String($0.expectedItems) } ?? "",
                verification.map { String($0.receivedItems) } ?? "",
            ]
            row += [CSV.number(record.killedAtS), record.rssAtKillBytes.map(String.init) ?? ""]
            row += [record.exitCode.map(String.init) ?? "", record.signal.map(String.init) ?? ""]
            row += [String(record.samplerTicks), CSV.number(record.samplerTickUs), String(record.parentSamples)]
            row += [verdict?.kind.rawValue ?? "", CSV.number(verdict?.peakBytesPerInputByte)]
            let traits = analysis.document.rowTraits?[record.scenario]
            row += [traits?.language ?? "", traits?.pattern ?? ""]
            row += [
                record.peakTreeRssBytes.map(String.init) ?? "",
                record.observed.peakLargestProcessRssBytes.map(String.init) ?? "",
                String(record.maxProcesses), record.observed.rssAtHelloBytes.map(String.init) ?? "",
                record.peakOverFloorBytes.map(String.init) ?? "",
            ]
            let observed = record.observed
            row += [
                record.result?.allocations.map(String.init) ?? "", record.result?.frees.map(String.init) ?? "",
                CSV.number(record.allocationsPerItem),
            ]
            row += [
                observed.voluntaryContextSwitches, observed.involuntaryContextSwitches, observed.minorFaults,
                observed.majorFaults,
            ].map { $0.map(String.init) ?? "" }
            row += [
                observed.io?.readBytes, observed.io?.writtenBytes, observed.io?.storageReadBytes,
                observed.io?.storageWrittenBytes, observed.peakThreads,
            ].map { $0.map(String.init) ?? "" }
            row.append(CSV.number(observed.harnessCpuS))
            row += gauges.map { record.gaugeMaxima[$0].map(String.init) ?? "" }
            row += metrics.map { CSV.number(record.metrics[$0]) }
            row += parameters.map { record.parameters[$0] ?? "" }
            row.append(record.logFile)
            text += CSV.row(row)
        }
        return text
    }
}
