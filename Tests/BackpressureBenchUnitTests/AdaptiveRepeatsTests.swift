import BenchProtocol
import BenchTestSupport
import XCTest

@testable import BenchCore
@testable import BenchGate
@testable import BenchModel
@testable import BenchReport
@testable import BenchStatistics
@testable import BenchSystem

/// Adaptive repeats: the interval, the two stopping rules and the runners' loops, each made to
/// come out both ways (stop early / run on to the maximum).
final class AdaptiveRepeatsTests: ProcessFreeTestCase {
    // MARK: - The median's interval

    func testMedianIntervalTakesTheWidestOrderStatisticsThatReachTheLevel() throws {
        // n = 3 and 4 cannot reach 90 % (min–max covers 75 % and 87.5 %); n = 5 can (93.75 %).
        XCTAssertNil(MedianInterval([1, 2, 3], level: 0.9))
        XCTAssertNil(MedianInterval([1, 2, 3, 4], level: 0.9))
        let five = try XCTUnwrap(MedianInterval([5, 1, 4, 2, 3], level: 0.9))
        XCTAssertEqual([five.lower, five.median, five.upper], [1, 3, 5])
        XCTAssertEqual(five.coverage, 0.9375, accuracy: 1e-12)
        // n = 8: [x₂, x₇] covers 93 %, so the extremes drop out.
        let eight = try XCTUnwrap(MedianInterval([10, 1, 2, 3, 4, 5, 6, 100], level: 0.9))
        XCTAssertEqual([eight.lower, eight.upper], [2, 10])
        XCTAssertEqual(eight.coverage, 1 - 2 * 9.0 / 256, accuracy: 1e-12)
        // At 75 % three repeats suffice.
        XCTAssertEqual(try XCTUnwrap(MedianInterval([1, 2, 3], level: 0.75)).coverage, 0.75, accuracy: 1e-12)
        // Width as a share of the median: ±50 % here, 0 when all agree.
        XCTAssertEqual(
            try XCTUnwrap(MedianInterval([1, 2, 3, 2, 2], level: 0.9)).relativeHalfWidth, 0.5, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(MedianInterval([7, 7, 7, 7, 7], level: 0.9)).relativeHalfWidth, 0)
    }

    // MARK: - Within the margin

    func testWithinMarginIsShownOrNot() {
        let gate = Gate(baseline: Baseline(RunAnalysis(Synthetic.document())), thresholds: .standard)
        let before: [Double] = [100, 101, 99, 100, 102]
        // Three tight repeats against five: every one below before × 1.1 → shown within 10 %.
        let tight = gate.judge(
            .peakAllocated, scenario: "s", scale: 1, before: before, after: [100, 101, 100], against: .baseline)
        XCTAssertEqual(tight.outcome, .withinMargin)
        XCTAssertTrue(tight.isSettled)
        XCTAssertEqual(tight.marginP, 1.0 / 56, accuracy: 1e-12)
        // The same three repeats 12 % up: not within the margin, and too few to call a
        // regression — unsettled, so adaptive repeats run on.
        let worse = gate.judge(
            .peakAllocated, scenario: "s", scale: 1, before: before, after: [112, 113, 112], against: .baseline)
        XCTAssertEqual(worse.outcome, .untestable)
        XCTAssertFalse(worse.isSettled)
        // 3 + 3 reach exactly 0.05 when fully separated from the shifted reference.
        XCTAssertEqual(
            gate.judge(
                .peakAllocated, scenario: "s", scale: 1, before: [100, 100, 101], after: [100, 101, 99],
                against: .sameJob
            ).outcome, .withinMargin)
        // Noise wider than the margin is never settled early.
        XCTAssertEqual(
            gate.judge(
                .peakAllocated, scenario: "s", scale: 1, before: [100, 100, 101], after: [100, 130, 99],
                against: .sameJob
            ).outcome, .untestable)
        // Throughput: better when higher, so the margin lies below.
        XCTAssertEqual(
            gate.judge(
                .throughputBytes, scenario: "s", scale: 1, before: [100, 100, 101], after: [99, 100, 101],
                against: .sameJob
            ).outcome, .withinMargin)
        XCTAssertEqual(
            gate.judge(
                .throughputBytes, scenario: "s", scale: 1, before: [100, 100, 101], after: [80, 81, 80],
                against: .sameJob
            ).outcome, .untestable)
        // A gauge pinned at the same constant on both sides (0, or a capacity) is no change.
        XCTAssertEqual(
            gate.judge(
                .gauge(GaugeKey("downstream_waiting")), scenario: "s", scale: 1, before: [0, 0, 0, 0, 0],
                after: [0, 0, 0],
                against: .baseline
            ).outcome, .withinMargin)
        XCTAssertEqual(
            gate.judge(
                .gauge(GaugeKey("downstream_waiting")), scenario: "s", scale: 1, before: [0, 0, 0, 0, 0],
                after: [0, 3, 0],
                against: .baseline
            ).outcome, .untestable)
    }

