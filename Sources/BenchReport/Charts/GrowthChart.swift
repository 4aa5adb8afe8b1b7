import BenchProtocol

/// growth.svg: peak memory against input size, one panel per row — every ok repeat as a dot at
/// its input, the medians joined by a line, and the growth verdict in the title. A bounded
/// strategy is a flat line at any scale of its own axis; a leak climbs.
public struct GrowthChart: ChartExporter {
    public let fileName = "growth.svg"
    public let title = "Peak memory against input size (dots: repeats; line: medians; the verdict in each title)"
    public init() {}

    public func render(_ analysis: RunAnalysis) throws -> String {
        var panels: [(title: String, series: [SVGPlot.Series])] = []
        for row in analysis.scenarios {
            let summaries = analysis.summaries.byScale(row)
            guard summaries.count > 1 else { continue }
            // The heap when the row has one, else RSS (the figure the verdict judges).
            let metric: Metric = summaries.contains { $0.median(.peakAllocated) != nil } ? .peakAllocated : .peakRss
            var dots: [(x: Double, y: Double)] = []
            var medians: [(x: Double, y: Double)] = []
            for summary in summaries {
                for record in summary.records where record.status.isMeasurement {
                    if let value = metric.value(record) { dots.append((Double(record.bytes) / 1_048_576, value)) }
                }
                if let input = summary.inputBytes, let median = summary.median(metric) {
                    medians.append((input / 1_048_576, median))
                }
            }
            guard !medians.isEmpty else { continue }
            let verdict = analysis.verdicts[row]?.kind.rawValue ?? "no verdict"
            panels.append(
                (
                    "\(row): \(verdict)",
                    [
                        .init(name: "\(metric.title), median", color: SVGPlot.palette[0], points: medians),
                        .init(name: "each repeat", color: SVGPlot.palette[1], points: dots, dots: true),
                    ]
                ))
        }
        guard !panels.isEmpty else {
            return SVGPlot.lines(
                title: "Peak memory against input size: needs a run with two scales or more (--scale 1,4)", series: [],
                xLabel: "input (MiB)", yLabel: "peak", yUnit: 1_048_576, yFormat: Format.bytes)
        }
        return SVGPlot.panels(
            title: title, panels: panels, xLabel: "input (MiB)", yLabel: "peak", yUnit: 1_048_576, yFormat: Format.bytes
        )
    }
}
