import BenchProtocol
import BenchTestSupport
import XCTest

@testable import BenchCore
@testable import BenchModel
@testable import BenchReport
@testable import BenchStatistics

/// Every kind of seed claim, made to come out "does not hold" (and, beside it, "holds").
final class ClaimTests: ProcessFreeTestCase {
    func result(
        _ check: SeedClaim.Check, _ scenario: RowID, _ document: RunDocument = Synthetic.document()
    ) -> ClaimOutcome.Result {
        let analysis = RunAnalysis(document)
        return ClaimOutcome.check(
            check, scenario: scenario, summaries: analysis.summaries, verdict: analysis.verdicts[scenario]
        ).0
    }

    func testVerdictClaims() {
        XCTAssertEqual(result(.memoryBounded, "pipeline-copy"), .holds)
        XCTAssertEqual(result(.memoryBounded, "ignored-drain"), .doesNotHold)
        XCTAssertEqual(result(.memoryGrows, "ignored-drain"), .holds)
        XCTAssertEqual(result(.memoryGrows, "pipeline-copy"), .doesNotHold)
        // Too few repeats to decide: inconclusive, never a pass.
        XCTAssertEqual(result(.memoryGrows, "ignored-drain", Synthetic.document(repeats: 3)), .inconclusive)
    }

    func testPeakPerInputByte() {
        XCTAssertEqual(result(.peakAllocatedPerInputByte(min: 0.8, max: 1.2), "ignored-drain"), .holds)
        XCTAssertEqual(result(.peakAllocatedPerInputByte(min: 0.8, max: 1.2), "pipeline-copy"), .doesNotHold)
    }

    func testThroughputRatio() {
        XCTAssertEqual(
            result(.throughputRatio(scenario: "pipeline-copy", min: 0.95, max: 1.05), "ignored-drain"), .holds)
        var slower = Synthetic.document()
        for index in slower.records.indices where slower.records[index].scenario == "ignored-drain" {
            slower.records[index].result!.durationS *= 2
        }
        XCTAssertEqual(
            result(.throughputRatio(scenario: "pipeline-copy", min: 0.95, max: 1.05), "ignored-drain", slower),
            .doesNotHold)
    }

    /// "As fast as" is one-sided: being faster holds it, being slower by more than the slack
    /// fails it, and repeats that straddle the limit cannot tell.
    func testOneSidedThroughputRatioOnItsInterval() {
        func scaled(_ factor: (Int) -> Double) -> RunDocument {
            var document = Synthetic.document()
            for index in document.records.indices where document.records[index].scenario == "ignored-drain" {
                document.records[index].result!.durationS /= factor(document.records[index].repeatIndex)
            }
            return document
        }
        let atLeast = SeedClaim.Check.throughputRatioAtLeast(scenario: "pipeline-copy", min: 0.95)
        let within = SeedClaim.Check.throughputRatio(scenario: "pipeline-copy", min: 0.95, max: 1.05)
        let faster = scaled { _ in 1.3 }
        XCTAssertEqual(result(atLeast, "ignored-drain", faster), .holds)
        XCTAssertEqual(
            result(within, "ignored-drain", faster), .doesNotHold, "a two-sided range still fails a faster row")
        XCTAssertEqual(result(atLeast, "ignored-drain", scaled { _ in 0.7 }), .doesNotHold)
        // Repeats from 0.85× to 1.05×: the ratio's interval straddles 0.95.
        XCTAssertEqual(result(atLeast, "ignored-drain", scaled { 0.8 + 0.05 * Double($0) }), .inconclusive)
        XCTAssertEqual(
            result(atLeast, "ignored-drain", Synthetic.document(repeats: 2)), .notMeasured,
            "2 + 2 repeats have no 90 % interval")
    }

