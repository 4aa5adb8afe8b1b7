import BenchModel
import BenchProtocol
import BenchReport
import BenchStatistics
import Foundation

/// `bpbench check`: judges a run two ways and lists every regression.
///
/// - **Machine-stable** figures (peak allocated, gauge maxima, status, growth verdict) against
///   the committed baseline, which may come from another machine.
/// - **Machine-bound** figures (throughput, latency, CPU, peak RSS) only against the base
///   revision measured in the same job, interleaved with this one (``base``); without it they are
///   not judged, and the report says so.
///
/// A metric regresses when the change is significant (one-sided Mann–Whitney U over the repeats,
/// p < `alpha`) **and** larger than its `minEffect`. A status change from ok, bounded → grows or
/// inconclusive, grows → anything else (the negative control: the scenario can no longer show
/// growth, or it changed), and a scenario missing from the run always fail. A row the baseline
/// lacks is judged on every metric against the base revision (``judgeWithoutBaseline``); a row
/// neither has is listed as new. With a base revision whose scenario code is this tree's
/// (``sameCodeBase``) no base side ran and the figure cells are not judged at all
/// (``SameCodeBase``); status and growth verdict are judged against the baseline as always.
public struct Gate: Sendable {
    public let baseline: Baseline
    public let thresholds: Thresholds
    /// While adaptive repeats run: the most repeats a side will get. A cell whose regression is
    /// out of reach at that count is ``Judgement/Outcome/cannotRegress``; nil judges the counts
    /// as final.
    public var maximumRepeats: Int?
    /// The base revision (`REV (commit)`) the check was asked to compare with, when its scenario
    /// code is this tree's and so no base side ran (``SameCodeBase``); nil otherwise.
    public var sameCodeBase: String?

    public init(baseline: Baseline, thresholds: Thresholds, maximumRepeats: Int? = nil) {
        self.baseline = baseline
        self.thresholds = thresholds
        self.maximumRepeats = maximumRepeats
    }

    /// This gate over one row of its baseline, its other settings kept (the adaptive rule's view
    /// of a row as its repeats stand).
    public func restricted(to row: RowID, maximumRepeats: Int?) -> Gate {
        var gate = Gate(baseline: baseline.restricted(to: row), thresholds: thresholds, maximumRepeats: maximumRepeats)
        gate.sameCodeBase = sameCodeBase
        return gate
    }

