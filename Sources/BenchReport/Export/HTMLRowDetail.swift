import BenchModel
import BenchProtocol
import Foundation

/// What report.html shows when one summary row (a row at one scale) is expanded: its repeat's
/// memory over time, its growth across the run's scales, its gauges, every figure with its range,
/// its claims, each repeat's outcome, its parameters and — with `--attribute` — its flame graph.
///
/// The charts are drawn by ``SVGPlot`` (the generator the run's .svg files use) for this one row,
/// inline, so the page needs no other file. Timelines are thinned to ``timelinePoints`` points per
/// series, keeping each bucket's lowest and highest reading: a 10 s repeat sampled every 10 ms is
/// 1,000 points a series, and 100 rows of those made a page of megabytes that took seconds to
/// open; the peak the row is judged on is always one of the points kept.
struct HTMLRowDetail {
    let analysis: RunAnalysis
    let summary: ScenarioSummary

    /// The most points a timeline series keeps (the chart's plot is ~400 px wide).
    static let timelinePoints = 240

    /// The repeat the charts draw: the first ok one at this scale, else the first (a memory-cap
    /// row still shows its climb) — as the run's own charts choose at the largest scale.
    var representative: RunRecord? { summary.records.first { $0.status == .ok } ?? summary.records.first }

    func html() -> String {
        var charts: [String] = []
        if let record = representative {
            charts.append(memoryChart(record))
            if let gauges = gaugeChart(record) { charts.append(gauges) }
        }
        if let growth = growthChart() { charts.append(growth) }
        var html = "<div class=\"charts\">" + charts.joined() + "</div>"
        html += "<div class=\"facts\">"
        html += "<section><h4>Figures (median over ok repeats, min–max)</h4>" + figuresTable() + "</section>"
        html += "<section>" + growthFacts() + claims() + parameters() + "</section>"
        html += "<section><h4>Repeats</h4>" + repeatsTable() + "</section>"
        html += "</div>"
        html += flameGraphs()
        return html
    }

    // MARK: Charts

    func memoryChart(_ record: RunRecord) -> String {
        func series(_ value: (TimelinePoint) -> Double) -> [(x: Double, y: Double)] {
            Self.thin(record.timeline.map { ($0.tMs / 1000, value($0)) }, limit: Self.timelinePoints)
        }
        var lines: [SVGPlot.Series] = [
            .init(name: "RSS", color: SVGPlot.palette[0], points: series { Double($0.rssBytes) })
        ]
        if record.timeline.contains(where: { $0.allocatedBytes > 0 }) {
            lines.append(
                .init(
                    name: "allocated", color: SVGPlot.palette[3], dashed: true,
                    points: series { Double($0.allocatedBytes) }))
        }
        if record.timeline.contains(where: { $0.treeRssBytes != nil }) {
            lines.append(
                .init(
                    name: "tree RSS", color: SVGPlot.palette[2], dashed: true,
                    points: series { Double($0.treeRssBytes ?? $0.rssBytes) }))
        }
        let title =
            "Memory over time: repeat \(record.repeatIndex) (\(record.status.rawValue), peak \(Format.bytes(Double(record.peakMemoryBytes))))"
        return SVGPlot.lines(
            title: title, series: lines, xLabel: "time since start (s)", yLabel: "memory", yUnit: 1_048_576,
            yFormat: Format.bytes, width: 620, height: 260)
    }

    /// Each gauge as a share of its own maximum (depths and bytes share no unit); nil without gauges.
    func gaugeChart(_ record: RunRecord) -> String? {
        var lines: [SVGPlot.Series] = []
        for name in Set(record.timeline.flatMap { $0.gauges.keys }).sorted() {
            let values = record.timeline.map { Double($0.gauges[name] ?? 0) }
            guard let peak = values.max(), peak > 0 else { continue }
            let peakText = name.hasSuffix("bytes") ? Format.bytes(peak) : Format.count(peak)
            let points = Self.thin(
                zip(record.timeline, values).map { ($0.tMs / 1000, $1 / peak * 100) }, limit: Self.timelinePoints)
            lines.append(
                .init(
                    name: "\(name) (max \(peakText))", color: SVGPlot.palette[lines.count % SVGPlot.palette.count],
                    points: points))
        }
        guard !lines.isEmpty else { return nil }
        return SVGPlot.lines(
            title: "Gauges over time (% of each one's maximum)", series: lines, xLabel: "time since start (s)",
            yLabel: "% of maximum", yFormat: { String(format: "%.0f%%", $0) }, width: 620, height: 260)
    }

