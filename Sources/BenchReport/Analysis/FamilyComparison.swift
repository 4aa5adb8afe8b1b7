import BenchModel
import BenchProtocol
import Foundation

/// The comparison a reader opens report.md for: the run's strategies grouped by pattern family
/// (stream copy, queues & workers, event intake), each row at the largest scale it ran, with its
/// heap and RSS peaks, throughput and growth verdict, and each as a ratio to the family's
/// reference row measured in the same run.
///
/// A row's family comes from its scenario's `pattern` (``RowTraits``), looked up in ``table``;
/// a scenario that declares no pattern (or a run.json from before traits were recorded) is
/// looked up by its scenario name instead. Whatever the table does not know lands in
/// ``otherFamily``, so a new scenario is shown, not dropped, until someone places it.
public struct FamilyComparison: Sendable, Equatable {
    /// One row (strategy) of a family, at its largest scale.
    public struct Entry: Sendable, Equatable {
        public var row: RowID
        /// The pattern (or scenario name) the family was looked up by.
        public var patternKey: String
        public var scale: Double
        /// The summary's status (`ok`, or the worst seen).
        public var status: RunStatus
        /// Input bytes moved (median over ok repeats), when the row moves an input.
        public var inputBytes: Double?
        /// Median peak allocated: jemalloc's live heap (V8's for a Node row); nil without in-child figures.
        public var peakAllocatedBytes: Double?
        /// Median peak RSS: the process tree's total when the row started processes, else the kernel's.
        public var peakMemoryBytes: Double?
        public var throughputBytesPerS: Double?
        public var throughputItemsPerS: Double?
        public var verdict: GrowthVerdict.Kind
        /// The entry's figures ÷ the family reference's at the same scale (nil when either is
        /// missing, or the reference did not run that scale).
        public var heapRatio: Double?
        public var rssRatio: Double?
        public var throughputRatio: Double?

        /// Peak allocated as a share of the input (nil without both).
        public var heapShareOfInput: Double? {
            guard let heap = peakAllocatedBytes, let input = inputBytes, input > 0 else { return nil }
            return heap / input
        }
    }

    public var family: String
    /// The row ratios are against: the run's reference when it is in this family, else the
    /// family's first row.
    public var reference: RowID
    public var entries: [Entry]

    /// Pattern → family, the one place a pattern is placed. Keys are `pattern` strings from the
    /// scenarios' descriptions and, for scenarios that declare none (bounded-queue,
    /// persistent-queue) or runs recorded without traits, scenario names.
    public static let table: [(family: String, keys: [String])] = [
        (
            "stream copy",
            [
                "pipeline", "drain-loop", "ignored-drain", "gzip-guide",
                "pipeline-copy", "manual-drain", "node-pipeline", "node-manual-drain", "node-ignored-drain",
                "node-gzip-guide",
            ]
        ),
        (
            "queues & workers",
            [
                "bounded-queue", "persistent-queue", "depth-watermark", "watermark-pause", "concurrency-regimes",
                "transform-stage", "micro-batching",
            ]
        ),
        ("event intake", ["unbounded-array", "event-backlog", "load-shedding", "unawaited-work"]),
    ]

    /// Where every row whose pattern the table does not know goes.
    public static let otherFamily = "other"

    /// The family `key` (a pattern or scenario name) belongs to.
    public static func family(of key: String) -> String {
        table.first { $0.keys.contains(key) }?.family ?? otherFamily
    }

    /// The key a row is placed by: its pattern, else its scenario's name. An `@system` row (the
    /// same binary on glibc malloc) takes its jemalloc twin's traits.
    static func patternKey(row: RowID, document: RunDocument) -> String {
        (document.traits(of: row) ?? document.traits(of: row.onJemalloc))?.pattern ?? row.scenario
    }

    /// Every family with at least one row in the run, in ``table`` order, ``otherFamily`` last;
    /// rows within a family with the reference first, then in run order.
    public static func groups(_ analysis: RunAnalysis) -> [FamilyComparison] {
        var rowsByFamily: [String: [(row: RowID, key: String)]] = [:]
        for row in analysis.scenarios {
            let key = patternKey(row: row, document: analysis.document)
            rowsByFamily[family(of: key), default: []].append((row, key))
        }
        let order = table.map(\.family) + [otherFamily]
        return order.compactMap { family in
            guard let rows = rowsByFamily[family], !rows.isEmpty else { return nil }
            let reference = rows.first { $0.row == analysis.reference }?.row ?? rows[0].row
            let ordered = rows.filter { $0.row == reference } + rows.filter { $0.row != reference }
            let entries = ordered.compactMap { row, key -> Entry? in
                guard let summary = analysis.largest(row) else { return nil }
                let base = analysis.summaries.summary(reference, scale: summary.scale)
                return entry(summary, key: key, verdict: analysis.verdicts[row]?.kind ?? .unknown, reference: base)
            }
            return FamilyComparison(family: family, reference: reference, entries: entries)
        }
    }