    /// Judges `head` (the run under test) against the baseline and, when given, `base` (the
    /// base revision's run from the same job).
    public func evaluate(head: RunAnalysis, base: RunAnalysis?) -> GateReport {
        var report = GateReport()
        report.notes += baseline.environmentNotes(head.document)
        for (scenario, keys) in (head.document.injected ?? [:]).sorted(by: { $0.key < $1.key }) {
            report.notes.append(
                "injected (a declared change, standing for a code change): \(scenario) \(keys.sorted().joined(separator: ", "))"
            )
        }
        var verdictsSeen: Set<RowID> = []
        // Row → baseline-kind metrics judged against the base revision instead (or named as not
        // judged when none ran).
        var sameJobInstead: [ScenarioSummaries.Key: [Metric]] = [:]
        // …and their judgements against the baseline, for a row the base revision cannot judge.
        var againstBaseline: [ScenarioSummaries.Key: [Judgement]] = [:]
        let machineDifferences = baseline.figureInputDifferences(head.document.environment)
        // The figures are the base revision's to judge — in this job, or not at all when its
        // scenario code is this tree's — and the baseline's only to report drift on.
        let figuresSameJob = base != nil || sameCodeBase != nil
        let inputDifferences = figuresSameJob ? [] : machineDifferences
        var unjudgedForInputs = 0
        // Baseline cells that gate with no between-run spread to judge them against (a one-run
        // baseline, or a metric only one run measured): judged as before format 3, said once.
        var judgedWithoutRunSpread = 0
        // The drift report (with a base revision, the baseline's figures judge nothing): of the
        // cells with recorded runs, those whose head median lies outside the runs' range.
        var driftCells = 0
        var driftOutside: [String] = []
        for entry in baseline.entries {
            guard let summary = head.summaries.summary(entry.scenario, scale: entry.scale) else {
                report.findings.append(
                    Finding(
                        scenario: entry.scenario, scale: entry.scale, metric: "presence", baseline: "present",
                        now: "missing from the run", rule: "every baseline scenario must run"))
                continue
            }
            if entry.status == .ok, summary.status != .ok {
                report.findings.append(
                    Finding(
                        scenario: entry.scenario, scale: entry.scale, metric: "status", baseline: entry.status.rawValue,
                        now: summary.status.rawValue, rule: "status must stay ok"))
                continue
            }
            if !verdictsSeen.contains(entry.scenario) {
                verdictsSeen.insert(entry.scenario)
                var finding = verdictFinding(
                    entry.scenario, scale: entry.scale, expected: entry.verdict, now: head.verdicts[entry.scenario],
                    source: "baseline")
                if finding != nil, !machineDifferences.isEmpty, head.verdicts[entry.scenario]?.kind == .inconclusive {
                    // Bounded → inconclusive on other inputs is the noise, not the code: the
                    // baseline showed "bounded" with its machine's spread (measured: manual-drain
                    // ×0.25/×0.5 pinned to one CPU with net.core.*mem_max at 212,992 came out
                    // inconclusive, its repeats straddling the floor, against a 2-CPU baseline).
                    // The base revision, run here, judges it; without one it is a note. Grows
                    // stays a finding.
                    let baseVerdict = base?.verdicts[entry.scenario]?.kind
                    finding = baseVerdict.flatMap {
                        verdictFinding(
                            entry.scenario, scale: entry.scale, expected: $0, now: head.verdicts[entry.scenario],
                            source: "base revision, same job (the baseline was recorded with other inputs)")
                    }
                    if finding == nil {
                        let baseSide =
                            baseVerdict.map { "the base revision's verdict here: \($0.rawValue)" }
                            ?? (sameCodeBase.map { "no base side ran: \($0) has this tree's scenario code" }
                                ?? "no base revision ran")
                        report.notes.append(
                            "\(entry.scenario): memory_verdict bounded → inconclusive not judged against the baseline, recorded with other inputs (\(machineDifferences.joined(separator: "; "))); \(baseSide)"
                        )
                    }
                }
                if let finding { report.findings.append(finding) }
            }
            for metric in metrics(entry: entry, summary: summary)
            where thresholds.judge(metric, scenario: entry.scenario) == .baseline {
                let row = ScenarioSummaries.Key(row: entry.scenario, scale: entry.scale)
                guard let before = entry.samples[metric.key], !before.isEmpty else {
                    // A metric the baseline never recorded (a gauge added since): the base
                    // revision judges it below when it ran, else a line says it was not judged.
                    sameJobInstead[row, default: []].append(metric)
                    continue
                }
                let judgement = judge(
                    metric, scenario: entry.scenario, scale: entry.scale, before: before,
                    after: summary.samples(metric), against: .baseline,
                    runs: baseline.runSpread(entry, metric: metric.key))
                guard figuresSameJob else {
                    // Recorded with other inputs (socket-buffer sysctls, cores, kernel, library
                    // versions): not a fair reference, so the cell moves to same-job — which,
                    // with no base revision in this job, means not judged, said in a note.
                    if inputDifferences.isEmpty {
                        report.add(judgement)
                        if judgement.baselineRuns == nil { judgedWithoutRunSpread += 1 }
                    } else {
                        unjudgedForInputs += 1
                    }
                    continue
                }
                // With a base revision in the job every cell is judged against it: a baseline
                // recorded in another run moves with that run (manual-drain's heap medians 3.2–3.9
                // MiB over three recorded runs here, pipeline-copy's in-flight 1.9 → 2.7 MiB), a
                // shift no test of one run's repeats knows about (issue 25: a 3 % run-level spread
                // on the baseline cells false-alarmed 22 % of unchanged checks). The baseline
                // still reports drift.
                sameJobInstead[row, default: []].append(metric)
                againstBaseline[row, default: []].append(judgement)
                if let runs = judgement.baselineRuns {
                    driftCells += 1
                    if let drift = runs.drift(of: judgement.after, unit: metric.unit) {
                        driftOutside.append("\(entry.scenario) \(Format.scale(entry.scale)) \(metric.key) \(drift)")
                    }
                }
                if judgement.outcome == .regression {
                    report.notes.append(
                        "drift from the baseline (not a finding: \(base == nil ? "the base revision has this tree's scenario code" : "judged against the base revision in this job")): \(judgement.finding)"
                    )
                }
            }
        }
        if let sameCodeBase, base == nil {
            let sameCode = sameCodeReport(base: sameCodeBase, head: head, sameJobInstead: sameJobInstead)
            report.sameCodeBase = sameCode
            report.notes.append(sameCode.line)
            report.addDrift(driftNote(cells: driftCells, outside: driftOutside))
            if !sameCode.rowsWithoutBaseline.isEmpty {
                report.notes.append(
                    "\(sameCode.rowsWithoutBaseline.joined(separator: ", ")) (not in the baseline): not judged — \(sameCode.reason)"
                )
            }
            return report
        }
        guard let base else {
            if judgedWithoutRunSpread > 0 {
                report.notes.append(
                    "\(Self.unknownRunSpreadNote): \(judgedWithoutRunSpread) machine-stable cells judged against \(baseline.knowsRunSpread ? "one run's repeats (the other runs have no figures for them)" : "one run's repeats alone (the baseline was recorded from one run\(baseline.runs == nil ? ", format \(Baseline.singleRunFormatVersion)" : ""))"), as before — a shift between runs beyond the minimum effect reads as a regression (make baseline records \(BaselineRecording.standardRunCount) runs)"
                )
            }
            if unjudgedForInputs > 0 {
                report.notes.append(
                    "\(unjudgedForInputs) machine-stable cells not judged: the baseline was recorded with other inputs (\(inputDifferences.joined(separator: "; "))) — they need a base revision in the job (check --against REV), or a baseline recorded here"
                )
            }
            for summary in head.summaries {
                guard let metrics = sameJobInstead[ScenarioSummaries.Key(row: summary.scenario, scale: summary.scale)]
                else { continue }
                report.notes.append(
                    "\(summary.scenario) \(Format.scale(summary.scale)): \(metrics.map(\.key).joined(separator: ", ")) not judged: the baseline has no figures for it and no base revision ran"
                )
            }
            for summary in head.summaries where baseline.entry(summary.scenario, scale: summary.scale) == nil {
                report.notes.append(
                    "\(summary.scenario) \(Format.scale(summary.scale)) is not in the baseline and no base revision ran: not judged (make baseline adds it; check --against REV judges it)"
                )
            }
            report.notes.append(
                "machine-bound metrics (throughput, latency, CPU, peak RSS) not judged: no base revision was run in this job (bpbench check --against REV)"
            )
            return report
        }
        report.addDrift(driftNote(cells: driftCells, outside: driftOutside))
        var newRows: [String] = []
        for summary in head.summaries {
            let inBaseline = baseline.entry(summary.scenario, scale: summary.scale) != nil
            guard let other = base.summaries.summary(summary.scenario, scale: summary.scale) else {
                if inBaseline {
                    report.notes.append(
                        "\(summary.scenario) \(Format.scale(summary.scale)): no base-revision run to compare with (skipped on the base side); judged against the baseline only"
                    )
                    for judgement in againstBaseline[ScenarioSummaries.Key(row: summary.scenario, scale: summary.scale)]
                        ?? []
                    {
                        report.add(judgement)
                    }
                } else {
                    newRows.append("\(summary.scenario) \(Format.scale(summary.scale))")
                }
                continue
            }
            if inBaseline {
                guard summary.status == .ok else { continue }  // the baseline loop named it
                guard other.status == .ok else {
                    report.notes.append(
                        "\(summary.scenario) \(Format.scale(summary.scale)): the base revision's runs ended \(other.status.rawValue); same-job metrics not judged, the rest against the baseline"
                    )
                    for judgement in againstBaseline[ScenarioSummaries.Key(row: summary.scenario, scale: summary.scale)]
                        ?? []
                    {
                        report.add(judgement)
                    }
                    continue
                }
                let sameJob = summary.metrics.filter { thresholds.judge($0, scenario: summary.scenario) == .sameJob }
                judgeSameJob(
                    summary, against: other,
                    metrics: sameJob
                        + (sameJobInstead[ScenarioSummaries.Key(row: summary.scenario, scale: summary.scale)] ?? []),
                    into: &report)
            } else {
                judgeWithoutBaseline(
                    summary, against: other, head: head, base: base, verdictsSeen: &verdictsSeen, into: &report)
            }
        }
        report.newRows = newRows
        if !newRows.isEmpty {
            report.notes.append(
                "new (not judged: neither the baseline nor the base revision has it): \(newRows.joined(separator: ", "))"
            )
        }
        return report
    }

