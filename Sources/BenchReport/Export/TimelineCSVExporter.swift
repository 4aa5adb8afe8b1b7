import BenchModel
import BenchProtocol

/// `timeline.csv`: the merged memory timeline of every recorded repeat (parent /proc RSS and the
/// child's latest jemalloc sample per window), with one column per gauge.
public struct TimelineCSVExporter: Exporter {
    public let fileName = "timeline.csv"
    public init() {}

    public func render(_ analysis: RunAnalysis) throws -> String {
        let records = analysis.document.records
        let gauges = GaugeKey.all(in: records.flatMap { $0.timeline.map(\.gauges) })
        var text = CSV.row(
            ["scenario", "scale", "repeat", "t_ms", "rss_bytes", "allocated_bytes", "resident_bytes"]
                + gauges.map(\.timelineColumn))
        for record in records {
            let prefix = [record.scenario.description, CSV.number(record.scale), String(record.repeatIndex)]
            for point in record.timeline {
                let values = [
                    CSV.number(point.tMs), String(point.rssBytes), String(point.allocatedBytes),
                    String(point.residentBytes),
                ]
                text += CSV.row(prefix + values + gauges.map { point.gauges[$0.name].map(String.init) ?? "" })
            }
        }
        return text
    }
}