    func testCannotRegressOnlyWhenTheFinalTestIsOutOfReach() {
        // Noise wider than the 10 % margin, 3 + 3 of a 5 + 5 maximum.
        let before: [Double] = [100, 130, 90]
        var gate = Gate(baseline: Baseline(RunAnalysis(Synthetic.document())), thresholds: .standard, maximumRepeats: 5)
        // 4 of 9 pairs already favour the reference: the final U can reach at most 21 of 25,
        // p = 0.028 ≥ 0.01 — whatever two more repeats bring, no regression can be called.
        let mixed = gate.judge(
            .peakRss, scenario: "s", scale: 1, before: before, after: [95, 125, 105], against: .sameJob)
        XCTAssertEqual(mixed.outcome, .cannotRegress)
        XCTAssertTrue(mixed.isSettled)
        XCTAssertFalse(
            Gate.regressionReachable(
                before: before, after: [95, 125, 105], final: (5, 5), alpha: 0.01, higherIsBetter: false))
        // Every pair so far worse: two more worse repeats would make it p = 0.004 — run on.
        let worse = gate.judge(
            .peakRss, scenario: "s", scale: 1, before: before, after: [140, 141, 142], against: .sameJob)
        XCTAssertEqual(worse.outcome, .untestable)
        XCTAssertFalse(worse.isSettled)
        // One pair against (U = 8 of 9): the final U can still reach 24, p = 0.008 — run on.
        XCTAssertTrue(
            Gate.regressionReachable(
                before: before, after: [120, 141, 142], final: (5, 5), alpha: 0.01, higherIsBetter: false))
        // Throughput reads the other way round.
        XCTAssertFalse(
            Gate.regressionReachable(
                before: [100, 101, 102], after: [101, 103, 99], final: (5, 5), alpha: 0.01, higherIsBetter: true))
        XCTAssertTrue(
            Gate.regressionReachable(
                before: [100, 101, 102], after: [60, 61, 62], final: (5, 5), alpha: 0.01, higherIsBetter: true))
        // At the maximum (or without one) the counts are final: never "cannot regress".
        gate.maximumRepeats = nil
        XCTAssertEqual(
            gate.judge(.peakRss, scenario: "s", scale: 1, before: before, after: [95, 125, 105], against: .sameJob)
                .outcome, .untestable)
    }

    // MARK: - The gate's rule

