import BenchModel
import BenchProtocol
import BenchStatistics
import BenchSystem
import Foundation

/// `bpbench compare A B`: two run folders' shared rows side by side — for each row × scale both
/// runs have, each figure's medians (with min–max), the ratio B/A with its 90 % interval and a
/// two-sided Mann–Whitney p — and the rows only one of them has. For people (before/after a change
/// on one machine), not for CI: it judges nothing but says which differences the repeats can tell.
///
/// The ratio is ``RatioInterval``'s Hodges–Lehmann estimate of B over A with Moses' interval (the
/// interval the Mann–Whitney test inverts to), so it assumes nothing about the noise's shape. The
/// p-value is twice the smaller of the two one-sided exact p's (``MannWhitney/pGreater(_:than:)``
/// both ways), capped at 1. A cell reads *B higher* or *B lower* only when the whole interval lies
/// on one side of 1 — otherwise *no clear difference*, however far apart the medians — and *too
/// few repeats* when the sides are too small for any 90 % interval (3 + 3 is the least; with
/// 3 + 3 the two-sided p cannot go below 0.10).
///
/// Runs from different machines (``HostFingerprint``) are refused unless forced: their ratios
/// would compare the machines as much as the code. Forced, the comparison says so first.
public struct RunComparison: Sendable {
    /// A row at one scale.
    public struct RowKey: Sendable, Hashable {
        public var row: RowID
        public var scale: Double
        public var label: String { "\(row) \(Format.scale(scale))" }
    }

    /// What the repeats can tell about one figure.
    public enum Reading: String, Sendable {
        case higher = "B higher"
        case lower = "B lower"
        case unclear = "no clear difference"
        case tooFew = "too few repeats"
        case oneSide = "one side only"
    }

    /// One figure of a shared row.
    public struct Cell: Sendable, Equatable {
        public var metric: Metric
        /// The figure in each `ok` repeat.
        public var samplesA: [Double]
        public var samplesB: [Double]
        /// B over A, at ``RunComparison/level`` (nil: a side is empty, too small, or not positive).
        public var interval: RatioInterval?
        /// Two-sided Mann–Whitney p (nil when a side has no repeat).
        public var p: Double?
        public var reading: Reading

        public var spreadA: Spread? { Spread(samplesA) }
        public var spreadB: Spread? { Spread(samplesB) }
        /// Whether B is the better side, when the repeats tell the sides apart.
        public var bIsBetter: Bool? {
            switch reading {
            case .higher: return metric.higherIsBetter
            case .lower: return !metric.higherIsBetter
            default: return nil
            }
        }
    }

    /// A row × scale both runs have.
    public struct Row: Sendable, Equatable {
        public var key: RowKey
        public var statusA: RunStatus
        public var statusB: RunStatus
        public var repeatsA: Int
        public var repeatsB: Int
        /// Parameters that differ between the runs' first repeats ("items 100 → 200"): then the
        /// two sides did not do the same work.
        public var parameterChanges: [String]
        public var cells: [Cell]
    }

    /// A row × scale only one run has.
    public struct Unpaired: Sendable, Equatable {
        public var key: RowKey
        public var repeats: Int
        public var status: RunStatus
    }

    /// The level of the ratios' intervals.
    public static let level = 0.90

    public let nameA: String
    public let nameB: String
    public let documentA: RunDocument
    public let documentB: RunDocument
    public let rows: [Row]
    public let onlyInA: [Unpaired]
    public let onlyInB: [Unpaired]
    /// How the machines differ; non-empty only when the comparison was forced.
    public let hostDifferences: [String]
    /// Other differences worth knowing beside the figures: profile, the code measured (commit, or
    /// the binaries that ran: ``HostEnvironment/measuredCode``), kernel, Swift, jemalloc.
    public let contextDifferences: [String]

