import BenchProtocol

/// memory.svg: memory over time as small multiples — one panel per row, each with its own axis,
/// RSS (solid, from /proc; the process tree's total dotted-dashed when the row started processes)
/// and the heap (dashed: jemalloc allocated, or the runtime's figure for another language). One
/// shared axis made every bounded strategy a flat line under ignored-drain's 700 MiB.
public struct MemoryTimelineChart: ChartExporter {
    public let fileName = "memory.svg"
    public let title = "Memory over time, one panel per row, each on its own axis (RSS solid, heap dashed)"
    public init() {}

    public func render(_ analysis: RunAnalysis) throws -> String {
        let panels = analysis.representativeRecords().map { record -> (title: String, series: [SVGPlot.Series]) in
            var series: [SVGPlot.Series] = [
                .init(
                    name: "RSS", color: SVGPlot.palette[0],
                    points: record.timeline.map { ($0.tMs / 1000, Double($0.rssBytes)) }),
                .init(
                    name: "allocated", color: SVGPlot.palette[3], dashed: true,
                    points: record.timeline.map { ($0.tMs / 1000, Double($0.allocatedBytes)) }),
            ]
            if record.timeline.contains(where: { $0.treeRssBytes != nil }) {
                series.append(
                    .init(
                        name: "tree RSS", color: SVGPlot.palette[2], dashed: true,
                        points: record.timeline.map { ($0.tMs / 1000, Double($0.treeRssBytes ?? $0.rssBytes)) }))
            }
            let title =
                "\(record.scenario) \(Format.scale(record.scale)) (\(record.status.rawValue), peak \(Format.bytes(Double(record.peakMemoryBytes))))"
            return (title, series)
        }
        return SVGPlot.panels(
            title: title, panels: panels, xLabel: "time since start (s)", yLabel: "memory", yUnit: 1_048_576,
            yFormat: Format.bytes)
    }
}