    func testGateRuleSettlesAnUnchangedRowAndNotARegressedOne() {
        let baseline = Baseline(RunAnalysis(Synthetic.document()))
        let gate = Gate(baseline: baseline, thresholds: .standard)
        let three = Synthetic.document(repeats: 3)
        let rule = GateRepeatRule(gate: gate, head: three, base: three, maximumRepeats: 5)
        func records(_ document: RunDocument, _ row: RowID) -> [RunRecord] {
            document.records.filter { $0.scenario == row }
        }
        // pipeline-copy's three repeats match the baseline on both sides: nothing more to run.
        XCTAssertEqual(
            rule.unsettledScales(
                row: "pipeline-copy", scales: [1, 4], records: records(three, "pipeline-copy"),
                otherSide: records(three, "pipeline-copy")), [])
        // ignored-drain holding half as much again: its heap is no longer within 10 % → both scales run on.
        let more = Synthetic.document(ignoredDrainFactor: 1.5, repeats: 3)
        XCTAssertEqual(
            rule.unsettledScales(
                row: "ignored-drain", scales: [1, 4], records: records(more, "ignored-drain"),
                otherSide: records(three, "ignored-drain")), [1, 4])
        // ignored-drain unchanged: its cells settle, but "grows" needs p < 0.01, which 3 + 3 cannot
        // reach — the verdict is not yet the baseline's, so the end scales run on.
        XCTAssertEqual(
            rule.unsettledScales(
                row: "ignored-drain", scales: [1, 4], records: records(three, "ignored-drain"),
                otherSide: records(three, "ignored-drain")), [1, 4])
        let five = Synthetic.document()
        XCTAssertEqual(
            rule.unsettledScales(
                row: "ignored-drain", scales: [1, 4], records: records(five, "ignored-drain"),
                otherSide: records(five, "ignored-drain")), [])
    }

    /// The scripted A/B of GateTests, adaptive: unchanged code stops at the minimum, a 30 %
    /// slower head runs on to the maximum and is still caught there.
    func testScriptedAdaptiveABStopsEarlyUnchangedAndCatchesARegressionAtTheMaximum() throws {
        let entry = ScenarioCatalog.Entry(
            folder: "/nowhere", executable: "/nowhere/x",
            description: ScenarioDescription(name: "pipeline-copy", summary: "scripted", parameters: []))
        let fixed = try RunPlan(entries: [entry], profile: .quick, repeats: 5, warmups: 1, scales: [1], overrides: [])
        let adaptive = try RunPlan(
            entries: [entry], profile: .quick, repeats: 3, maxRepeats: 5, warmups: 1, scales: [1], overrides: [])
        func run(
            _ plan: RunPlan, headFactor: Double, baseline: Baseline?
        ) -> (head: RunDocument, base: RunDocument, children: Int) {
            let head = ScriptedExecutor(name: "head", throughput: 100 * headFactor)
            let base = ScriptedExecutor(name: "base", throughput: 100)
            let runner = InterleavedRunner(
                head: .init(name: "head", executor: head, plan: plan, logDirectory: "/tmp"),
                base: .init(name: "base", executor: base, plan: plan, logDirectory: "/tmp"), interruption: nil)
            var headDocument = RunDocument(
                startedAt: "t", profile: "quick", repeats: plan.repeats, warmups: 1, scales: [1], limits: ChildLimits(),
                environment: Synthetic.environment)
            var baseDocument = headDocument
            let rule = baseline.map {
                GateRepeatRule(
                    gate: Gate(baseline: $0, thresholds: .standard), head: headDocument, base: baseDocument,
                    maximumRepeats: plan.repeatPolicy.maximum)
            }
            var children = 0
            runner.execute(head: &headDocument, base: &baseDocument, rule: rule) { event in
                if case .starting = event { children += 1 }
            }
            return (headDocument, baseDocument, children)
        }
        let recorded = run(fixed, headFactor: 1, baseline: nil)
        XCTAssertEqual(recorded.children, 12)
        let baseline = Baseline(RunAnalysis(recorded.base))
        let gate = Gate(baseline: baseline, thresholds: .standard)

        let unchanged = run(adaptive, headFactor: 1, baseline: baseline)
        XCTAssertEqual(unchanged.head.records.count, 3, "settled after the minimum")
        XCTAssertEqual(unchanged.base.records.count, 3)
        XCTAssertEqual(unchanged.children, 8, "a warm-up and three repeats per side")
        let passed = gate.evaluate(head: RunAnalysis(unchanged.head), base: RunAnalysis(unchanged.base))
        XCTAssertEqual(passed.findings, [])
        XCTAssertFalse(
            passed.judgements.contains { $0.outcome == .untestable },
            "every cell is shown within its margin: \(passed.judgements.map(\.outcome))")

        let slower = run(adaptive, headFactor: 0.7, baseline: baseline)
        XCTAssertEqual(slower.head.records.count, 5, "a cell that looks worse runs to the maximum")
        XCTAssertEqual(slower.base.records.count, 5)
        XCTAssertEqual(slower.head.records.map(\.repeatIndex), [1, 2, 3, 4, 5])
        let caught = gate.evaluate(head: RunAnalysis(slower.head), base: RunAnalysis(slower.base))
        XCTAssertTrue(
            caught.findings.contains { $0.metric == "throughput_bytes_per_s" && $0.rule.contains("same job") },
            "\(caught.findings)")
    }