    /// The drift report's note, when any cell has recorded runs: of `cells`, those whose head
    /// median lies outside the runs' range (`outside`, each named).
    func driftNote(cells: Int, outside: [String]) -> DriftNote? {
        cells > 0 ? DriftNote(runs: baseline.runs?.count ?? 0, cells: cells, outside: outside) : nil
    }

    /// With a base revision of this tree's scenario code (no base side ran): the figure cells a
    /// base side would have judged — for a baseline row that stayed ok, its same-job metrics and
    /// the baseline-kind ones `sameJobInstead` moved there; for a row the baseline lacks, every
    /// gated metric — counted, and how many baseline rows had their status judged.
    func sameCodeReport(
        base: String, head: RunAnalysis, sameJobInstead: [ScenarioSummaries.Key: [Metric]]
    ) -> SameCodeBase {
        var figureCells = 0
        var rowsJudged = 0
        var rowsWithoutBaseline: [String] = []
        for summary in head.summaries {
            let metrics: [Metric]
            if baseline.entry(summary.scenario, scale: summary.scale) != nil {
                rowsJudged += 1
                guard summary.status == .ok else { continue }  // the baseline loop judged it
                metrics =
                    summary.metrics.filter { thresholds.judge($0, scenario: summary.scenario) == .sameJob }
                    + (sameJobInstead[ScenarioSummaries.Key(row: summary.scenario, scale: summary.scale)] ?? [])
            } else {
                rowsWithoutBaseline.append("\(summary.scenario) \(Format.scale(summary.scale))")
                metrics = summary.metrics.filter { thresholds.judge($0, scenario: summary.scenario) != nil }
            }
            // As judgeSameJob: a metric the head did not measure would not have been judged.
            figureCells += metrics.filter { !summary.samples($0).isEmpty }.count
        }
        return SameCodeBase(
            base: base, figureCells: figureCells, rowsJudged: rowsJudged, rowsWithoutBaseline: rowsWithoutBaseline)
    }