    /// Moses' interval at 5 + 5: the 5th smallest and 5th largest of the 25 pairwise ratios.
    func testRatioIntervalOrderStatistics() throws {
        let interval = try XCTUnwrap(RatioInterval([1, 2, 3, 4, 5], over: [1, 1, 1, 1, 1], level: 0.90))
        XCTAssertEqual(interval.estimate, 3, accuracy: 1e-9)
        XCTAssertEqual(interval.lower, 1, accuracy: 1e-9)
        XCTAssertEqual(interval.upper, 5, accuracy: 1e-9)
        XCTAssertEqual(interval.coverage, 1 - 2 * 12.0 / 252, accuracy: 1e-9)
        XCTAssertNil(RatioInterval([1, 2], over: [1, 2], level: 0.90))
        let three = try XCTUnwrap(
            RatioInterval([2, 3, 4], over: [1, 1, 1], level: 0.90), "3 + 3 reaches 90 % exactly (tail 1/20 each side)")
        XCTAssertEqual(three.coverage, 0.90, accuracy: 1e-12)
        XCTAssertNil(RatioInterval([1, 2, 3], over: [0, 1, 2], level: 0.90), "a zero throughput has no log")
    }

    /// Every-repeat claims read the plan's fixed count: a row that adaptive repeats ran longer
    /// gets no more chances to fail than one that stopped at the minimum.
    func testEveryRepeatClaimsReadAFixedCount() {
        var document = Synthetic.document(repeats: 7)
        for index in document.records.indices { document.records[index].result?.metrics["lost"] = 0 }
        let late = document.records.lastIndex { $0.scenario == "pipeline-copy" && $0.repeatIndex == 7 }!
        document.records[late].result?.metrics["lost"] = 3
        let analysis = RunAnalysis(document)
        func judged(_ count: Int?) -> ClaimOutcome.Result {
            ClaimOutcome.check(
                .metricEquals(metric: "lost", value: 0), scenario: "pipeline-copy", summaries: analysis.summaries,
                verdict: nil, everyRepeatCount: count
            ).0
        }
        XCTAssertEqual(judged(5), .holds)
        XCTAssertEqual(judged(7), .doesNotHold)
        XCTAssertEqual(judged(nil), .doesNotHold)
    }

    func testGaugeBounds() {
        // buffered_bytes reaches MiBs; items is 100.
        XCTAssertEqual(
            result(.gaugeAtMostParameter(gauge: "buffered_bytes", parameter: "items"), "ignored-drain"), .doesNotHold)
        XCTAssertEqual(
            result(.gaugeAtMostSum(gauge: "buffered_bytes", parameters: ["items"], plus: 1e12), "ignored-drain"), .holds
        )
        XCTAssertEqual(
            result(.gaugeAtMostSum(gauge: "buffered_bytes", parameters: ["items"], plus: 0), "ignored-drain"),
            .doesNotHold)
        // A failed repeat still counts: its gauge went past the bound before it failed.
        var failed = Synthetic.document(ignoredDrainFactor: 0)
        failed.records[1].status = .failedVerification
        failed.records[1].result?.gaugeMaxima["buffered_bytes"] = 10_000
        XCTAssertEqual(
            result(.gaugeAtMostSum(gauge: "buffered_bytes", parameters: ["items"], plus: 1), "ignored-drain", failed),
            .doesNotHold)
    }

    func testThroughputAtLeast() {
        var document = Synthetic.document()
        // 100 items × 1/s
        for index in document.records.indices { document.records[index].result?.metrics["rate"] = 1 }
        XCTAssertEqual(
            result(.throughputAtLeast(fraction: 0.85, parameter: "items", metric: "rate"), "pipeline-copy", document),
            .holds)
        // 10,000/s expected, 1,024/s seen
        for index in document.records.indices { document.records[index].result?.metrics["rate"] = 100 }
        XCTAssertEqual(
            result(.throughputAtLeast(fraction: 0.85, parameter: "items", metric: "rate"), "pipeline-copy", document),
            .doesNotHold)
    }

    /// "lost = 0" must be able to say no: the run that loses events ends failed-verification, and
    /// the claim is judged on it too.
    func testMetricEqualsCountsFailedRepeats() {
        var document = Synthetic.document()
        for index in document.records.indices { document.records[index].result?.metrics["lost"] = 0 }
        XCTAssertEqual(result(.metricEquals(metric: "lost", value: 0), "pipeline-copy", document), .holds)
        let failing = document.records.firstIndex { $0.scenario == "pipeline-copy" }!
        document.records[failing].status = .failedVerification
        document.records[failing].result?.metrics["lost"] = 7
        XCTAssertEqual(result(.metricEquals(metric: "lost", value: 0), "pipeline-copy", document), .doesNotHold)
    }