    // MARK: - The run's rule

    /// A one-row plan (pipeline-copy at ×1, 5 to `maxRepeats` repeats) run through `rule`, each
    /// repeat's heap ±`spread` around 3 MB alternately, throughput steady.
    private func runAlternating(spread: Double, maxRepeats: Int, rule: PrecisionRule) throws -> RunDocument {
        let entry = ScenarioCatalog.Entry(
            folder: "/nowhere", executable: "/nowhere/x",
            description: ScenarioDescription(name: "pipeline-copy", summary: "scripted", parameters: []))
        let plan = try RunPlan(
            entries: [entry], profile: .standard, repeats: 5, maxRepeats: maxRepeats, warmups: 0, scales: [1],
            overrides: [])
        // Synthetic's fixed host: RunDocument(plan:…) would capture this one (git, swift — processes).
        var document = RunDocument(
            startedAt: "t", profile: plan.profile.rawValue, repeats: plan.repeats, warmups: plan.warmups,
            scales: plan.scales, limits: ChildLimits(), environment: Synthetic.environment)
        document.maxRepeats = plan.repeatPolicy.maximum
        document.ciWidth = rule.width
        document.ciLevel = rule.level
        BenchRunner.execute(
            plan, rule: rule, interruption: nil, into: &document, progress: { _ in },
            run: { step in
                let wobble = 1 + (step.repeatIndex % 2 == 0 ? spread : -spread)
                return Synthetic.record(
                    "pipeline-copy", scale: step.scale, repeatIndex: step.repeatIndex, peakRss: 30 << 20,
                    allocated: Int(3_000_000 * wobble), bytes: 24 << 20, throughput: 16_000_000)
            })
        return document
    }

    func testPrecisionRuleRunsNoisyRowsOnAndStopsTightOnes() throws {
        let rule = PrecisionRule(width: 0.05, level: 0.9)
        func run(spread: Double) throws -> RunDocument { try runAlternating(spread: spread, maxRepeats: 8, rule: rule) }
        // ±1 % is within ±5 % from the start, but the rule stops on a 95 % interval, which 5
        // repeats cannot give (min–max covers 93.8 %): it stops at 6 (96.9 %), not at 5.
        XCTAssertEqual(try run(spread: 0.01).records.count, 6, "±1 % settles at the first count with a 95 % interval")
        XCTAssertNil(MedianInterval([1, 1, 1, 1, 1], level: PrecisionRule.stoppingLevel))
        XCTAssertEqual(PrecisionRule(width: 0.05, level: 0.99).stopLevel, 0.99, "a higher level asked for is kept")
        let noisy = try run(spread: 0.2)
        XCTAssertEqual(noisy.records.count, 8, "±20 % never settles: it runs to the maximum")
        XCTAssertEqual(noisy.records.map(\.repeatIndex), Array(1...8))

        // A row whose repeats failed is not chased, however wide its figures.
        let summary = ScenarioSummary(
            scenario: "r", scale: 1,
            records: [
                Synthetic.record("r", peakRss: 1, allocated: 1, bytes: 1, throughput: 1),
                Synthetic.record(
                    "r", repeatIndex: 2, status: .crashed, peakRss: 9, allocated: 9, bytes: 1, throughput: 1),
            ])
        XCTAssertEqual(rule.unsettledScales(row: "r", scales: [1], records: summary.records, otherSide: []), [])
    }