    /// The baseline's metrics and the run's, in a stable order.
    func metrics(entry: Baseline.Entry, summary: ScenarioSummary) -> [Metric] {
        var seen: Set<String> = []
        var result: [Metric] = []
        for metric in summary.metrics + entry.samples.keys.sorted().compactMap(Metric.named)
        where !seen.contains(metric.key) {
            seen.insert(metric.key)
            result.append(metric)
        }
        return result
    }

    /// Judges `metrics` of `summary` against the base revision's repeats of the same row, measured
    /// in this job; a metric the base side has no figures for is named in a note.
    func judgeSameJob(
        _ summary: ScenarioSummary, against other: ScenarioSummary, metrics: [Metric], into report: inout GateReport
    ) {
        var unmeasured: [String] = []
        for metric in metrics {
            let before = other.samples(metric)
            let after = summary.samples(metric)
            guard !after.isEmpty else { continue }  // neither side measured it: nothing to judge
            guard !before.isEmpty else {
                unmeasured.append(metric.key)
                continue
            }
            report.add(
                judge(
                    metric, scenario: summary.scenario, scale: summary.scale, before: before, after: after,
                    against: .sameJob))
        }
        if !unmeasured.isEmpty {
            report.notes.append(
                "\(summary.scenario) \(Format.scale(summary.scale)): \(unmeasured.joined(separator: ", ")) not judged: the base revision's repeats have no figures for it"
            )
        }
    }