    /// Throws ``BenchError/Kind/data`` when the runs were measured on different machines and
    /// `force` is false, or when they have no row × scale in common.
    public init(_ a: RunAnalysis, _ b: RunAnalysis, nameA: String, nameB: String, force: Bool) throws(BenchError) {
        self.nameA = nameA
        self.nameB = nameB
        documentA = a.document
        documentB = b.document
        let hostDifferences = HostFingerprint(a.document.environment).differences(
            to: HostFingerprint(b.document.environment))
        if !hostDifferences.isEmpty && !force {
            throw BenchError(
                .data,
                "\(nameA) and \(nameB) were measured on different machines (\(hostDifferences.joined(separator: "; "))); "
                    + "pass --force to compare them anyway")
        }
        self.hostDifferences = hostDifferences
        contextDifferences = Self.contextDifferences(a.document, b.document)

        func key(_ summary: ScenarioSummary) -> RowKey { RowKey(row: summary.scenario, scale: summary.scale) }
        let keysA = Set(a.summaries.map(key))
        let keysB = Set(b.summaries.map(key))
        var rows: [Row] = []
        for summaryA in a.summaries {
            guard let summaryB = b.summaries.first(where: { key($0) == key(summaryA) }) else { continue }
            rows.append(Self.row(summaryA, summaryB))
        }
        guard !rows.isEmpty else {
            throw BenchError(
                .data,
                "\(nameA) and \(nameB) have no row × scale in common (\(keysA.count) and \(keysB.count) rows); nothing to compare"
            )
        }
        self.rows = rows
        onlyInA = a.summaries.filter { !keysB.contains(key($0)) }.map {
            Unpaired(key: key($0), repeats: $0.records.count, status: $0.status)
        }
        onlyInB = b.summaries.filter { !keysA.contains(key($0)) }.map {
            Unpaired(key: key($0), repeats: $0.records.count, status: $0.status)
        }
    }

    /// The figures compared, in order: memory, then speed, then latency where measured. A row
    /// that started processes adds its tree's peak; a row that moves no bytes compares items/s.
    static func metrics(_ a: ScenarioSummary, _ b: ScenarioSummary) -> [Metric] {
        var metrics: [Metric] = [.peakRss]
        if a.median(.peakTreeRss) != nil || b.median(.peakTreeRss) != nil { metrics.append(.peakTreeRss) }
        metrics.append(.peakAllocated)
        let movesBytes = [a, b].contains { ($0.median(.throughputBytes) ?? 0) > 0 }
        metrics.append(movesBytes ? .throughputBytes : .throughputItems)
        metrics += [.latencyP50, .latencyP99]
        return metrics
    }

    static func row(_ a: ScenarioSummary, _ b: ScenarioSummary) -> Row {
        var cells: [Cell] = []
        for metric in metrics(a, b) {
            let samplesA = a.samples(metric)
            let samplesB = b.samples(metric)
            // A figure neither side measured (latency of a row without items, the heap of a row
            // without jemalloc figures, which reads 0) is no cell at all.
            guard samplesA.contains(where: { $0 > 0 }) || samplesB.contains(where: { $0 > 0 }) else { continue }
            cells.append(cell(metric, samplesA, samplesB))
        }
        let parametersA = a.records.first?.parameters ?? [:]
        let parametersB = b.records.first?.parameters ?? [:]
        let changes = Set(parametersA.keys).union(parametersB.keys).sorted().compactMap { key -> String? in
            guard parametersA[key] != parametersB[key] else { return nil }
            return "\(key) \(parametersA[key] ?? "unset") → \(parametersB[key] ?? "unset")"
        }
        return Row(
            key: RowKey(row: a.scenario, scale: a.scale), statusA: a.status, statusB: b.status,
            repeatsA: a.records.count,
            repeatsB: b.records.count, parameterChanges: changes, cells: cells)
    }