    func testPrecisionRuleRunsAnInconclusiveVerdictOn() {
        let rule = PrecisionRule(width: 0.5, level: 0.75)
        // ignored-drain with three repeats per scale: figures tight, but "grows" cannot be
        // significant at 3 + 3 — inconclusive, so both end scales get more.
        let three = Synthetic.document(repeats: 3).records.filter { $0.scenario == "ignored-drain" }
        XCTAssertEqual(
            rule.unsettledScales(row: "ignored-drain", scales: [1, 4], records: three, otherSide: []), [1, 4])
        // Six repeats: the first count with a 95 % interval to stop on, and "grows" significant.
        let six = Synthetic.document(repeats: 6).records.filter { $0.scenario == "ignored-drain" }
        XCTAssertEqual(rule.unsettledScales(row: "ignored-drain", scales: [1, 4], records: six, otherSide: []), [])
        // A bounded row settles too.
        let bounded = Synthetic.document(repeats: 6).records.filter { $0.scenario == "pipeline-copy" }
        XCTAssertEqual(rule.unsettledScales(row: "pipeline-copy", scales: [1, 4], records: bounded, otherSide: []), [])
    }

    // MARK: - Futility and the time budget

    func testNarrowestReachableSeesPastOneOutlierButNotPastTwoModes() throws {
        // One outlier in five: at 10 repeats the 95 % interval is [x₂, x₉], so repeats of 100 and
        // 101 drop the 130 and the 99 — [100, 101] around a median of 100.5, ±0.5 %: reachable,
        // the row is worth going on with.
        let outlier = try XCTUnwrap(PrecisionRule.narrowestReachable([100, 101, 99, 100, 130], upTo: 10, level: 0.95))
        XCTAssertEqual(outlier, 0.5 / 100.5, accuracy: 1e-12)
        // Two values each at 80 and 120: whatever repeats follow, [x₂, x₉] holds both ends.
        let modes = try XCTUnwrap(PrecisionRule.narrowestReachable([80, 120, 80, 120, 100], upTo: 10, level: 0.95))
        XCTAssertEqual(modes, 0.2, accuracy: 1e-12)
        // Nothing left to add, or nothing to add to.
        XCTAssertNil(PrecisionRule.narrowestReachable(Array(repeating: 1, count: 10), upTo: 10, level: 0.95))
        XCTAssertNil(PrecisionRule.narrowestReachable([], upTo: 10, level: 0.95))
        // No count up to the maximum reaches the level at all: infinitely wide, i.e. futile.
        XCTAssertEqual(PrecisionRule.narrowestReachable([1, 2], upTo: 5, level: 0.95), .infinity)
        // Past the mix limit (C(40, 5) = 658,008 samples) it does not search: no futility stop.
        XCTAssertNil(PrecisionRule.narrowestReachable([80, 120, 80, 120, 100], upTo: 40, level: 0.95))
        XCTAssertNotNil(PrecisionRule.narrowestReachable([80, 120, 80, 120, 100], upTo: 20, level: 0.95))
    }

    /// Records of one row at one scale: heap `allocated[i]`, throughput steady, each child
    /// `wallS` long.
    private func repeats(_ row: RowID, scale: Double = 1, allocated: [Int], wallS: Double = 1) -> [RunRecord] {
        allocated.enumerated().map { index, heap in
            var record = Synthetic.record(
                row, scale: scale, repeatIndex: index + 1, peakRss: 30 << 20, allocated: heap, bytes: 24 << 20,
                throughput: 16_000_000)
            record.observed.wallS = wallS
            return record
        }
    }

