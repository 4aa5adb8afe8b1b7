import BenchModel
import BenchProtocol
import BenchReport
import BenchStatistics
import Foundation

/// The proof's results and their markdown: every injected cell detected or missed, the
/// unchanged checks' false alarms, and each as a rate with its exact 95 % interval
/// (``ProportionInterval``).
package struct ProofTable {
    package struct Cell {
        package var scenario: String
        package var kind: ProofSpec.Kind
        /// For a code change: memory, throughput or latency — what detects it.
        package var findingKind: ProofSpec.Kind
        package var factor: Double?
        package var injection: String
        package var required: Bool
        /// The scales a leak must be detected at, each on its own (every scale of the plan); empty
        /// for the other kinds (any matching finding detects them).
        package var scales: [Double] = []
        package var report: GateReport
        /// The head side's recorded repeats per scale, e.g. "×1: 5, ×4: 5".
        package var repeats: String = ""

        package init(
            scenario: String, kind: ProofSpec.Kind, findingKind: ProofSpec.Kind, factor: Double?, injection: String,
            required: Bool,
            scales: [Double] = [], report: GateReport, repeats: String = ""
        ) {
            self.scenario = scenario
            self.kind = kind
            self.findingKind = findingKind
            self.factor = factor
            self.injection = injection
            self.required = required
            self.scales = scales
            self.report = report
            self.repeats = repeats
        }

        /// Findings of the injection's own kind (a growth-verdict change counts for memory).
        package var matching: [Finding] {
            report.findings.filter { finding in
                switch findingKind {
                case .memory, .leak:
                    return finding.metric.hasSuffix("_bytes") || GaugeKey.isMetricKey(finding.metric)
                        || finding.metric == "memory_verdict"
                case .throughput: return finding.metric.hasPrefix("throughput")
                case .latency: return finding.metric.hasPrefix("latency")
                case .code: return true
                }
            }
        }

        /// The scales with a memory cell (not the verdict, which spans scales) found worse.
        package var detectedScales: [Double] {
            scales.filter { scale in matching.contains { $0.scale == scale && $0.metric != "memory_verdict" } }
        }

        /// A leak: a memory cell found worse at every scale; the others: any finding of their kind.
        var detected: Bool { scales.isEmpty ? !matching.isEmpty : detectedScales.count == scales.count }

        /// What the injection really changed: the judged cells of its kind, largest change first.
        package var effect: String {
            let relevant = report.judgements.filter { judgement in
                switch findingKind {
                case .memory, .leak: return judgement.unit == .bytes || GaugeKey.isMetricKey(judgement.metric)
                case .throughput: return judgement.metric.hasPrefix("throughput")
                case .latency: return judgement.metric.hasPrefix("latency")
                case .code: return true
                }
            }.sorted { $0.worsening > $1.worsening }
            return relevant.prefix(2).map {
                "\($0.metric) \(Format.scale($0.scale)) \($0.changeText) (p = \(String(format: "%.3f", $0.p)))"
            }.joined(separator: "; ")
        }

        package var mark: String {
            if detected { return "✅ detected" }
            let partial =
                scales.isEmpty || detectedScales.isEmpty
                ? "" : " (only at \(detectedScales.map(Format.scale).joined(separator: ", ")))"
            return (required ? "❌ missed" : "➖ missed") + partial
        }
    }

    /// One unchanged check: its findings (false alarms), what it judged, and what it cost.
    package struct UnchangedCheck: Codable {
        package var findings: [Finding]
        /// Cells judged (every metric of every row and scale the check compared).
        package var judged: Int
        /// Rows whose growth verdict had to stay *bounded* — each a test of the bounded rule.
        package var boundedRows: Int
        package var children: Int
        package var seconds: Double
        /// Why the check judged no cell (``GateReport/nothingJudged(rowsRun:)``), when it did not:
        /// then it showed nothing about false alarms — not a clean unchanged check but a failed
        /// proof row (a gate that compares nothing would otherwise prove "0 false alarms").
        package var notComparable: String?

        package init(
            findings: [Finding], judged: Int, boundedRows: Int, children: Int, seconds: Double,
            notComparable: String? = nil
        ) {
            self.findings = findings
            self.judged = judged
            self.boundedRows = boundedRows
            self.children = children
            self.seconds = seconds
            self.notComparable = notComparable
        }

        var boundedFalseAlarms: Int { Set(findings.filter { $0.metric == "memory_verdict" }.map(\.scenario)).count }
    }

    package var unchanged: [UnchangedCheck] = []
    package var cells: [Cell] = []

    package init() {}

    package var falseAlarms: Int { unchanged.filter { !$0.findings.isEmpty }.count }

    /// The unchanged checks that judged something: the false-alarm rate's trials.
    package var comparableChecks: [UnchangedCheck] { unchanged.filter { $0.notComparable == nil } }

    /// Unchanged checks that judged no cell: neither a pass nor a trial, and the targets unmet.
    package var notComparableChecks: Int { unchanged.count - comparableChecks.count }

    package var targetsMet: Bool {
        falseAlarms == 0 && notComparableChecks == 0 && cells.allSatisfy { !$0.required || $0.detected }
    }

    /// A run's recorded repeats per scale, as "×1: 3, ×4: 5".
    package static func repeats(_ analysis: RunAnalysis) -> String {
        analysis.summaries.map { "\(Format.scale($0.scale)): \($0.records.count)" }.joined(separator: ", ")
    }

    /// "**0 of 30** (0 %; 95 % CI 0–11.6 %)", or "none run".
    package static func rate(_ successes: Int, of trials: Int) -> String {
        guard let interval = ProportionInterval(successes: successes, trials: trials) else { return "none run" }
        return
            "**\(successes) of \(trials)** (\(ProportionInterval.percent(interval.estimate)); 95 % CI \(ProportionInterval.percent(interval.lower))–\(ProportionInterval.percent(interval.upper)))"
    }

    /// The proof as markdown. `sessions`: the time spans of the sessions a resumed proof took
    /// (`gate-proof --resume`), named after the time when there was more than one.
    package func markdown(
        minutes: Double, baseline: String, environment: HostEnvironment, narrowedTo scenarios: [String],
        sessions: [String] = []
    ) -> String {
        let checks = comparableChecks.count
        var lines = [
            "# Gate proof", "",
            "Machine: \(environment.cpu), \(environment.cores) cores\(environment.childCPUs.map { " (children on CPU \($0))" } ?? ""), kernel \(environment.kernel); commit \(environment.gitCommit); baseline \(baseline). Took \(String(format: "%.1f", minutes)) min\(sessions.count > 1 ? " over \(sessions.count) sessions (\(sessions.joined(separator: ", ")))" : "")."
                + (scenarios.isEmpty ? "" : " Narrowed to \(scenarios.joined(separator: ", ")) (`--scenario`)."), "",
            "Rates are counts with an exact (Clopper–Pearson) 95 % confidence interval: what the counts rule out, not only what they saw.",
            "",
            "## False alarms", "",
            "Unchanged checks (the plan, the same binaries on both sides, interleaved; judged as `check --against`) with any finding — per check, family-wise over every cell it judged: \(Self.rate(falseAlarms, of: checks)).",
            "",
        ]
        if notComparableChecks > 0 {
            lines.append(
                "**\(notComparableChecks) unchanged check(s) not comparable** — no cell could be judged, so not counted as checks above and the targets are not met:"
            )
            for (index, check) in unchanged.enumerated() {
                if let reason = check.notComparable { lines.append("- check \(index + 1): \(reason)") }
            }
            lines.append("")
        }
        if !unchanged.isEmpty {
            let judged = unchanged.map(\.judged).reduce(0, +)
            let falseCells = unchanged.map(\.findings.count).reduce(0, +)
            let boundedRows = unchanged.map(\.boundedRows).reduce(0, +)
            let boundedAlarms = unchanged.map(\.boundedFalseAlarms).reduce(0, +)
            lines += [
                "- per cell: \(Self.rate(falseCells, of: judged)) cell judgements a finding;",
                "- the *bounded* rule (a bounded row must still show its growth significantly under the floor; inconclusive or grows is a finding): \(Self.rate(boundedAlarms, of: boundedRows)) bounded-row verdicts a false alarm.",
            ]
            for (index, check) in unchanged.enumerated() where !check.findings.isEmpty {
                lines.append("- check \(index + 1): " + check.findings.map(\.description).joined(separator: "; "))
            }
            let children = unchanged.map(\.children)
            let seconds = unchanged.map(\.seconds)
            lines += [
                "",
                String(
                    format:
                        "Each unchanged check judged %d–%d cells, ran %d–%d recorded children (both sides; adaptive repeats stop a row once the gate's answer cannot change) in %.0f–%.0f s.",
                    unchanged.map(\.judged).min()!, unchanged.map(\.judged).max()!, children.min()!, children.max()!,
                    seconds.min()!, seconds.max()!),
            ]
        }
        lines += [
            "", "## Detection power", "",
            "Each cell: the scenario at every scale of the baseline with the injection on the head side only, interleaved with an unchanged base, judged against the baseline and the base. "
                + "*memory / throughput / latency*: the scenario's own parameter scaled. *leak*: **harness-injected** — the head's child keeps that share of every processed item's bytes (ScenarioKit, `\(ResultProtocol.injectedLeakVariable)`; the scenario's code untouched); required at every scale on its own, by a memory cell (a growth-verdict change is listed but spans scales). "
                + "*code*: a source edit (`Reports/gate-proof.json`) made in an exported copy of the working tree, built as the head side. *Required*: the targets (every ×1.5 / ×2 memory, throughput, latency, leak and code-change injection unless the proof file says otherwise); the rest is reported as measured.",
            "",
            "| scenario | injection | kind | factor | required | detected | what it changed (largest judged changes) | findings | head repeats |",
            "|---|---|---|---:|---|---|---|---|---|",
        ]
        for cell in cells {
            let findings = cell.matching.map { "\($0.metric) \(Format.scale($0.scale))" }.joined(separator: ", ")
            lines.append(
                "| `\(cell.scenario)` | \(cell.injection) | \(cell.kind.rawValue) | \(cell.factor.map { "×\($0)" } ?? "—") | \(cell.required ? "yes" : "no") | \(cell.mark) | \(cell.effect) | \(findings.isEmpty ? "—" : findings) | \(cell.repeats) |"
            )
        }
        lines += ["", "| kind | required cells detected | all cells detected |", "|---|---|---|"]
        for kind in ProofSpec.Kind.allCases {
            let ofKind = cells.filter { $0.kind == kind }
            guard !ofKind.isEmpty else { continue }
            let required = ofKind.filter(\.required)
            lines.append(
                "| \(kind.rawValue) | \(Self.rate(required.filter(\.detected).count, of: required.count)) | \(Self.rate(ofKind.filter(\.detected).count, of: ofKind.count)) |"
            )
        }
        let required = cells.filter(\.required)
        lines += [
            "",
            "Required cells detected: \(Self.rate(required.filter(\.detected).count, of: required.count)). Targets \(targetsMet ? "met" : "**not met**") (no false alarm, every unchanged check comparable, every required cell detected).",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