    /// A row the baseline lacks but the base revision has — a scenario added after the baseline
    /// was recorded, or a baseline restricted to fewer rows: without this it would pass unjudged,
    /// however much it leaked (issue 25: a 1/32-per-item leak, heap 2 → 8 MiB at ×4, passed
    /// `make check` with no line naming it). Every gated metric, the memory cells the baseline
    /// would judge included, is judged against the base revision in this job; its status must
    /// stay ok, and bounded there must stay bounded. Growth there that stops is a note, not a
    /// finding: the negative control is the baseline's (its growing rows are there to show the
    /// harness still sees growth), while here it is as likely a leak fixed.
    func judgeWithoutBaseline(
        _ summary: ScenarioSummary, against other: ScenarioSummary, head: RunAnalysis, base: RunAnalysis,
        verdictsSeen: inout Set<RowID>, into report: inout GateReport
    ) {
        let row = "\(summary.scenario) \(Format.scale(summary.scale))"
        guard other.status == .ok else {
            report.notes.append(
                "\(row) (not in the baseline): the base revision's runs ended \(other.status.rawValue); not judged")
            return
        }
        guard summary.status == .ok else {
            report.findings.append(
                Finding(
                    scenario: summary.scenario, scale: summary.scale, metric: "status", baseline: other.status.rawValue,
                    now: summary.status.rawValue,
                    rule: "status must stay ok; vs base revision, same job"))
            return
        }
        if !verdictsSeen.contains(summary.scenario) {
            verdictsSeen.insert(summary.scenario)
            let expected = base.verdicts[summary.scenario]?.kind ?? .unknown
            if let finding = verdictFinding(
                summary.scenario, scale: summary.scale, expected: expected, now: head.verdicts[summary.scenario],
                source: "base revision, same job")
            {
                if expected == .bounded {
                    report.findings.append(finding)
                } else {
                    report.notes.append(
                        "\(summary.scenario) (not in the baseline): \(finding.metric) \(finding.baseline) → \(finding.now) against the base revision (not a finding: a leak fixed looks the same)"
                    )
                }
            }
        }
        judgeSameJob(
            summary, against: other,
            metrics: summary.metrics.filter { thresholds.judge($0, scenario: summary.scenario) != nil }, into: &report)
    }

    /// A growth verdict that moved from `expected` (the baseline's, or the base revision's for a
    /// row the baseline lacks) in a way that is always a finding.
    func verdictFinding(
        _ scenario: RowID, scale: Double, expected: GrowthVerdict.Kind, now verdict: GrowthVerdict?, source: String
    ) -> Finding? {
        let now = verdict?.kind ?? .unknown
        let growing: [GrowthVerdict.Kind] = [.grows, .growsWithTime]
        // Bounded is itself a test (growth significantly under the floor), so a bounded row that
        // can no longer show it — inconclusive — has lost what the baseline had, as much as one
        // that now grows: either may be a leak just under or at the floor.
        if expected == .bounded, growing.contains(now) || now == .inconclusive {
            return Finding(
                scenario: scenario, scale: scale, metric: "memory_verdict", baseline: expected.rawValue,
                now: "\(now.rawValue) (\(verdict?.explanation ?? ""))",
                rule: "must stay bounded (growth shown under the floor); vs \(source)")
        }
        if growing.contains(expected), now != expected {
            return Finding(
                scenario: scenario, scale: scale, metric: "memory_verdict", baseline: expected.rawValue,
                now: "\(now.rawValue) (\(verdict?.explanation ?? ""))",
                rule:
                    "negative control: the scenario must still show its growth — the harness lost the ability to see growth, or the scenario changed; vs \(source)"
            )
        }
        return nil
    }

