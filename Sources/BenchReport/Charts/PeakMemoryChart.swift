import BenchProtocol

/// peaks.svg: peak RSS and peak allocated per row (medians, largest scale), one horizontal line
/// per row sorted by peak RSS, largest first. Vertical bars side by side overlapped their labels
/// at 34 rows; one line per row grows the chart instead. The axis turns logarithmic when the
/// sizes span more than two decades, so a 3 MiB bounded heap is not a zero-width bar beside an
/// unbounded one's gigabyte.
public struct PeakMemoryChart: ChartExporter {
    public let fileName = "peaks.svg"
    public let title = "Peak memory per row, largest first (median, largest input)"
    public init() {}

    public func render(_ analysis: RunAnalysis) throws -> String {
        // A row with no ok repeat still shows, with its failed repeats' highest figure (a
        // memory-cap row is exactly the one to see).
        func value(_ summary: ScenarioSummary, _ metric: Metric) -> Double? {
            summary.median(metric) ?? summary.records.compactMap { metric.value($0) }.max()
        }
        let rows = analysis.scenarios.compactMap { analysis.largest($0) }
            .map {
                (
                    label: "\($0.scenario) \(Format.scale($0.scale))",
                    rss: value($0, .peakTreeRss) ?? value($0, .peakRss), heap: value($0, .peakAllocated)
                )
            }
            .sorted { ($0.rss ?? 0, $1.label) > ($1.rss ?? 0, $0.label) }
        return SVGPlot.horizontalBars(
            title: title, labels: rows.map(\.label),
            series: [
                ("peak RSS (kernel; a process tree's total)", SVGPlot.palette[0], rows.map(\.rss)),
                ("peak allocated (jemalloc; V8 live heap for Node)", SVGPlot.palette[3], rows.map(\.heap)),
            ],
            unit: 1_048_576, format: Format.bytes)
    }
}
