import BenchProtocol
import BenchReport
import BenchStatistics

/// What a check found: the regressions, every judged cell, and lines of context.
public struct GateReport: Sendable {
    public var findings: [Finding] = []
    public var judgements: [Judgement] = []
    public var notes: [String] = []

    public var passed: Bool { findings.isEmpty }

    mutating func add(_ judgement: Judgement) {
        judgements.append(judgement)
        if judgement.outcome == .regression { findings.append(judgement.finding) }
        if judgement.outcome == .untestable, !notes.contains(where: { $0.hasPrefix("too few repeats") }) {
            notes.append("too few repeats for the significance test (Mann–Whitney needs ≥ \(MannWhitney.repeatsNeeded(alpha: judgement.alpha)) per side at α = \(judgement.alpha)); some cells were not judged")
        }
    }

    /// `check.md`: the verdict, the findings, then every judged cell.
    public func markdown(title: String) -> String {
        var lines = ["# \(title)", "", passed ? "**Passed**: no regression." : "**Failed**: \(findings.count) regression(s).", ""]
        for finding in findings { lines.append("- \(finding)") }
        return (lines + notesAndCells()).joined(separator: "\n") + "\n"
    }

    /// `check.md` after the verdict and findings: the notes, then every judged cell (a merged
    /// check's `check.md` ends the same way).
    public func notesAndCells() -> [String] {
        var lines: [String] = []
        if !notes.isEmpty {
            lines += ["", "## Notes", ""]
            for note in notes { lines.append("- \(note)") }
        }
        lines += ["", "## Every judged cell", "",
                  "Regression = significant (one-sided Mann–Whitney U, p < α) **and** worse by more than the metric's minimum effect. "
                  + "*within-margin* = shown to be worse by less than the minimum effect (the repeats against the reference moved by it, *margin p* ≤ \(Gate.settleAlpha)): "
                  + "what lets a row stop before the maximum of repeats; a regression is only ever called at the maximum.", "",
                  "| scenario | scale | metric | against | before (median) | now (median) | change | p | margin p | min effect | repeats (before / now) | outcome |",
                  "|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
        for j in judgements {
            lines.append("| `\(j.scenario)` | \(Format.scale(j.scale)) | \(j.metric) | \(j.against.rawValue) | \(Format.value(j.before, unit: j.unit)) | \(Format.value(j.after, unit: j.unit)) | \(j.changeText) | \(String(format: "%.4f", j.p)) | \(String(format: "%.4f", j.marginP)) | \(String(format: "%.0f%%", j.minEffect * 100)) | \(j.beforeCount) / \(j.afterCount) | \(j.outcome.rawValue) |")
        }
        return lines
    }
}
