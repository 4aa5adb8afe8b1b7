import BenchModel
import BenchProtocol
import Foundation

/// `report.html`: the run as one self-contained page to look at — the strategies side by side per
/// pattern family first (``FamilyComparison``'s figures), then every row × scale in a table that
/// sorts by any column and filters by text, scenario, language, verdict and status, each line
/// expandable to its charts, figures, claims, repeats and flame graph (``HTMLRowDetail``), and the
/// environment and plan last.
///
/// Self-contained on purpose: inline CSS, a few dozen lines of vanilla script and inline SVG from
/// the charts' own generator, no network and no library, so it opens from a CI artifact or a
/// laptop's disk as it is. Everything is HTML rendered here, not built by script in the browser;
/// each row's details (three charts and four tables) wait as text in their hidden table row
/// (``HTMLPage/later(_:)``) until opened: parsed up front they were most of the load — 114 lines
/// of a real run opened in 370–460 ms, deferred in 190–230 ms (same 2.2 MB page, headless
/// Chromium, this 2-core machine). Every string from the run goes through ``HTMLPage/escape(_:)``.
public struct HTMLReportExporter: Exporter {
    public let fileName = "report.html"

    public init() {}

    /// The summary table's columns (title, sort kind, tooltip), in order.
    static let columns: [(title: String, sort: String?, tip: String?)] = [
        ("row", "text", "scenario, or scenario/variant; ▸ opens its details"),
        ("scale", "number", nil), ("input", "number", "input moved, median over ok repeats"),
        ("language", "text", nil), ("status", "text", "ok, or the worst status among the repeats"),
        ("repeats", "number", nil),
        ("peak RSS", "number", "the kernel's peak (a process tree's total for a row that started processes)"),
        ("peak allocated", "number", "jemalloc's live heap (V8's for Node)"),
        ("throughput", "number", "bytes/s"), ("items/s", "number", nil),
        ("latency p50", "number", nil), ("latency p99", "number", nil),
        ("verdict", "text", "memory growth across the run's scales"),
        ("RSS ÷ ref", "number", "peak RSS ÷ the reference row's, same scale, same run"),
        ("throughput ÷ ref", "number", "throughput ÷ the reference row's, same scale, same run"),
    ]

    public func render(_ analysis: RunAnalysis) throws -> String {
        let document = analysis.document
        var body = "<h1>BackpressureBench report</h1>"
        body +=
            "<p class=\"lead\">Profile <strong>\(HTMLPage.escape(document.profile))</strong>, \(HTMLPage.escape(MarkdownExporter.repeatsText(document))), "
            + "scales \(HTMLPage.escape(document.scales.map(Format.scale).joined(separator: ", "))), commit <code>\(HTMLPage.escape(document.environment.gitCommit))</code>; "
            + "started \(HTMLPage.escape(document.startedAt)), finished \(HTMLPage.escape(document.finishedAt)). "
            + "Figures are medians over the <code>ok</code> repeats; a repeat that failed never counts as fast, it shows only in <em>status</em>. "
            + "The same figures as text: <a href=\"report.md\">report.md</a>; raw: <a href=\"results.csv\">results.csv</a>, <a href=\"run.json\">run.json</a>.</p>"
        if document.recoveredFromJournal == true {
            body +=
                "<p class=\"banner\"><strong>Recovered from the journal</strong>: the harness stopped before it wrote run.json; these are the \(document.records.count) repeats that had finished.</p>"
        } else if document.interrupted {
            body +=
                "<p class=\"banner\"><strong>Interrupted</strong>: this run was stopped before it finished; the rows are the repeats that completed.</p>"
        }
        body += familySection(analysis)
        body += summarySection(analysis)
        body += environmentSection(document)
        return HTMLPage.page(title: "BackpressureBench report — \(document.profile), \(document.startedAt)", body: body)
    }

    // MARK: Families