    /// Peak against input across the row's scales, as growth.svg draws each panel; nil with one scale.
    func growthChart() -> String? {
        let summaries = analysis.summaries.byScale(summary.scenario)
        guard summaries.count > 1 else { return nil }
        // The heap when the row has one, else RSS: the figure the verdict judges.
        let metric: Metric = summaries.contains { $0.median(.peakAllocated) != nil } ? .peakAllocated : .peakRss
        var dots: [(x: Double, y: Double)] = []
        var medians: [(x: Double, y: Double)] = []
        for each in summaries {
            for record in each.records where record.status.isMeasurement {
                if let value = metric.value(record) { dots.append((Double(record.bytes) / 1_048_576, value)) }
            }
            if let input = each.inputBytes, let median = each.median(metric) {
                medians.append((input / 1_048_576, median))
            }
        }
        guard !medians.isEmpty else { return nil }
        let verdict = analysis.verdicts[summary.scenario]?.kind.rawValue ?? "no verdict"
        return SVGPlot.lines(
            title: "\(metric.title) against input: \(verdict)",
            series: [
                .init(name: "median", color: SVGPlot.palette[0], points: medians),
                .init(name: "each repeat", color: SVGPlot.palette[1], points: dots, dots: true),
            ],
            xLabel: "input (MiB)", yLabel: "peak", yUnit: 1_048_576, yFormat: Format.bytes, width: 560, height: 260)
    }

    /// At most `limit` points: the series cut into `limit / 2` buckets, each keeping its lowest
    /// and highest point in time order, so peaks and troughs survive (every n-th point would drop
    /// a short peak).
    static func thin(_ points: [(x: Double, y: Double)], limit: Int) -> [(x: Double, y: Double)] {
        guard points.count > limit, limit >= 2 else { return points }
        let buckets = limit / 2
        var kept: [(x: Double, y: Double)] = []
        kept.reserveCapacity(limit)
        for bucket in 0..<buckets {
            let range = (bucket * points.count / buckets)..<((bucket + 1) * points.count / buckets)
            guard !range.isEmpty else { continue }
            let low = range.min { points[$0].y < points[$1].y }!
            let high = range.max { points[$0].y < points[$1].y }!
            for index in Set([low, high]).sorted() { kept.append(points[index]) }
        }
        return kept
    }

    // MARK: Facts

    func figuresTable() -> String {
        var rows = ""
        for metric in summary.metrics {
            guard let spread = summary.spreads[metric.key] else { continue }
            rows +=
                "<tr><th>\(HTMLPage.escape(metric.title))</th><td class=\"n\">\(HTMLPage.escape(Format.spread(spread, unit: metric.unit)))</td></tr>"
        }
        let sampler = MarkdownExporter.samplerCell(summary)
        if sampler != "—" {
            rows +=
                "<tr><th>in-child sampler: ticks · CPU share</th><td class=\"n\">\(HTMLPage.escape(sampler))</td></tr>"
        }
        guard !rows.isEmpty else { return "<p class=\"muted\">no ok repeat: no figures</p>" }
        return "<table class=\"kv\">" + rows + "</table>"
    }

