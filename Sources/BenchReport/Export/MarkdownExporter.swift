import BenchModel
import BenchProtocol
import BenchStatistics
import Foundation

/// `report.md`: the comparison a person reads (renders on GitHub and as a CI job summary).
public struct MarkdownExporter: Exporter {
    public let fileName = "report.md"
    /// Chart files to link (written beside the report by the chart exporters).
    public var charts: [(title: String, file: String)] = ChartExporters.all.map { ($0.title, $0.fileName) }

    public init() {}

    public func render(_ analysis: RunAnalysis) throws -> String {
        let document = analysis.document
        var lines: [String] = ["# BackpressureBench report", ""]
        let scales = document.scales.map(Format.scale).joined(separator: ", ")
        lines.append(
            "Profile **\(document.profile)**, \(Self.repeatsText(document)) after \(document.warmups) warm-up, scales \(scales), "
                + "sampling every \(CSV.number(document.sampleIntervalMs)) ms, memory cap \(Format.bytes(Double(document.memoryCapBytes))). "
                + "Started \(document.startedAt), finished \(document.finishedAt).")
        if document.recoveredFromJournal == true {
            lines += [
                "",
                "> **Recovered from the journal**: the harness stopped (killed?) before it wrote run.json; the rows below are the \(document.records.count) repeats that had finished, rebuilt from journal.jsonl.",
            ]
        } else if document.interrupted {
            lines += [
                "",
                "> **Interrupted**: this run was stopped before it finished; the rows below are the repeats that completed.",
            ]
        }
        lines += [
            "",
            "Figures are medians over the `ok` repeats, with min–max in brackets. A repeat that failed (verification, crash, cap, timeout) is never counted as fast: it shows only in *status*.",
            "",
        ]
        // The per-family comparison first: it is what a reader came for; the wide table follows.
        lines += FamilyComparison.markdown(analysis)
        lines += summaryTable(analysis)
        lines += comparisons(analysis)
        lines += languageSection(analysis)
        lines += GuideComparison.section(analysis)  // only when the run has the gzip-guide rows
        lines += counterSection(analysis)
        lines += attributionSection(analysis)
        lines += allocatorSection(analysis)
        lines += verdictSection(analysis)
        lines += claimSection(analysis)
        lines += failureSection(analysis)
        if !charts.isEmpty {
            lines += ["", "## Charts", ""]
            for chart in charts { lines.append("![\(chart.title)](\(chart.file))") }
        }
        lines += environmentSection(document)
        return lines.joined(separator: "\n") + "\n"
    }