    func familySection(_ analysis: RunAnalysis) -> String {
        let groups = FamilyComparison.groups(analysis)
        guard !groups.isEmpty else { return "" }
        var html =
            "<section id=\"families\"><h2>Strategies side by side, by pattern family</h2>"
            + "<p class=\"note\">Each strategy at the largest input it ran; ratios are to the family's reference row at the same scale, measured in this run "
            + "(read them, not the absolute times: the machine is shared). <em>Heap</em> is the peak allocated (jemalloc's live heap; V8's for a Node row), "
            + "with its share of the input where there is one; <em>peak RSS</em> the kernel's (a process tree's total for a row that started processes).</p>"
        for group in groups {
            html +=
                "<h3>\(HTMLPage.escape(group.family.prefix(1).uppercased() + group.family.dropFirst()))</h3><div class=\"scroll\"><table class=\"family\">"
                + "<thead><tr><th>strategy</th><th>input</th><th>heap</th><th>peak RSS</th><th>throughput</th><th>growth</th>"
                + "<th>vs <code>\(HTMLPage.escape(group.reference))</code>: heap / RSS / throughput</th></tr></thead><tbody>"
            for entry in group.entries {
                var strategy = "<code>\(HTMLPage.escape(entry.row))</code>"
                if entry.status != .ok {
                    strategy += " <span class=\"bad\">(\(HTMLPage.escape(entry.status.rawValue)))</span>"
                }
                let input =
                    entry.inputBytes.map { "\(Format.scale(entry.scale)) · \(Format.bytes($0))" }
                    ?? Format.scale(entry.scale)
                var heap = "—"
                if let bytes = entry.peakAllocatedBytes {
                    heap =
                        entry.heapShareOfInput.map { "\(FamilyComparison.share($0)) × input (\(Format.bytes(bytes)))" }
                        ?? Format.bytes(bytes)
                }
                let throughput =
                    entry.throughputBytesPerS.map { Format.value($0, unit: .bytesPerSecond) }
                    ?? entry.throughputItemsPerS.map { Format.value($0, unit: .itemsPerSecond) + " items" } ?? "—"
                let versus =
                    entry.row == group.reference
                    ? "reference"
                    : [entry.heapRatio, entry.rssRatio, entry.throughputRatio].map { $0.map(Format.ratio) ?? "—" }
                        .joined(separator: " / ")
                html +=
                    "<tr><td>\(strategy)</td><td class=\"n\">\(HTMLPage.escape(input))</td><td class=\"n\">\(HTMLPage.escape(heap))</td>"
                    + "<td class=\"n\">\(HTMLPage.escape(entry.peakMemoryBytes.map { Format.bytes($0) } ?? "—"))</td><td class=\"n\">\(HTMLPage.escape(throughput))</td>"
                    + "<td>\(HTMLPage.escape(entry.verdict.rawValue))</td><td class=\"n\">\(HTMLPage.escape(versus))</td></tr>"
            }
            html += "</tbody></table></div>"
        }
        return html + "</section>"
    }

    // MARK: Summary