    func growthFacts() -> String {
        guard let verdict = analysis.verdicts[summary.scenario] else { return "" }
        var html = "<h4>Memory growth</h4><p><strong>\(HTMLPage.escape(verdict.kind.rawValue))</strong>"
        if let perItem = verdict.peakBytesPerItem { html += " · \(HTMLPage.escape(Format.bytes(perItem))) per item" }
        if let perSecond = verdict.peakBytesPerSecond { html += " · \(HTMLPage.escape(Format.bytes(perSecond)))/s" }
        if let share = verdict.peakBytesPerInputByte { html += " · " + String(format: "%.3f", share) + " × input" }
        if let p = verdict.pValue { html += " · p = " + String(format: "%.3g", p) }
        if !verdict.explanation.isEmpty {
            html += "<br><span class=\"muted\">\(HTMLPage.escape(verdict.explanation))</span>"
        }
        return html + "</p>"
    }

    func claims() -> String {
        let outcomes = analysis.claims.filter { $0.scenario == summary.scenario }
        guard !outcomes.isEmpty else { return "" }
        var html = "<h4>Seed claims (judged at the largest scale)</h4><ul>"
        for outcome in outcomes {
            let css = outcome.result.rawValue.replacingOccurrences(of: " ", with: "-")
            html +=
                "<li><span class=\"\(css)\">\(HTMLPage.escape(outcome.result.rawValue))</span>: \(HTMLPage.escape(outcome.claim.text)) "
                + "<span class=\"muted\">(<code>\(HTMLPage.escape(outcome.claim.seed))</code>; measured \(HTMLPage.escape(outcome.measured)))</span></li>"
        }
        return html + "</ul>"
    }

    func parameters() -> String {
        guard let parameters = summary.records.first?.parameters, !parameters.isEmpty else { return "" }
        let text = parameters.keys.sorted().map { "\($0)=\(parameters[$0]!)" }.joined(separator: " ")
        return "<h4>Parameters</h4><p><code>\(HTMLPage.escape(text))</code></p>"
    }

    func repeatsTable() -> String {
        var html =
            "<table class=\"kv\"><tr><th>repeat</th><th>status</th><th>peak memory</th><th>peak allocated</th><th>throughput</th><th>log</th></tr>"
        for record in summary.records {
            let status = record.status.rawValue + (record.statusDetail.map { ": " + $0 } ?? "")
            let allocated = Metric.peakAllocated.value(record).map { Format.bytes($0) } ?? "—"
            let throughput =
                record.throughputBytesPerS > 0
                ? Format.value(record.throughputBytesPerS, unit: .bytesPerSecond)
                : record.throughputItemsPerS > 0 ? Format.value(record.throughputItemsPerS, unit: .itemsPerSecond) : "—"
            let log = (record.logFile as NSString).lastPathComponent
            html +=
                "<tr><td class=\"n\">\(record.repeatIndex)</td><td\(record.status == .ok ? "" : " class=\"bad\"")>\(HTMLPage.escape(status))</td>"
                + "<td class=\"n\">\(HTMLPage.escape(Format.bytes(Double(record.peakMemoryBytes))))</td><td class=\"n\">\(HTMLPage.escape(allocated))</td>"
                + "<td class=\"n\">\(HTMLPage.escape(throughput))</td>"
                + "<td><a href=\"logs/\(HTMLPage.escape(log))\">\(HTMLPage.escape(log))</a></td></tr>"
        }
        return html + "</table>"
    }

    /// The row's flame graph at this scale (`--attribute`), inline, with a link to its file.
    func flameGraphs() -> String {
        let attributions = (analysis.document.attributions ?? []).filter {
            $0.row == summary.scenario && $0.scale == summary.scale
        }
        var html = ""
        for attribution in attributions {
            let file = FlameGraphExporter.fileName(for: attribution.row)
            guard let svg = try? FlameGraphExporter(attribution: attribution).render(analysis) else { continue }
            html +=
                "<section class=\"flame\"><h4>Where the peak heap is (repeat \(attribution.repeatIndex)) — "
                + "<a href=\"\(HTMLPage.escape(file))\">\(HTMLPage.escape(file))</a></h4>" + svg + "</section>"
        }
        return html
    }
}