    /// One figure compared; `samplesA`/`samplesB` are the `ok` repeats' values.
    static func cell(_ metric: Metric, _ samplesA: [Double], _ samplesB: [Double]) -> Cell {
        guard !samplesA.isEmpty, !samplesB.isEmpty else {
            return Cell(
                metric: metric, samplesA: samplesA, samplesB: samplesB, interval: nil, p: nil, reading: .oneSide)
        }
        let p = twoSidedP(samplesA, samplesB)
        // (RatioInterval absorbs the rounding of (1 − 0.90) / 2, so 3 + 3 repeats get their interval.)
        guard let interval = RatioInterval(samplesB, over: samplesA, level: level) else {
            return Cell(metric: metric, samplesA: samplesA, samplesB: samplesB, interval: nil, p: p, reading: .tooFew)
        }
        let reading: Reading = interval.lower > 1 ? .higher : interval.upper < 1 ? .lower : .unclear
        return Cell(metric: metric, samplesA: samplesA, samplesB: samplesB, interval: interval, p: p, reading: reading)
    }

    /// Two-sided exact Mann–Whitney p: twice the smaller one-sided p, at most 1.
    public static func twoSidedP(_ a: [Double], _ b: [Double]) -> Double {
        min(1, 2 * min(MannWhitney.pGreater(b, than: a), MannWhitney.pGreater(a, than: b)))
    }

    static func contextDifferences(_ a: RunDocument, _ b: RunDocument) -> [String] {
        let pairs: [(String, String, String)] = [
            ("profile", a.profile, b.profile), ("", a.environment.measuredCode, b.environment.measuredCode),
            ("kernel", a.environment.kernel, b.environment.kernel), ("os", a.environment.os, b.environment.os),
            ("swift", a.environment.swiftVersion, b.environment.swiftVersion),
            ("jemalloc", a.environment.jemallocVersion, b.environment.jemallocVersion),
            ("malloc options", a.environment.mallocConf, b.environment.mallocConf),
            ("sampling (ms)", CSV.number(a.sampleIntervalMs), CSV.number(b.sampleIntervalMs)),
        ]
        // The code needs no name: its text starts "commit" or "binaries from".
        return pairs.filter { $0.1 != $0.2 }.map { ($0.0.isEmpty ? "" : $0.0 + " ") + "\($0.1) → \($0.2)" }
    }

    // MARK: Counts

    /// Cells whose repeats tell B from A: (B better, B worse).
    public var clearCounts: (better: Int, worse: Int) {
        let judged = rows.flatMap(\.cells).compactMap(\.bIsBetter)
        return (judged.filter { $0 }.count, judged.filter { !$0 }.count)
    }

    /// One line for the terminal.
    public var oneLine: String {
        let counts = clearCounts
        return
            "\(rows.count) row(s) in common: \(counts.better) figure(s) clearly better in B, \(counts.worse) clearly worse, "
            + "the rest not told apart by the repeats; only in A: \(onlyInA.count), only in B: \(onlyInB.count)"
            + (hostDifferences.isEmpty ? "" : " (different machines, forced)")
    }

    // MARK: Text pieces both renderings share

    static func ratioText(_ value: Double) -> String {
        value >= 10 ? String(format: "%.0f", value) : String(format: "%.2f", value)
    }

    /// "1.04× (0.98–1.09)", or the medians' plain ratio marked as such when there is no interval.
    static func intervalText(_ cell: Cell) -> String {
        if let interval = cell.interval {
            return "\(ratioText(interval.estimate))× (\(ratioText(interval.lower))–\(ratioText(interval.upper)))"
        }
        guard let a = cell.spreadA?.median, let b = cell.spreadB?.median, a > 0 else { return "—" }
        return "\(ratioText(b / a))× (medians; no interval)"
    }

    static func pText(_ p: Double?) -> String {
        guard let p else { return "—" }
        return p < 0.001 ? "< 0.001" : String(format: "%.3f", p)
    }

    static func readingText(_ cell: Cell) -> String {
        guard let better = cell.bIsBetter else { return cell.reading.rawValue }
        return cell.reading.rawValue + (better ? " (better)" : " (worse)")
    }

    static func spreadText(_ spread: Spread?, _ metric: Metric) -> String {
        guard let spread else { return "—" }
        return Format.spread(spread, unit: metric.unit) + " n=\(spread.count)"
    }