    public func summaryTable(_ analysis: RunAnalysis) -> [String] {
        let reference = analysis.reference.map { "vs \($0) (memory / throughput)" } ?? "vs reference"
        var lines = [
            "## Summary", "",
            "| scenario | input | status | repeats | peak RSS | peak allocated | throughput | items/s | latency p50 | latency p99 | verdict | \(reference) |",
            "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
        ]
        for summary in analysis.summaries {
            let input =
                summary.inputBytes.map { "\(Format.scale(summary.scale)) · \(Format.bytes($0))" }
                ?? Format.scale(summary.scale)
            let status =
                summary.statuses.count == 1
                ? summary.status.rawValue
                : summary.statusesByName.map { "\($0.status.rawValue) ×\($0.count)" }.joined(separator: ", ")
            let verdict = analysis.verdicts[summary.scenario]?.kind.rawValue ?? "n/a"
            var versus = "—"
            if let memory = analysis.ratioToReference(summary, .peakRss),
                let speed = analysis.ratioToReference(summary, .throughputBytes)
            {
                versus =
                    summary.scenario == analysis.reference
                    ? "reference" : "\(Format.ratio(memory)) / \(Format.ratio(speed))"
            }
            let cells = [
                "`\(summary.scenario)`", input, status, repeatsCell(summary, document: analysis.document),
                peakCell(summary),
                Format.spread(summary.spreads[Metric.peakAllocated.key], unit: .bytes),
                Format.spread(summary.spreads[Metric.throughputBytes.key], unit: .bytesPerSecond),
                Format.spread(summary.spreads[Metric.throughputItems.key], unit: .itemsPerSecond),
                Format.spread(summary.spreads[Metric.latencyP50.key], unit: .microseconds),
                Format.spread(summary.spreads[Metric.latencyP99.key], unit: .microseconds),
                verdict, versus,
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        if analysis.summaries.contains(where: { $0.spreads[Metric.peakTreeRss.key] != nil }) {
            lines += [
                "",
                "*tree*: the scenario started processes of its own; its peak RSS is the sum over the child and its descendants in one sample "
                    + "(shared pages count once per process), with the most processes alive at once. The kernel's `peak_rss_bytes` of such a row is its "
                    + "largest single process.",
            ]
        }
        return lines
    }

    /// How many repeats a row's scale got; with adaptive repeats also the widest confidence
    /// interval of its figures' medians (±, of the median), marked when it missed the target.
    func repeatsCell(_ summary: ScenarioSummary, document: RunDocument) -> String {
        let count = "\(summary.records.count)"
        guard let width = document.ciWidth, let level = document.ciLevel else { return count }
        let widths = PrecisionRule.figures(of: summary).map {
            MedianInterval(summary.samples($0), level: level)?.relativeHalfWidth
        }
        guard !widths.isEmpty else { return count }
        if widths.contains(where: { $0 == nil }) { return count + " · CI n/a" }
        let widest = widths.compactMap { $0 }.max() ?? 0
        let shown = count + " · ±" + (widest.isFinite ? String(format: "%.1f %%", widest * 100) : "∞")
        let rule = PrecisionRule(
            width: width, level: level, maximum: document.maxRepeats, budgetS: document.repeatBudgetS,
            claims: document.claims)
        if let claimStop = Self.claimStop(summary, document: document, rule: rule) { return shown + " ⚠" + claimStop }
        return shown + (widest > width ? " ⚠" + Self.earlyStop(summary, document: document, rule: rule) : "")
    }

    /// Why a row stopped while a claim that reads it at this scale was still inconclusive (the
    /// rule runs such a row on, figures settled or not): its time budget or the maximum; nil when
    /// no such claim is undecided.
    static func claimStop(_ summary: ScenarioSummary, document: RunDocument, rule: PrecisionRule) -> String? {
        let undecided = rule.undecidedClaims(reading: summary.scenario, records: document.records)
        guard undecided.contains(where: { $0.scale == summary.scale }) else { return nil }
        if rule.isOverBudget(summary) {
            return String(format: " claim inconclusive: time budget (%.0f s)", rule.budgetS ?? 0)
        }
        if let maximum = rule.maximum, summary.records.count >= maximum {
            return " claim inconclusive: maximum (\(maximum))"
        }
        return " claim inconclusive"
    }

    /// Why an unsettled row stopped before the maximum (``PrecisionRule``): its time budget, or
    /// futility with the narrowest interval it could still have reached; "" at the maximum.
    static func earlyStop(_ summary: ScenarioSummary, document: RunDocument, rule: PrecisionRule) -> String {
        guard let maximum = rule.maximum, summary.records.count < maximum, summary.status == .ok else {
            return ""
        }
        if rule.isOverBudget(summary) { return String(format: " time budget (%.0f s)", rule.budgetS ?? 0) }
        guard let reach = rule.narrowestReachable(summary), reach > rule.width else { return "" }
        return " futile: ±" + (reach.isFinite ? String(format: "%.1f %%", reach * 100) : "∞") + " at best by \(maximum)"
    }

    /// "5 repeat(s)", or the adaptive range and what settled a row. The range's top is the most
    /// a row could get: the policy's ceiling when it has one (the gate's verdict run-on, 11), and
    /// never less than what a row really got (a document recorded before the ceiling was).
    static func repeatsText(_ document: RunDocument) -> String {
        guard let maximum = document.maxRepeats else { return "\(document.repeats) repeat(s)" }
        var most = document.repeatCeiling ?? maximum
        for (_, count) in Dictionary(grouping: document.records, by: { "\($0.scenario) \($0.scale)" }) {
            most = max(most, count.count)
        }
        var text = "\(document.repeats)–\(most) repeats (adaptive"
        if most > maximum {
            text +=
                ": each cell until the gate's answer for it cannot change, at most \(maximum); a growth verdict that would be a finding and is still inconclusive up to \(most)"
        } else if let width = document.ciWidth, let level = document.ciLevel {
            text += String(
                format:
                    ": until the %.0f %% confidence interval of each row's median peak and throughput is within ±%.0f %%, and neither its growth verdict nor a claim on it is inconclusive; the table shows the %.0f %% interval; ⚠ marks a row that did not settle: at the maximum, or earlier — *futile* when no further repeats up to the maximum could settle it (with the narrowest interval they could reach)",
                max(level, PrecisionRule.stoppingLevel) * 100, width * 100, level * 100)
            if let budget = document.repeatBudgetS {
                text += String(format: ", *time budget* when its repeats at that scale had taken %.0f s", budget)
            }
            text += "; *claim inconclusive*: a claim reading the row was still undecided where it stopped"
        } else {
            text += ": until the gate's answer for the row cannot change"
        }
        return text + ")"
    }

    /// The summary's peak RSS: the kernel's, or for a row that started processes the tree's total.
    func peakCell(_ summary: ScenarioSummary) -> String {
        guard let tree = summary.spreads[Metric.peakTreeRss.key] else {
            return Format.spread(summary.spreads[Metric.peakRss.key], unit: .bytes)
        }
        let processes = summary.records.map(\.maxProcesses).max() ?? 1
        return Format.spread(tree, unit: .bytes) + " *tree of \(processes)*"
    }

    func comparisons(_ analysis: RunAnalysis) -> [String] {
        guard let reference = analysis.reference else { return [] }
        var lines = ["", "In words (same run, same machine, largest input):", ""]
        for name in analysis.scenarios where name != reference {
            guard let summary = analysis.largest(name),
                let memory = analysis.ratioToReference(summary, .peakRss),
                let speed = analysis.ratioToReference(summary, .throughputBytes)
            else { continue }
            lines.append(
                "- `\(name)`: \(Format.ratio(memory)) the peak memory of `\(reference)` at \(Format.ratio(speed)) its throughput."
            )
        }
        return lines.count > 3 ? lines : []
    }

    func languageSection(_ analysis: RunAnalysis) -> [String] {
        let groups = LanguageComparison.groups(analysis)
        guard !groups.isEmpty else { return [] }
        var lines = [
            "", "## Same pattern, different languages", "",
            "Each pattern's rows at the largest scale all of them ran, medians over ok repeats. *Peak* is the kernel's peak RSS "
                + "(the process tree's total for a row that started processes); *over idle floor* subtracts the RSS the child had when it said "
                + "hello (runtime loaded, no work done), which is what the strategy itself added. Ratios are against the Swift row (the base), "
                + "measured in this run, and only between rows with the same socket buffers (*socket buffers*: each row's `socket_buffer`, "
                + "SO_SNDBUF/SO_RCVBUF on both ends of its loopback connection; kernel autotuning grows them to MiBs, which moves latency and "
                + "kernel memory): a row with another policy shows *not the same work* instead.", "",
            "| pattern | row | language | socket buffers | peak RSS | idle floor | over idle floor | throughput | ratio peak / over floor / throughput |",
            "|---|---|---|---|---:|---:|---:|---:|---|",
        ]
        var figures: [String: String] = [:]
        for group in groups {
            let pattern = "\(group.pattern)\(group.variant.map { " (\($0))" } ?? "") \(Format.scale(group.scale))"
            for entry in group.entries {
                let ratios: String
                if entry.language == group.base {
                    ratios = "base (\(group.base))"
                } else if !group.samePolicy(entry) {
                    ratios = "not the same work (socket buffers)"
                } else {
                    ratios = [\LanguageComparison.Entry.peakMemoryBytes, \.overFloorBytes, \.throughputBytesPerS]
                        .map { group.ratio(entry, $0).map(Format.ratio) ?? "—" }.joined(separator: " / ")
                }
                func bytes(_ value: Double?, _ suffix: String = "") -> String {
                    value.map { Format.bytes($0) + suffix } ?? "—"
                }
                if let figure = entry.allocatedFigure { figures[entry.language] = figure }
                var cells: [String] = [pattern, "`\(entry.row)`", entry.language, entry.socketPolicy]
                cells += [bytes(entry.peakMemoryBytes), bytes(entry.floorBytes), bytes(entry.overFloorBytes)]
                cells += [bytes(entry.throughputBytesPerS, "/s"), ratios]
                lines.append("| " + cells.joined(separator: " | ") + " |")
            }
        }
        // Peak allocated is each runtime's own figure (jemalloc's for Swift): say which, so a
        // garbage-collected row's heap is read as what it is.
        if !figures.isEmpty {
            lines += [
                "",
                "*Allocated* (the summary's peak allocated) per language: swift — jemalloc `stats.allocated`; "
                    + figures.keys.sorted().map { "\($0) — \(figures[$0]!)" }.joined(separator: "; ") + ".",
            ]
        }
        return lines
    }

    func counterSection(_ analysis: RunAnalysis) -> [String] {
        let rows = analysis.scenarios.compactMap(analysis.largest).filter { summary in
            Metric.counters.contains { summary.median($0) != nil }
        }
        guard !rows.isEmpty else { return [] }
        var lines = [
            "", "## Counters", "",
            "Medians at each scenario's largest input. Allocations are jemalloc's requests during the timed run (Swift children only); "
                + "context switches and page faults come from the launcher's `wait4`, bytes from `/proc/PID/io` (every read/write syscall, "
                + "sockets included), threads from `/proc/PID/status`. *Sampler* is the in-child jemalloc sampler's own cost: its ticks and "
                + "their CPU time (ticks × mean tick time) as a share of one core over the timed run — it backs off to one tick per 8 ms "
                + "while the heap is flat; its effect on throughput, measured on and off interleaved, is in the README (What measuring costs).",
            "",
            "| scenario | input | allocations / item | allocations | voluntary switches / item | involuntary switches | minor faults | major faults | bytes read | bytes written | peak threads | sampler |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        func number(_ value: Double?, decimals: Int = 0) -> String {
            guard let value else { return "—" }
            return decimals == 0 ? String(Int64(value.rounded())) : String(format: "%.\(decimals)f", value)
        }
        for summary in rows {
            var cells = ["`\(summary.scenario)`", Format.scale(summary.scale)]
            cells += [number(summary.median(.allocationsPerItem), decimals: 1), number(summary.median(.allocations))]
            cells += [
                number(summary.median(.voluntarySwitchesPerItem), decimals: 2),
                number(summary.median(.involuntarySwitches)),
            ]
            cells += [number(summary.median(.minorFaults)), number(summary.median(.majorFaults))]
            cells += [
                summary.median(.ioRead).map { Format.bytes($0) } ?? "—",
                summary.median(.ioWritten).map { Format.bytes($0) } ?? "—",
            ]
            cells.append(number(summary.median(.peakThreads)))
            cells.append(Self.samplerCell(summary))
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines
    }

    /// Median ticks and median CPU share of one core the in-child sampler took over the timed run.
    static func samplerCell(_ summary: ScenarioSummary) -> String {
        let measured = summary.records.filter { $0.status.isMeasurement && $0.samplerTicks > 0 }
        let shares = measured.compactMap { record -> Double? in
            guard let duration = record.result?.durationS, duration > 0 else { return nil }
            return Double(record.samplerTicks) * record.samplerTickUs / 1e6 / duration
        }
        guard let ticks = Spread(measured.map { Double($0.samplerTicks) }), let share = Spread(shares) else {
            return "—"
        }
        return String(format: "%d · %.2f %%", Int(ticks.median.rounded()), share.median * 100)
    }

    func attributionSection(_ analysis: RunAnalysis) -> [String] {
        let attributions = analysis.document.attributions ?? []
        guard !attributions.isEmpty || analysis.document.attributionProblems != nil else { return [] }
        var lines = [
            "", "## Where the peak heap is", "",
            "The heap profile each row's child dumped at its peak allocated bytes (jemalloc heap profiling, one sample per "
                + "\(Format.bytes(Double(1 << PeakAttribution.lgSample))) allocated on average; `jeprof`), at its largest input, the repeat "
                + "with the highest peak. Stacks by bytes held; frames innermost last, the allocator's own left out. Re-open a profile with "
                + "`jeprof --text .build/release/<scenario> <profile>`.",
        ]
        for attribution in attributions {
            let profiled = attribution.profiledAllocatedBytes.map { Format.bytes(Double($0)) } ?? "?"
            lines += [
                "",
                "**`\(attribution.row)`** \(Format.scale(attribution.scale)), repeat \(attribution.repeatIndex): profile at \(profiled) allocated "
                    + "(peak \(Format.bytes(Double(attribution.peakAllocatedBytes)))), \(Format.bytes(Double(attribution.totalBytes))) in sampled stacks — "
                    + "[flame graph](\(FlameGraphExporter.fileName(for: attribution.row))), `\(attribution.profile)`",
                "",
                "| share | bytes | where (innermost last) |", "|---:|---:|---|",
            ]
            for stack in attribution.stacks.prefix(5) {
                let share = attribution.totalBytes > 0 ? Double(stack.bytes) / Double(attribution.totalBytes) * 100 : 0
                let frames = PeakAttribution.telling(stack.frames).map {
                    "`\($0.replacingOccurrences(of: "|", with: "\\|"))`"
                }.joined(separator: " → ")
                lines.append(
                    "| \(String(format: "%.1f", share)) % | \(Format.bytes(Double(stack.bytes))) | \(frames) |")
            }
        }
        for problem in analysis.document.attributionProblems ?? [] { lines.append("- not attributed: \(problem)") }
        return lines
    }

    /// Each row run on both allocators (`--allocator both`), at its largest input: the parent's
    /// figures side by side, system ÷ jemalloc.
    func allocatorSection(_ analysis: RunAnalysis) -> [String] {
        let pairs: [(jemalloc: ScenarioSummary, system: ScenarioSummary)] = analysis.scenarios.compactMap { row in
            guard row.allocator == .system, let system = analysis.largest(row),
                let jemalloc = analysis.summaries.summary(row.onJemalloc, scale: system.scale)
            else { return nil }
            return (jemalloc, system)
        }
        guard !pairs.isEmpty else { return [] }
        var lines = [
            "", "## jemalloc against the system allocator", "",
            "The same binaries, interleaved repeats: on jemalloc (as every other row) and on glibc's malloc (`@system`, preloaded). "
                + "Only the parent's figures exist for both. Ratios are system ÷ jemalloc, medians at each row's largest input.",
            "",
            "| row | input | peak RSS jemalloc | peak RSS system | RSS ratio | throughput jemalloc | throughput system | throughput ratio | CPU ratio |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for (jemalloc, system) in pairs {
            func ratio(_ metric: Metric) -> String {
                guard let a = jemalloc.median(metric), let b = system.median(metric), a > 0 else { return "—" }
                return Format.ratio(b / a)
            }
            var cells = ["`\(jemalloc.scenario)`", Format.scale(jemalloc.scale)]
            cells += [
                Format.spread(jemalloc.spreads[Metric.peakRss.key], unit: .bytes),
                Format.spread(system.spreads[Metric.peakRss.key], unit: .bytes), ratio(.peakRss),
            ]
            cells += [
                Format.spread(jemalloc.spreads[Metric.throughputBytes.key], unit: .bytesPerSecond),
                Format.spread(system.spreads[Metric.throughputBytes.key], unit: .bytesPerSecond),
                ratio(.throughputBytes), ratio(.cpu),
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines
    }

    func verdictSection(_ analysis: RunAnalysis) -> [String] {
        var lines = [
            "", "## Memory growth", "",
            "Peak allocated (the heap; peak RSS without in-child figures) against input size across the run's scales. "
                + "*grows-with-input*: the largest input's repeats, lowered by 1/64 of the extra input, are still significantly above the smallest's (one-sided Mann–Whitney, p < \(GrowthVerdict.alpha)); "
                + "*bounded*: a median growth under that floor; *inconclusive*: above the floor by its median but not significantly so against the repeat noise. "
                + "A scenario scaled in time (a fixed-time rate mismatch) is fitted against run time: *grows-with-time* at ≥ 16 KiB/s, shown per second.",
            "",
            "| scenario | verdict | per item (or per s) | × input | peak RSS × input | scales | detail |",
            "|---|---|---:|---:|---:|---|---|",
        ]
        for name in analysis.scenarios {
            guard let verdict = analysis.verdicts[name] else { continue }
            let perItem =
                verdict.peakBytesPerItem.map { Format.bytes($0) } ?? verdict.peakBytesPerSecond.map {
                    Format.bytes($0) + "/s"
                } ?? "—"
            let share = verdict.peakBytesPerInputByte.map { String(format: "%.3f", $0) } ?? "—"
            let rss = verdict.rssBytesPerInputByte.map { String(format: "%.3f", $0) } ?? "—"
            let scales = verdict.scales.map { $0.map(Format.scale).joined(separator: ", ") } ?? "—"
            lines.append(
                "| `\(name)` | \(verdict.kind.rawValue) | \(perItem) | \(share) | \(rss) | \(scales) | \(verdict.explanation) |"
            )
        }
        return lines
    }

    func claimSection(_ analysis: RunAnalysis) -> [String] {
        guard !analysis.claims.isEmpty else { return [] }
        var lines = ["", "## Seed claims", "", "| scenario | claim (seed) | measured | result |", "|---|---|---|---|"]
        for outcome in analysis.claims {
            let mark =
                switch outcome.result {
                case .holds: "✅ holds"
                case .doesNotHold: "❌ does not hold"
                case .inconclusive: "❔ inconclusive"
                case .notMeasured: "➖ not measured"
                }
            lines.append(
                "| `\(outcome.scenario)` | \(outcome.claim.text) (`\(outcome.claim.seed)`) | \(outcome.measured) | \(mark) |"
            )
        }
        return lines
    }

    func failureSection(_ analysis: RunAnalysis) -> [String] {
        let failed = analysis.document.records.filter {
            $0.status != .ok || $0.isUnverified
        }
        guard !failed.isEmpty else { return [] }
        var lines = [
            "", "## Runs that did not finish ok (or were not verified)", "",
            "| scenario | scale | repeat | status | detail | log |", "|---|---|---|---|---|---|",
        ]
        for record in failed {
            let detail = (record.statusDetail ?? "").replacingOccurrences(of: "|", with: "\\|")
            lines.append(
                "| `\(record.scenario)` | \(Format.scale(record.scale)) | \(record.repeatIndex) | \(record.status.rawValue) | \(detail) | `\((record.logFile as NSString).lastPathComponent)` |"
            )
        }
        return lines
    }

    func environmentSection(_ document: RunDocument) -> [String] {
        let environment = document.environment
        return [
            "", "## Environment", "", "```",
            "cpu        \(environment.cpu) (\(environment.cores) cores), \(Format.bytes(Double(environment.memoryBytes))) RAM",
            "os         \(environment.os), kernel \(environment.kernel)",
            "swift      \(environment.swiftVersion)",
            "jemalloc   \(environment.jemallocVersion)",
            "malloc     \(environment.mallocConf)\(environment.mallocConfEnvironment.map { " (MALLOC_CONF=\($0))" } ?? "")",
            "commit     \(environment.gitCommit)",
            "profile    \(document.profile), repeats \(document.repeats), warm-ups \(document.warmups), scales \(document.scales.map(Format.scale).joined(separator: ","))",
            "limits     sample \(CSV.number(document.sampleIntervalMs)) ms, cap \(Format.bytes(Double(document.memoryCapBytes))), timeout \(CSV.number(document.timeoutS)) s",
            "```",
        ] + parameterLines(document)
    }

    func parameterLines(_ document: RunDocument) -> [String] {
        var seen: [RowID: [String: String]] = [:]
        var order: [RowID] = []
        for record in document.records where record.scale == 1 || document.scales.count == 1 {
            if seen[record.scenario] == nil {
                order.append(record.scenario)
                seen[record.scenario] = record.parameters
            }
        }
        guard !order.isEmpty else { return [] }
        var lines = ["", "Parameters (at scale ×1):", ""]
        for name in order {
            let parameters = seen[name]!.keys.sorted().map { "\($0)=\(seen[name]![$0]!)" }.joined(separator: " ")
            lines.append("- `\(name)`: `\(parameters)`")
        }
        return lines
    }
}