    /// The level at which a cell counts as shown within its margin (``Judgement/Outcome/withinMargin``).
    /// 0.05 is the smallest p 3 + 3 repeats can reach; stopping there risks, at worst, one in
    /// twenty cells whose true change is exactly the minimum effect — a change of 1.5× the
    /// minimum effect or more leaves the repeats above the shifted reference and runs on to the
    /// maximum, where the regression test is the same as with a fixed count.
    public static let settleAlpha = 0.05

    /// How check.md's note on baseline cells judged without a between-run spread begins (and the
    /// one stderr line `check` prints for it).
    public static let unknownRunSpreadNote = "the baseline's between-run spread is unknown"

    /// Tests one metric: significance of the worsening and its size, and whether it is shown to
    /// be smaller than the metric's minimum effect. With `runs` (a baseline recorded from several
    /// runs; `before` their pooled repeats) the size is measured from the worst run's median, so
    /// a regression must lie past it by more than the minimum effect, an improvement past the
    /// best run's.
    public func judge(
        _ metric: Metric, scenario: RowID, scale: Double, before: [Double], after: [Double], against: Thresholds.Judge,
        runs: BaselineRunSpread? = nil
    ) -> Judgement {
        let alpha = thresholds.alpha(against: against)
        let minEffect = max(
            thresholds.limit(for: metric, scenario: scenario)?.minEffect ?? 0,
            Self.noiseFloor(before: before, after: after, factor: thresholds.noiseFactor ?? 0))
        var judgement = Judgement(
            scenario: scenario, scale: scale, metric: metric.key, unit: metric.unit, against: against,
            before: Spread(before)?.median ?? 0, after: Spread(after)?.median ?? 0,
            worsening: 0, p: 1, alpha: alpha, minEffect: minEffect, outcome: .unchanged)
        judgement.beforeCount = before.count
        judgement.afterCount = after.count
        judgement.baselineRuns = runs
        guard !after.isEmpty else {
            judgement.outcome = .untestable
            return judgement
        }
        judgement.worsening = Self.worsening(
            before: judgement.before, after: judgement.after, higherIsBetter: metric.higherIsBetter)
        judgement.p =
            metric.higherIsBetter
            ? MannWhitney.pGreater(before, than: after) : MannWhitney.pGreater(after, than: before)
        let improvementP =
            metric.higherIsBetter
            ? MannWhitney.pGreater(after, than: before) : MannWhitney.pGreater(before, than: after)
        // Across recorded runs the margin, too, is measured from the worst run's median: the
        // pooled repeats moved there, so a cell settles within it exactly when it cannot be the
        // regression the rule below calls.
        let marginReference =
            runs.map { runs in
                before.map { $0 * runs.edge(higherIsBetter: metric.higherIsBetter) / max(judgement.before, 1e-12) }
            } ?? before
        judgement.marginP = Self.marginP(
            before: marginReference, after: after, minEffect: minEffect, higherIsBetter: metric.higherIsBetter)
        // The size of the change: from the pooled median, or, across recorded runs, from the run
        // median on the far side (a shift the baseline's own runs showed is no change).
        let worseningPastRuns =
            runs.map {
                Self.worsening(
                    before: $0.edge(higherIsBetter: metric.higherIsBetter), after: judgement.after,
                    higherIsBetter: metric.higherIsBetter)
            } ?? judgement.worsening
        let improvementPastRuns =
            runs.map {
                -Self.worsening(
                    before: $0.edge(higherIsBetter: metric.higherIsBetter, forImprovement: true),
                    after: judgement.after, higherIsBetter: metric.higherIsBetter)
            } ?? -judgement.worsening
        if MannWhitney.smallestP(before.count, after.count) < alpha, judgement.p < alpha,
            worseningPastRuns > minEffect
        {
            judgement.outcome = .regression
        } else if MannWhitney.smallestP(before.count, after.count) < alpha, improvementP < alpha,
            improvementPastRuns > minEffect
        {
            judgement.outcome = .improvement
        } else if judgement.marginP <= Self.settleAlpha {
            judgement.outcome = .withinMargin
        } else if let maximum = maximumRepeats, after.count < maximum || (against == .sameJob && before.count < maximum)
        {
            let final = (
                before: against == .sameJob ? max(before.count, maximum) : before.count,
                after: max(after.count, maximum)
            )
            if !Self.regressionReachable(
                before: before, after: after, final: final, alpha: alpha, higherIsBetter: metric.higherIsBetter)
            {
                judgement.outcome = .cannotRegress
            } else if MannWhitney.smallestP(before.count, after.count) >= alpha {
                judgement.outcome = .untestable
            }
        } else if MannWhitney.smallestP(before.count, after.count) >= alpha {
            judgement.outcome = .untestable
        }
        return judgement
    }