    func runLine(_ label: String, _ name: String, _ document: RunDocument) -> String {
        "\(label) = \(name): \(document.profile), \(document.environment.measuredCode), started \(document.startedAt), "
            + "on \(HostFingerprint(document.environment))"
    }

    static let explanation =
        "Figures are medians over each side's `ok` repeats (min–max, n repeats). *B/A* is the Hodges–Lehmann estimate of "
        + "the ratio with its 90 % interval (Moses; the interval the Mann–Whitney test inverts to); *p* the two-sided exact Mann–Whitney p "
        + "(twice the smaller one-sided). A figure reads *B higher* or *B lower* only when its whole interval lies on one side of 1 "
        + "(better or worse by the figure's direction); 3 + 3 repeats is the least for an interval, and then p ≥ 0.10. "
        + "Throughput and latency depend on the machine's load: compare runs made under the same conditions."

    // MARK: Markdown

    /// compare.md.
    public func markdown() -> String {
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        var lines = ["# bpbench compare", ""]
        if !hostDifferences.isEmpty {
            lines += [
                "> **Different machines, compared because of --force**: \(hostDifferences.joined(separator: "; ")). "
                    + "The ratios compare the machines as much as the code.", "",
            ]
        }
        lines += ["- " + cell(runLine("A", nameA, documentA)), "- " + cell(runLine("B", nameB, documentB))]
        if !contextDifferences.isEmpty {
            lines.append("- Also different: " + cell(contextDifferences.joined(separator: "; ")))
        }
        lines += [
            "", Self.explanation, "", "## Rows in both (\(rows.count))", "",
            "| row | scale | figure | A | B | B/A (90 % interval) | p | reading |",
            "|---|---|---|---:|---:|---:|---:|---|",
        ]
        for row in rows {
            let name = "`\(cell(row.key.row.description))`"
            let scale = Format.scale(row.key.scale)
            if row.statusA != .ok || row.statusB != .ok {
                lines.append(
                    "| \(name) | \(scale) | status | \(row.statusA.rawValue) (\(row.repeatsA) repeats) | \(row.statusB.rawValue) (\(row.repeatsB) repeats) | | | failed repeats are not figures |"
                )
            }
            if !row.parameterChanges.isEmpty {
                lines.append(
                    "| \(name) | \(scale) | parameters | | | | | not the same work: \(cell(row.parameterChanges.joined(separator: ", "))) |"
                )
            }
            for figure in row.cells {
                lines.append(
                    "| \(name) | \(scale) | \(figure.metric.title) | \(Self.spreadText(figure.spreadA, figure.metric)) | "
                        + "\(Self.spreadText(figure.spreadB, figure.metric)) | \(Self.intervalText(figure)) | \(Self.pText(figure.p)) | \(Self.readingText(figure)) |"
                )
            }
        }
        for (title, unpaired) in [("Only in A", onlyInA), ("Only in B", onlyInB)] {
            lines += ["", "## \(title) (\(unpaired.count))", ""]
            if unpaired.isEmpty { lines.append("None.") }
            for entry in unpaired {
                lines.append(
                    "- `\(cell(entry.key.row.description))` \(Format.scale(entry.key.scale)): \(entry.repeats) repeat(s), \(entry.status.rawValue)"
                )
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: HTML

    /// compare.html: the same, as a table that sorts (by ratio, by p…) and filters.
    public func html() -> String {
        let escape: (String) -> String = HTMLPage.escape
        var body = "<h1>bpbench compare</h1>"
        if !hostDifferences.isEmpty {
            body +=
                "<p class=\"banner\" id=\"forced\"><strong>Different machines, compared because of --force</strong>: "
                + escape(hostDifferences.joined(separator: "; "))
                + ". The ratios compare the machines as much as the code.</p>"
        }
        body +=
            "<ul><li>\(escape(runLine("A", nameA, documentA)))</li><li>\(escape(runLine("B", nameB, documentB)))</li>"
        if !contextDifferences.isEmpty {
            body += "<li>Also different: \(escape(contextDifferences.joined(separator: "; ")))</li>"
        }
        // The markdown's *emphasis* as <em>, its `code` as plain text.
        let note = escape(Self.explanation).replacingOccurrences(of: "`", with: "").components(separatedBy: "*")
            .enumerated()
            .map { $0.offset % 2 == 1 ? "<em>\($0.element)</em>" : $0.element }.joined()
        body += "</ul><p class=\"note\">\(note)</p>"
        body += "<h2>Rows in both (\(rows.count))</h2>"
        let readings = [Reading.higher, .lower, .unclear, .tooFew, .oneSide].map(\.rawValue)
        body +=
            "<div class=\"filters\" data-filters=\"compare\"><label>find <input type=\"search\" data-field=\"search\" placeholder=\"row, figure…\"></label>"
            + HTMLPage.select(field: "reading", label: "reading", values: readings)
            + "<span class=\"count\"></span></div>"
        body +=
            "<div class=\"scroll\"><table id=\"compare\" class=\"sortable\"><thead><tr>"
            + [
                HTMLPage.header("row", sort: "text"), HTMLPage.header("scale"), HTMLPage.header("figure", sort: "text"),
                HTMLPage.header("A"), HTMLPage.header("B"),
                HTMLPage.header("B/A (90 % interval)"), HTMLPage.header("p"), HTMLPage.header("reading", sort: "text"),
                HTMLPage.header("notes", sort: nil),
            ].joined()
            + "</tr></thead><tbody>"
        for row in rows {
            var notes: [String] = []
            if row.statusA != .ok || row.statusB != .ok {
                notes.append(
                    "status A \(row.statusA.rawValue), B \(row.statusB.rawValue) (\(row.repeatsA) and \(row.repeatsB) repeats)"
                )
            }
            if !row.parameterChanges.isEmpty {
                notes.append("not the same work: " + row.parameterChanges.joined(separator: ", "))
            }
            for figure in row.cells {
                let css = figure.bIsBetter.map { $0 ? " class=\"holds\"" : " class=\"does-not-hold\"" } ?? ""
                body +=
                    "<tr class=\"row\" data-search=\"\(escape(row.key.label + " " + figure.metric.title))\" data-reading=\"\(escape(figure.reading.rawValue))\">"
                    + "<td data-v=\"\(escape(row.key.row.description))\"><code>\(escape(row.key.row.description))</code></td>"
                    + HTMLPage.numberCell(Format.scale(row.key.scale), row.key.scale)
                    + "<td>\(escape(figure.metric.title))</td>"
                    + HTMLPage.numberCell(Self.spreadText(figure.spreadA, figure.metric), figure.spreadA?.median)
                    + HTMLPage.numberCell(Self.spreadText(figure.spreadB, figure.metric), figure.spreadB?.median)
                    + HTMLPage.numberCell(Self.intervalText(figure), figure.interval?.estimate)
                    + HTMLPage.numberCell(Self.pText(figure.p), figure.p)
                    + "<td\(css) data-v=\"\(escape(figure.reading.rawValue))\">\(escape(Self.readingText(figure)))</td>"
                    + "<td class=\"muted\">\(escape(notes.joined(separator: "; ")))</td></tr>"
            }
        }
        body += "</tbody></table></div>"
        for (title, id, unpaired) in [("Only in A", "only-a", onlyInA), ("Only in B", "only-b", onlyInB)] {
            body += "<h2 id=\"\(id)\">\(title) (\(unpaired.count))</h2>"
            body +=
                unpaired.isEmpty
                ? "<p>None.</p>"
                : "<ul>"
                    + unpaired.map {
                        "<li><code>\(escape($0.key.row.description))</code> \(escape(Format.scale($0.key.scale))): \($0.repeats) repeat(s), \(escape($0.status.rawValue))</li>"
                    }.joined() + "</ul>"
        }
        return HTMLPage.page(title: "bpbench compare — \(nameA) vs \(nameB)", body: body)
    }
}