    /// "the curve follows the formula within 5 %" says yes at 0.031 everywhere, no when one repeat
    /// strays to 0.2, and not measured without the metric.
    func testMetricAtMostSaysNoWhenOneRepeatPassesTheLimit() {
        var document = Synthetic.document()
        XCTAssertEqual(
            result(.metricAtMost(metric: "formula_error", value: 0.05), "pipeline-copy", document), .notMeasured)
        for index in document.records.indices { document.records[index].result?.metrics["formula_error"] = 0.031 }
        XCTAssertEqual(result(.metricAtMost(metric: "formula_error", value: 0.05), "pipeline-copy", document), .holds)
        let stray = document.records.lastIndex { $0.scenario == "pipeline-copy" }!
        document.records[stray].result?.metrics["formula_error"] = 0.2
        XCTAssertEqual(
            result(.metricAtMost(metric: "formula_error", value: 0.05), "pipeline-copy", document), .doesNotHold)
    }
}

final class VariantTests: ProcessFreeTestCase {
    func testVariantsRunAsRowsOfTheirOwnInTheirProfiles() throws {
        let description = ScenarioDescription(
            name: "s", summary: "", parameters: [ParameterSpec("workers", .count, default: "4", help: "")],
            claims: [SeedClaim("bounded", seed: "x", check: .memoryBounded)],
            variants: [
                ScenarioVariant(
                    "fan-out", summary: "", parameters: ["workers": "0"],
                    claims: [SeedClaim("grows", seed: "x", check: .memoryGrows)])
            ])
        let entry = ScenarioCatalog.Entry(folder: "/x", executable: "/x/s", description: description)
        let standard = try RunPlan(
            entries: [entry], profile: .standard, repeats: 1, warmups: 0, scales: [1], overrides: [])
        XCTAssertEqual(standard.steps.map(\.row), ["s", "s/fan-out"])
        XCTAssertEqual(standard.steps.last?.parameters.first { $0.0 == "workers" }?.1, "0")
        XCTAssertEqual(
            try RunPlan(entries: [entry], profile: .quick, repeats: 1, warmups: 0, scales: [1], overrides: []).steps
                .map(\.row), ["s"],
            "quick (the CI gate's plan) runs no variant")
        let overridden = try RunPlan(
            entries: [entry], profile: .standard, repeats: 1, warmups: 0, scales: [1], overrides: ["s.workers=2"])
        XCTAssertEqual(
            overridden.steps.last?.parameters.first { $0.0 == "workers" }?.1, "2",
            "the user's --param wins over the variant's")
        XCTAssertEqual(RowID.claims(of: description, profile: "standard").keys.sorted(), ["s", "s/fan-out"])
        XCTAssertEqual(RowID("s/fan-out").scenario, "s")
    }

    /// `--scenario NAME` is the base row alone, `NAME/VARIANT` that variant alone (even one the
    /// profile does not run), `NAME/*` every row the profile runs.
    func testScenarioSelectorsPickRows() throws {
        let description = ScenarioDescription(
            name: "s", summary: "", parameters: [ParameterSpec("workers", .count, default: "4", help: "")],
            variants: [
                ScenarioVariant("fan-out", summary: "", parameters: ["workers": "0"]),
                ScenarioVariant("stress-only", summary: "", parameters: ["workers": "9"], profiles: ["stress"]),
            ])
        let entry = ScenarioCatalog.Entry(folder: "/x", executable: "/x/s", description: description)
        func rows(_ selectors: [String?], profile: Profile = .standard) throws -> [String] {
            var selection = RowSelection()
            for selector in selectors { selection.add(selector) }
            return try RunPlan(
                entries: [entry], profile: profile, repeats: 1, warmups: 0, scales: [1], overrides: [],
                rows: ["s": selection]
            ).steps.map(\.row.description)
        }
        XCTAssertEqual(try rows([nil]), ["s"])
        XCTAssertEqual(try rows(["fan-out"]), ["s/fan-out"])
        XCTAssertEqual(
            try rows(["stress-only"]), ["s/stress-only"], "a variant named explicitly runs whatever the profile")
        XCTAssertEqual(try rows(["*"]), ["s", "s/fan-out"])
        XCTAssertEqual(try rows(["*"], profile: .quick), ["s"])
        XCTAssertEqual(try rows(["fan-out", nil]), ["s", "s/fan-out"], "in the scenario's declared order")
        let chosen = try RunPlan(
            entries: [entry], profile: .quick, repeats: 1, warmups: 0, scales: [1], overrides: [],
            rows: [
                "s": {
                    var selection = RowSelection()
                    selection.add("fan-out")
                    return selection
                }()
            ])
        XCTAssertEqual(
            chosen.steps.first?.parameters.first { $0.0 == "workers" }?.1, "0", "the variant's settings apply")
    }

