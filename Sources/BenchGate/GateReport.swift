import BenchProtocol
import BenchReport
import BenchStatistics

/// What a check found: the regressions, every judged cell, and lines of context.
public struct GateReport: Sendable {
    public var findings: [Finding] = []
    public var judgements: [Judgement] = []
    public var notes: [String] = []
    /// For memory findings: the stacks that grew between a heap-profiled repeat of each side
    /// (``WhatGrewProfiler``), shown under the finding; never part of the verdict.
    public var whatGrew: [WhatGrew] = []

    /// The rows (`row ×scale`) neither the baseline nor the base revision has: listed as new,
    /// never judged — nothing a check could have compared them with (set by ``Gate``).
    public var newRows: [String] = []
    /// Set when the base revision had this tree's scenario code and no base side ran: the figure
    /// cells not judged, and what was (set by ``Gate``).
    public var sameCodeBase: SameCodeBase?
    /// The drift report, when the baseline has recorded runs and a base revision judged the
    /// figures (its ``DriftNote/text`` is among ``notes``; the terminal shows its short form).
    public var drift: DriftNote?
    /// Set when a check that had something to judge judged no cell (``nothingJudged(rowsRun:)``):
    /// then it neither passes nor fails — it says no, *not comparable*, with this line.
    public var notComparable: String?

    public var passed: Bool { findings.isEmpty && notComparable == nil }

    /// Cells the gate came to a judgement on: every cell but those too few repeats left untestable.
    public var judgedCells: Int { judgements.filter { $0.outcome != .untestable }.count }

    /// Why a check judged nothing, when it did: no finding, no cell judged, and among the
    /// `rowsRun` rows (`row ×scale`) one that is not new — a check with something to judge that
    /// judged nothing must not pass ("0 cells judged"). Nil when a cell was judged, a finding was
    /// made (a status or a missing row is judged too), or every row that ran is new. With a base of
    /// this tree's scenario code, statuses and verdicts judged against the baseline are what the
    /// check could judge — the figures cannot differ — and a row the baseline lacks has, like a
    /// new one, nothing it could be compared with.
    public func nothingJudged(rowsRun: Int) -> String? {
        let uncomparable = newRows.count + (sameCodeBase?.rowsWithoutBaseline.count ?? 0)
        guard findings.isEmpty, judgedCells == 0, (sameCodeBase?.rowsJudged ?? 0) == 0, rowsRun > uncomparable
        else { return nil }
        return "no cell could be judged — \(unjudgedReason)"
    }

    /// The first line of the notes that says why cells went unjudged (an A/B that was skipped
    /// comes first: it is usually the cause), else a generic one.
    public var unjudgedReason: String {
        notes.first { note in
            ["skipped", "not judged", "too few repeats", "not compared"].contains { note.contains($0) }
        } ?? "no row had figures on both sides to compare"
    }

    /// The notes as the terminal shows them: the drift note in its short form, the others as
    /// check.md has them.
    public var consoleNotes: [String] {
        notes.map { note in drift.map { note == $0.text ? $0.consoleText : note } ?? note }
    }

    /// Records the drift report (nil: none) and adds its note.
    mutating func addDrift(_ drift: DriftNote?) {
        guard let drift else { return }
        self.drift = drift
        notes.append(drift.text)
    }

    mutating func add(_ judgement: Judgement) {
        judgements.append(judgement)
        if judgement.outcome == .regression { findings.append(judgement.finding) }
        if judgement.outcome == .untestable, !notes.contains(where: { $0.hasPrefix("too few repeats") }) {
            notes.append(
                "too few repeats for the significance test (Mann–Whitney needs ≥ \(MannWhitney.repeatsNeeded(alpha: judgement.alpha)) per side at α = \(judgement.alpha)); some cells were not judged"
            )
        }
    }

    /// `check.md`: the verdict, the findings, then every judged cell.
    public func markdown(title: String) -> String {
        var lines = [
            "# \(title)", "",
            !findings.isEmpty
                ? "**Failed**: \(findings.count) regression(s)."
                : notComparable.map { "**Not comparable** — not a pass: \($0)." } ?? "**Passed**: no regression.",
            "",
        ]
        for finding in findings {
            lines.append("- \(finding)")
            lines += whatGrewLines(under: finding)
        }
        return (lines + notesAndCells()).joined(separator: "\n") + "\n"
    }

    /// The what-grew lines a finding leads: under the first memory finding of a profiled row and
    /// scale (the others on it share the same profiles).
    func whatGrewLines(under finding: Finding) -> [String] {
        // A growth verdict is profiled at the row's largest scale, whatever scale its finding names.
        guard
            let whatGrew = whatGrew.first(where: {
                $0.row == finding.scenario && $0.metrics.first == finding.metric
                    && (finding.metric == "memory_verdict" || $0.scale == finding.scale)
            })
        else { return [] }
        return whatGrew.markdownLines()
    }

    /// `check.md` after the verdict and findings: the notes, then every judged cell (a merged
    /// check's `check.md` ends the same way).
    public func notesAndCells() -> [String] {
        var lines: [String] = []
        if !notes.isEmpty {
            lines += ["", "## Notes", ""]
            for note in notes { lines.append("- \(note)") }
        }
        lines += [
            "", "## Every judged cell", "",
            "Regression = significant (one-sided Mann–Whitney U, p < α) **and** worse by more than the metric's minimum effect. "
                + "*within-margin* = shown to be worse by less than the minimum effect (the repeats against the reference moved by it, *margin p* ≤ \(Gate.settleAlpha)): "
                + "what lets a row stop before the maximum of repeats; a regression is only ever called at the maximum.",
            "",
            "| scenario | scale | metric | against | before (median) | now (median) | change | p | margin p | min effect | repeats (before / now) | outcome |",
            "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for j in judgements {
            lines.append(
                "| `\(j.scenario)` | \(Format.scale(j.scale)) | \(j.metric) | \(j.referenceText) | \(Format.value(j.before, unit: j.unit)) | \(Format.value(j.after, unit: j.unit)) | \(j.changeText) | \(String(format: "%.4f", j.p)) | \(String(format: "%.4f", j.marginP)) | \(String(format: "%.0f%%", j.minEffect * 100)) | \(j.beforeCount) / \(j.afterCount) | \(j.outcome.rawValue) |"
            )
        }
        return lines
    }
}