    func summarySection(_ analysis: RunAnalysis) -> String {
        let document = analysis.document
        func language(_ row: RowID) -> String {
            let traits = document.traits(of: row) ?? document.traits(of: row.onJemalloc)
            return traits?.language ?? ""
        }
        let summaries = analysis.summaries
        let scenarios = Array(
            Set(summaries.map(\.scenario.scenario))
        ).sorted()
        let languages = Array(Set(summaries.map { language($0.scenario) }.filter { !$0.isEmpty })).sorted()
        let verdicts = Array(Set(summaries.map { analysis.verdicts[$0.scenario]?.kind.rawValue ?? "n/a" })).sorted()
        let statuses = Array(Set(summaries.map(\.status.rawValue))).sorted()
        var html =
            "<section id=\"summary-section\"><h2>Summary: every row at every scale</h2>"
            + "<p class=\"note\">Click a column's header to sort (again to reverse); ▸ opens a row's memory over time, growth, gauges, figures, claims, repeats and flame graph. "
            + "Medians over ok repeats; the figures' ranges are in each row's details.\(analysis.reference.map { " Ratios are to <code>\(HTMLPage.escape($0))</code> at the same scale." } ?? "")</p>"
        html +=
            "<div class=\"filters\" data-filters=\"summary\"><label>find <input type=\"search\" data-field=\"search\" placeholder=\"row, status, verdict…\"></label>"
        html += HTMLPage.select(field: "scenario", label: "scenario", values: scenarios)
        html += HTMLPage.select(field: "language", label: "language", values: languages)
        html += HTMLPage.select(field: "verdict", label: "verdict", values: verdicts)
        html += HTMLPage.select(field: "status", label: "status", values: statuses)
        html += "<span class=\"count\"></span></div>"
        html += "<div class=\"scroll\"><table id=\"summary\" class=\"sortable\"><thead><tr>"
        html += Self.columns.map { HTMLPage.header($0.title, sort: $0.sort, tip: $0.tip) }.joined()
        html += "</tr></thead><tbody>"
        for (index, summary) in summaries.enumerated() {
            let row = summary.scenario
            let verdict = analysis.verdicts[row]?.kind.rawValue ?? "n/a"
            let scenario = row.scenario
            let lang = language(row)
            let search = [row.description, lang, summary.status.rawValue, verdict].joined(separator: " ")
            let status =
                summary.statuses.count == 1
                ? summary.status.rawValue
                : summary.statusesByName.map { "\($0.status.rawValue) ×\($0.count)" }.joined(separator: ", ")
            // The figure as the markdown summary shows it: a process tree's total for a row that started processes.
            let peak = summary.median(.peakTreeRss) ?? summary.median(.peakRss)
            let throughput = summary.median(.throughputBytes).flatMap { $0 > 0 ? $0 : nil }
            var cells =
                "<td data-v=\"\(HTMLPage.escape(row))\"><button class=\"toggle\" type=\"button\" aria-expanded=\"false\" aria-label=\"details of \(HTMLPage.escape(row)) \(Format.scale(summary.scale))\">▸</button> <code>\(HTMLPage.escape(row))</code></td>"
            cells += HTMLPage.numberCell(Format.scale(summary.scale), summary.scale)
            cells += HTMLPage.numberCell(
                summary.inputBytes.flatMap { $0 > 0 ? Format.bytes($0) : nil } ?? "—",
                summary.inputBytes.flatMap { $0 > 0 ? $0 : nil })
            cells += "<td data-v=\"\(HTMLPage.escape(lang))\">\(HTMLPage.escape(lang.isEmpty ? "—" : lang))</td>"
            cells +=
                "<td data-v=\"\(HTMLPage.escape(summary.status.rawValue))\"\(summary.status == .ok ? "" : " class=\"bad\"")>\(HTMLPage.escape(status))</td>"
            cells += HTMLPage.numberCell(String(summary.records.count), Double(summary.records.count))
            cells += HTMLPage.numberCell(peak.map { Format.bytes($0) } ?? "—", peak)
            cells += HTMLPage.numberCell(
                summary.median(.peakAllocated).map { Format.bytes($0) } ?? "—", summary.median(.peakAllocated))
            cells += HTMLPage.numberCell(throughput.map { Format.value($0, unit: .bytesPerSecond) } ?? "—", throughput)
            cells += HTMLPage.numberCell(
                summary.median(.throughputItems).map { Format.value($0, unit: .itemsPerSecond) } ?? "—",
                summary.median(.throughputItems))
            cells += HTMLPage.numberCell(
                summary.median(.latencyP50).map { Format.value($0, unit: .microseconds) } ?? "—",
                summary.median(.latencyP50))
            cells += HTMLPage.numberCell(
                summary.median(.latencyP99).map { Format.value($0, unit: .microseconds) } ?? "—",
                summary.median(.latencyP99))
            cells += "<td data-v=\"\(HTMLPage.escape(verdict))\">\(HTMLPage.escape(verdict))</td>"
            let isReference = row == analysis.reference
            let memory = analysis.ratioToReference(summary, .peakRss)
            let speed = analysis.ratioToReference(summary, .throughputBytes)
            cells += HTMLPage.numberCell(isReference ? "reference" : memory.map(Format.ratio) ?? "—", memory)
            cells += HTMLPage.numberCell(isReference ? "reference" : speed.map(Format.ratio) ?? "—", speed)
            html +=
                "<tr class=\"row\" id=\"row-\(index)\" data-row=\"\(HTMLPage.escape(row))\" data-scale=\"\(summary.scale)\" data-search=\"\(HTMLPage.escape(search))\" "
                + "data-scenario=\"\(HTMLPage.escape(scenario))\" data-language=\"\(HTMLPage.escape(lang))\" data-verdict=\"\(HTMLPage.escape(verdict))\" "
                + "data-status=\"\(HTMLPage.escape(summary.status.rawValue))\">\(cells)</tr>"
            html +=
                "<tr class=\"detail\" data-detail-of=\"\(HTMLPage.escape(row)) \(summary.scale)\" hidden><td colspan=\"\(Self.columns.count)\">"
                + HTMLPage.later(HTMLRowDetail(analysis: analysis, summary: summary).html()) + "</td></tr>"
        }
        html += "</tbody></table></div></section>"
        return html
    }

    // MARK: Environment and plan

    func environmentSection(_ document: RunDocument) -> String {
        let environment = document.environment
        let facts: [(String, String)] = [
            (
                "host",
                "\(environment.hostname): \(environment.cpu) (\(environment.cores) cores), \(Format.bytes(Double(environment.memoryBytes))) RAM"
            ),
            ("os", "\(environment.os), kernel \(environment.kernel)"),
            ("swift", environment.swiftVersion),
            ("jemalloc", environment.jemallocVersion),
            (
                "malloc",
                environment.mallocConf + (environment.mallocConfEnvironment.map { " (MALLOC_CONF=\($0))" } ?? "")
            ),
            ("commit", environment.gitCommit),
        ]
        var plan: [(String, String)] = [
            ("profile", document.profile),
            ("repeats", MarkdownExporter.repeatsText(document) + ", \(document.warmups) warm-up"),
            ("scales", document.scales.map(Format.scale).joined(separator: ", ")),
            ("sampling", "every \(CSV.number(document.sampleIntervalMs)) ms"),
            (
                "limits",
                "memory cap \(Format.bytes(Double(document.memoryCapBytes))), timeout \(CSV.number(document.timeoutS)) s"
            ),
            ("reference", document.reference?.description ?? "none"),
            ("run", "\(document.startedAt) → \(document.finishedAt)\(document.interrupted ? " (interrupted)" : "")"),
        ]
        if let injected = document.injected, !injected.isEmpty {
            plan.append(
                (
                    "injected",
                    injected.keys.sorted().map { "\($0): \(injected[$0]!.joined(separator: ", "))" }.joined(
                        separator: "; ")
                ))
        }
        func table(_ rows: [(String, String)]) -> String {
            "<table class=\"kv\">"
                + rows.map { "<tr><th>\(HTMLPage.escape($0.0))</th><td>\(HTMLPage.escape($0.1))</td></tr>" }.joined()
                + "</table>"
        }
        var html = "<section id=\"environment\"><h2>Environment</h2>" + table(facts)
        html += "<h2 id=\"plan\">Plan</h2>" + table(plan)
        // Each row's parameters once (at its first scale): what was run, to rerun it.
        var seen = Set<RowID>()
        var rows: [(String, String)] = []
        for record in document.records where !seen.contains(record.scenario) {
            seen.insert(record.scenario)
            rows.append(
                (
                    record.scenario.description + " " + Format.scale(record.scale),
                    record.parameters.keys.sorted().map { "\($0)=\(record.parameters[$0]!)" }.joined(separator: " ")
                ))
        }
        if !rows.isEmpty {
            html +=
                "<h3>Parameters per row</h3><table class=\"kv\">"
                + rows.map {
                    "<tr><th><code>\(HTMLPage.escape($0.0))</code></th><td><code>\(HTMLPage.escape($0.1))</code></td></tr>"
                }.joined() + "</table>"
        }
        return html + "</section>"
    }
}