    /// `factor` × the cell's noise in this check, as a fraction of its median: e^(factor·s) − 1,
    /// with s the pooled standard deviation of each side's own log repeats — each side's own, so
    /// a real shift between the sides does not widen it. Why: a cell whose repeats spread ±20 %
    /// (latency p99, a timing-driven gauge) passes a 10 % minimum effect by chance often enough
    /// that, over the ~230 noisy cells of a check, α alone left 14 % of unchanged checks with a
    /// false alarm in `Scripts/gate-simulation.py` (this project's measured noise; 1.2 % at
    /// α = 0.001, 7 + 7), and 0.18 % with this floor at 3. 0 with fewer than 2 repeats a side or a
    /// value ≤ 0 (a gauge at 0: no relative noise to speak of).
    public static func noiseFloor(before: [Double], after: [Double], factor: Double) -> Double {
        guard factor > 0, before.count >= 2, after.count >= 2, (before + after).allSatisfy({ $0 > 0 }) else { return 0 }
        func variance(_ values: [Double]) -> Double {
            let logs = values.map { Foundation.log($0) }
            let mean = logs.reduce(0, +) / Double(logs.count)
            return logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(logs.count - 1)
        }
        return Foundation.expm1(factor * ((variance(before) + variance(after)) / 2).squareRoot())
    }

    /// Whether the regression test at the final counts could still come out significant: the
    /// pairs seen so far in which `after` was not worse stay in the final U whatever the next
    /// repeats bring, so the best the worse side can reach is every pair but those.
    static func regressionReachable(
        before: [Double], after: [Double], final: (before: Int, after: Int), alpha: Double, higherIsBetter: Bool
    ) -> Bool {
        let worse = higherIsBetter ? MannWhitney.u(before, after) : MannWhitney.u(after, before)
        let notWorse = Double(before.count * after.count) - worse
        let best = Double(final.before * final.after) - notWorse
        return MannWhitney.p(u: best, final.after, final.before) < alpha
    }

    /// One-sided p-value for "`after` is worse than `before` by less than `minEffect`": `after`
    /// against `before` moved by the margin in the worse direction. Both sides one and the same
    /// constant (a gauge pinned at 0 or at a capacity) is no change at all: p = 0.
    static func marginP(before: [Double], after: [Double], minEffect: Double, higherIsBetter: Bool) -> Double {
        guard !before.isEmpty, !after.isEmpty else { return 1 }
        if let only = before.first, (before + after).allSatisfy({ $0 == only }) { return 0 }
        if higherIsBetter {
            return MannWhitney.pGreater(after, than: before.map { $0 * (1 - minEffect) })
        }
        return MannWhitney.pGreater(before.map { $0 * (1 + minEffect) }, than: after)
    }

    /// How much worse `after` is than `before`, as a fraction of `before` (negative = better).
    static func worsening(before: Double, after: Double, higherIsBetter: Bool) -> Double {
        let denominator = max(abs(before), 1e-12)
        if before == 0 && after == 0 { return 0 }
        if before == 0 { return higherIsBetter ? -1 : (after > 0 ? .infinity : 0) }
        return higherIsBetter ? (before - after) / denominator : (after - before) / denominator
    }
}