    func testFutilityStopsARowNoFurtherRepeatsCouldSettleAndOnlyThatOne() {
        let futile = repeats("r", allocated: [80, 120, 80, 120, 100].map { $0 * 30_000 })
        let hopeful = repeats("r", allocated: [100, 101, 99, 100, 130].map { $0 * 30_000 })
        let rule = PrecisionRule(width: 0.05, level: 0.9, maximum: 10)
        XCTAssertEqual(rule.unsettledScales(row: "r", scales: [1], records: futile, otherSide: []), [], "futile: stops")
        XCTAssertEqual(rule.unsettledScales(row: "r", scales: [1], records: hopeful, otherSide: []), [1], "goes on")
        // Without a maximum to look ahead to, the futile row runs on as before.
        XCTAssertEqual(
            PrecisionRule(width: 0.05, level: 0.9).unsettledScales(
                row: "r", scales: [1], records: futile, otherSide: []),
            [1])
        // Nine repeats with two outliers at 130: at 10 (and 11) the 95 % interval reaches the
        // second highest, so one more repeat cannot settle it; with three left, [x₃, x₁₀] of 12
        // drops both.
        let late = repeats("r", allocated: [100, 70, 101, 99, 100, 130, 100, 101, 130].map { $0 * 30_000 })
        XCTAssertEqual(rule.unsettledScales(row: "r", scales: [1], records: late, otherSide: []), [])
        XCTAssertEqual(
            PrecisionRule(width: 0.05, level: 0.9, maximum: 12).unsettledScales(
                row: "r", scales: [1], records: late, otherSide: []), [1], "with three left it could still settle")
    }

    func testFutilityRunsInAPlanAndTheReportSaysWhy() throws {
        // Heap alternating ±20 % around 3 MB: no mix of these values ever settles.
        func run(_ rule: PrecisionRule) throws -> RunDocument {
            try runAlternating(spread: 0.2, maxRepeats: 10, rule: rule)
        }
        let stopped = try run(PrecisionRule(width: 0.05, level: 0.9, maximum: 10))
        XCTAssertEqual(stopped.records.count, 5, "futile at the minimum: no repeat past it")
        let cell = MarkdownExporter().repeatsCell(
            try XCTUnwrap(summarize(stopped.records).first), document: stopped)
        // Three 2.4 MB and two 3.6 MB: the shown interval is ±50 % of the 2.4 MB median; the best any
        // mix of further repeats could do is ±20 % (x₂ = 2.4, x₉ = 3.6 around 3.0).
        XCTAssertEqual(cell, "5 · ±50.0 % ⚠ futile: ±20.0 % at best by 10")
        let ran = try run(PrecisionRule(width: 0.05, level: 0.9))
        XCTAssertEqual(ran.records.count, 10, "without the futility stop it spends the maximum")
        XCTAssertEqual(
            MarkdownExporter().repeatsCell(try XCTUnwrap(summarize(ran.records).first), document: ran),
            "10 · ±20.0 % ⚠", "at the maximum: no reason after the mark")
        XCTAssertTrue(MarkdownExporter.repeatsText(stopped).contains("*futile*"))
    }

