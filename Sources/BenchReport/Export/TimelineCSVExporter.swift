import BenchProtocol

/// `timeline.csv`: the merged memory timeline of every recorded repeat (parent /proc RSS and the
/// child's latest jemalloc sample per window), with one column per gauge.
public struct TimelineCSVExporter: Exporter {
    public let fileName = "timeline.csv"
    public init() {}

    public func render(_ analysis: RunAnalysis) throws -> String {
        let records = analysis.document.records
        let gauges = Set(records.flatMap { $0.timeline.flatMap { $0.gauges.keys } }).sorted()
        var text = CSV.row(
            ["scenario", "scale", "repeat", "t_ms", "rss_bytes", "allocated_bytes", "resident_bytes"]
                + gauges.map { "gauge_\($0)" })
        for record in records {
            let prefix = [record.scenario, CSV.number(record.scale), String(record.repeatIndex)]
            for point in record.timeline {
                let values = [
                    CSV.number(point.tMs), String(point.rssBytes), String(point.allocatedBytes),
                    String(point.residentBytes),
                ]
                text += CSV.row(prefix + values + gauges.map { point.gauges[$0].map(String.init) ?? "" })
            }
        }
        return text
    }
}