    static func entry(
        _ summary: ScenarioSummary, key: String, verdict: GrowthVerdict.Kind, reference: ScenarioSummary?
    ) -> Entry {
        // Peak RSS as the summary table shows it: a row that started processes is its tree.
        func peakMemory(_ summary: ScenarioSummary) -> Double? {
            summary.median(.peakTreeRss) ?? summary.median(.peakRss)
        }
        func ratio(_ value: Double?, _ base: Double?) -> Double? {
            guard let value, let base, base > 0 else { return nil }
            return value / base
        }
        return Entry(
            row: summary.scenario, patternKey: key, scale: summary.scale, status: summary.status,
            inputBytes: summary.inputBytes.flatMap { $0 > 0 ? $0 : nil },
            peakAllocatedBytes: summary.median(.peakAllocated), peakMemoryBytes: peakMemory(summary),
            throughputBytesPerS: summary.median(.throughputBytes).flatMap { $0 > 0 ? $0 : nil },
            throughputItemsPerS: summary.median(.throughputItems), verdict: verdict,
            heapRatio: ratio(summary.median(.peakAllocated), reference?.median(.peakAllocated)),
            rssRatio: ratio(peakMemory(summary), reference.flatMap(peakMemory)),
            // Bytes/s where both move bytes; items/s otherwise (event intake moves events).
            throughputRatio: ratio(summary.median(.throughputBytes), reference?.median(.throughputBytes))
                ?? ratio(summary.median(.throughputItems), reference?.median(.throughputItems)))
    }

    /// The entry that ratios are against.
    public var referenceEntry: Entry? { entries.first { $0.row == reference } }

    /// The report's opening section: one short table per family.
    public static func markdown(_ analysis: RunAnalysis) -> [String] {
        let groups = groups(analysis)
        guard !groups.isEmpty else { return [] }
        var lines = [
            "## Strategies side by side, by pattern family", "",
            "Each strategy at the largest input it ran, medians over its `ok` repeats; ratios are to the family's reference row at the "
                + "same scale, measured in this run (read them, not the absolute times: the machine is shared). *Heap* is the peak allocated "
                + "(jemalloc's live heap; V8's live heap for a Node row), as a share of the input moved where there is one; *peak RSS* the kernel's (a process tree's total for a row "
                + "that started processes). Every row and figure is in the Summary below.",
        ]
        for group in groups {
            lines += [
                "", "### \(group.family.prefix(1).uppercased() + group.family.dropFirst())", "",
                "| strategy | input | heap | peak RSS | throughput | growth | vs `\(group.reference)`: heap / RSS / throughput |",
                "|---|---|---:|---:|---:|---|---|",
            ]
            for entry in group.entries { lines.append("| " + group.cells(entry).joined(separator: " | ") + " |") }
        }
        return lines + [""]
    }

    /// One table row's cells.
    func cells(_ entry: Entry) -> [String] {
        var strategy = "`\(entry.row)`"
        if entry.status != .ok { strategy += " (\(entry.status.rawValue))" }
        let input =
            entry.inputBytes.map { "\(Format.scale(entry.scale)) · \(Format.bytes($0))" } ?? Format.scale(entry.scale)
        var heap = "—"
        if let bytes = entry.peakAllocatedBytes {
            heap =
                entry.heapShareOfInput.map { "\(Self.share($0)) × input (\(Format.bytes(bytes)))" }
                ?? Format.bytes(bytes)
        }
        let rss = entry.peakMemoryBytes.map { Format.bytes($0) } ?? "—"
        let throughput =
            entry.throughputBytesPerS.map { Format.value($0, unit: .bytesPerSecond) }
            ?? entry.throughputItemsPerS.map { Format.value($0, unit: .itemsPerSecond) + " items" } ?? "—"
        let versus =
            entry.row == reference
            ? "reference"
            : [entry.heapRatio, entry.rssRatio, entry.throughputRatio].map { $0.map(Format.ratio) ?? "—" }.joined(
                separator: " / ")
        return [strategy, input, heap, rss, throughput, entry.verdict.rawValue, versus]
    }

    /// A share of the input with two significant digits however small (a bounded strategy
    /// holds 0.0031 × its input; "0.00" would hide the difference from 0.00031).
    static func share(_ value: Double) -> String {
        guard value > 0 else { return "0" }
        if value >= 10 { return String(format: "%.0f", value) }
        let decimals = min(8, max(2, Int(-floor(log10(value))) + 1))
        return String(format: "%.\(decimals)f", value)
    }
}