    /// `run --interleave`: every row's warm-up, then the rows take turns repeat by repeat, scale
    /// by scale — one row group, so adaptive extensions come in rounds over every row too.
    func testInterleavedPlanAlternatesRows() throws {
        let items = ParameterSpec("items", .count, default: "10", help: "")
        let description = ScenarioDescription(
            name: "s", summary: "", parameters: [items], scale: items,
            variants: [ScenarioVariant("v", summary: "", parameters: [:])])
        let entry = ScenarioCatalog.Entry(folder: "/x", executable: "/x/s", description: description)
        var plan = try RunPlan(
            entries: [entry], profile: .standard, repeats: 2, warmups: 1, scales: [1, 4], overrides: [])
        XCTAssertEqual(plan.rowGroups.count, 2)
        plan.interleave()
        XCTAssertEqual(
            plan.steps.map { "\($0.row)#\($0.repeatIndex)×\(Int($0.scale))" },
            ["s#0×1", "s/v#0×1", "s#1×1", "s/v#1×1", "s#2×1", "s/v#2×1", "s#1×4", "s/v#1×4", "s#2×4", "s/v#2×4"])
        XCTAssertEqual(plan.rowGroups.count, 1)
    }
}

/// A claim can only name what its scenario declares: the catalog refuses the rest (exit 65), so a
/// typo never turns a claim into a silent "not measured".
final class DeclaredNamesTests: ProcessFreeTestCase {
    static let capacity = Param<Int>.count("capacity", default: "4", help: "")
    static let depth = GaugeName("depth")
    static let lost = MetricName("lost")

    func description(claims: [SeedClaim], variants: [ScenarioVariant] = []) -> ScenarioDescription {
        ScenarioDescription(
            name: "s", summary: "", parameters: [Self.capacity], scale: Self.capacity, gauges: [Self.depth],
            metrics: [Self.lost],
            claims: claims, variants: variants)
    }

    func testClaimsNamingDeclaredHandlesAreSound() {
        let sound = description(
            claims: [
                SeedClaim("bounded", seed: "x", check: .gauge(Self.depth, atMost: Self.capacity)),
                SeedClaim("nothing lost", seed: "x", check: .metric(Self.lost, equals: 0)),
            ],
            variants: [ScenarioVariant("v", summary: "", parameters: ["capacity": "0"])])
        XCTAssertEqual(sound.undeclaredNames(), [])
    }

    func testClaimsNamingUndeclaredNamesAreRefused() {
        let typo = description(
            claims: [
                SeedClaim("bounded", seed: "x", check: .gaugeAtMostParameter(gauge: "dept", parameter: "capacity")),
                SeedClaim("nothing lost", seed: "x", check: .metricEquals(metric: "lsot", value: 0)),
                SeedClaim(
                    "rate", seed: "x", check: .throughputAtLeast(fraction: 1, parameter: "workers", metric: "lost")),
            ],
            variants: [ScenarioVariant("v", summary: "", parameters: ["capasity": "0"])])
        let problems = typo.undeclaredNames()
        XCTAssertEqual(problems.count, 4, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("gauge 'dept'") })
        XCTAssertTrue(problems.contains { $0.contains("metric 'lsot'") })
        XCTAssertTrue(problems.contains { $0.contains("parameter 'workers'") })
        XCTAssertTrue(problems.contains { $0.contains("variant 'v' names parameter 'capasity'") })
    }
}