    func testAnInconclusiveVerdictIsNotStoppedForFutilityButIsByTheBudget() {
        // ignored-drain's throughput made to swing ±30 % on every other repeat: no mix of its
        // values settles it, so once the verdict is firm (six repeats: grows) the row is futile.
        func noisy(_ records: [RunRecord]) -> [RunRecord] {
            records.map { record in
                var record = record
                if record.repeatIndex % 2 == 0, var result = record.result {
                    result.durationS *= 1.3
                    record.result = result
                }
                record.observed.wallS = 1
                return record
            }
        }
        let six = noisy(Synthetic.document(repeats: 6).records.filter { $0.scenario == "ignored-drain" })
        XCTAssertEqual(
            PrecisionRule(width: 0.05, level: 0.75).unsettledScales(
                row: "ignored-drain", scales: [1, 4], records: six, otherSide: []), [1, 4], "imprecise: goes on")
        XCTAssertEqual(
            PrecisionRule(width: 0.05, level: 0.75, maximum: 10).unsettledScales(
                row: "ignored-drain", scales: [1, 4], records: six, otherSide: []), [], "futile: stops")
        // Three repeats: the verdict is inconclusive, which keeps the row going however futile.
        let three = noisy(Synthetic.document(repeats: 3).records.filter { $0.scenario == "ignored-drain" })
        let strict = PrecisionRule(width: 0.05, level: 0.75, maximum: 10)
        XCTAssertEqual(
            strict.unsettledScales(row: "ignored-drain", scales: [1, 4], records: three, otherSide: []), [1, 4])
        // … until its repeats at a scale have taken the budget: 3 × 1 s against 3 s and 4 s.
        var budgeted = strict
        budgeted.budgetS = 3
        XCTAssertEqual(
            budgeted.unsettledScales(row: "ignored-drain", scales: [1, 4], records: three, otherSide: []), [])
        budgeted.budgetS = 4
        XCTAssertEqual(
            budgeted.unsettledScales(row: "ignored-drain", scales: [1, 4], records: three, otherSide: []), [1, 4])
    }

    func testTheBudgetStopsAnImpreciseRowAndTheReportSaysSo() throws {
        // ±3 % at five repeats: could settle by 10, so only the budget stops it.
        let five = repeats("r", allocated: [97, 100, 103, 100, 99].map { $0 * 30_000 }, wallS: 4.5)
        var rule = PrecisionRule(width: 0.05, level: 0.9, maximum: 10, budgetS: 25)
        XCTAssertEqual(rule.unsettledScales(row: "r", scales: [1], records: five, otherSide: []), [1], "22.5 s < 25 s")
        rule.budgetS = 20
        XCTAssertEqual(rule.unsettledScales(row: "r", scales: [1], records: five, otherSide: []), [], "22.5 s ≥ 20 s")
        var document = RunDocument(
            startedAt: "t", profile: "standard", repeats: 5, warmups: 0, scales: [1], limits: ChildLimits(),
            environment: Synthetic.environment)
        document.maxRepeats = 10
        document.ciWidth = 0.02
        document.ciLevel = 0.9
        document.repeatBudgetS = 20
        document.records = five
        let summary = try XCTUnwrap(summarize(five).first)
        XCTAssertEqual(MarkdownExporter().repeatsCell(summary, document: document), "5 · ±3.0 % ⚠ time budget (20 s)")
        XCTAssertTrue(
            MarkdownExporter.repeatsText(document).contains(
                "*time budget* when its repeats at that scale had taken 20 s"))
        document.repeatBudgetS = nil
        XCTAssertFalse(MarkdownExporter().repeatsCell(summary, document: document).contains("budget"))
    }

    func testAdaptivePlansAreValidated() throws {
        let entry = ScenarioCatalog.Entry(
            folder: "/nowhere", executable: "/nowhere/x",
            description: ScenarioDescription(name: "s", summary: "scripted", parameters: []))
        XCTAssertThrowsError(
            try RunPlan(
                entries: [entry], profile: .quick, repeats: 5, maxRepeats: 4, warmups: 0, scales: [1], overrides: [])
        ) { error in
            XCTAssertEqual((error as? BenchError)?.kind, .usage)
        }
        var plan = try RunPlan(
            entries: [entry], profile: .quick, repeats: 3, maxRepeats: 6, warmups: 1, scales: [1], overrides: [])
        XCTAssertTrue(plan.repeatPolicy.isAdaptive)
        XCTAssertEqual(plan.extensibleScales, [1])
        plan.scales = [1, 2, 4]
        XCTAssertEqual(plan.extensibleScales, [1, 4], "the interior scale only feeds the slope")
        XCTAssertFalse(
            try RunPlan(entries: [entry], profile: .quick, repeats: 3, warmups: 0, scales: [1], overrides: [])
                .repeatPolicy.isAdaptive)
    }
}
