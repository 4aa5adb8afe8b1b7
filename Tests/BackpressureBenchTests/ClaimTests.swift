@testable import BenchCore
import BenchProtocol
@testable import BenchReport
import XCTest

/// Every kind of seed claim, made to come out "does not hold" (and, beside it, "holds").
final class ClaimTests: XCTestCase {
    func result(_ check: SeedClaim.Check, _ scenario: String, _ document: RunDocument = Synthetic.document()) -> ClaimOutcome.Result {
        let analysis = RunAnalysis(document)
        return ClaimOutcome.check(check, scenario: scenario, summaries: analysis.summaries, verdict: analysis.verdicts[scenario]).0
    }

    func testVerdictClaims() {
        XCTAssertEqual(result(.memoryBounded, "pipeline-copy"), .holds)
        XCTAssertEqual(result(.memoryBounded, "ignored-drain"), .doesNotHold)
        XCTAssertEqual(result(.memoryGrows, "ignored-drain"), .holds)
        XCTAssertEqual(result(.memoryGrows, "pipeline-copy"), .doesNotHold)
        // Too few repeats to decide: inconclusive is "not measured", never a pass.
        XCTAssertEqual(result(.memoryGrows, "ignored-drain", Synthetic.document(repeats: 3)), .notMeasured)
    }

    func testPeakPerInputByte() {
        XCTAssertEqual(result(.peakAllocatedPerInputByte(min: 0.8, max: 1.2), "ignored-drain"), .holds)
        XCTAssertEqual(result(.peakAllocatedPerInputByte(min: 0.8, max: 1.2), "pipeline-copy"), .doesNotHold)
    }

    func testThroughputRatio() {
        XCTAssertEqual(result(.throughputRatio(scenario: "pipeline-copy", min: 0.95, max: 1.05), "ignored-drain"), .holds)
        var slower = Synthetic.document()
        for index in slower.records.indices where slower.records[index].scenario == "ignored-drain" { slower.records[index].result!.durationS *= 2 }
        XCTAssertEqual(result(.throughputRatio(scenario: "pipeline-copy", min: 0.95, max: 1.05), "ignored-drain", slower), .doesNotHold)
    }

    func testGaugeBounds() {
        // buffered_bytes reaches MiBs; items is 100.
        XCTAssertEqual(result(.gaugeAtMostParameter(gauge: "buffered_bytes", parameter: "items"), "ignored-drain"), .doesNotHold)
        XCTAssertEqual(result(.gaugeAtMostSum(gauge: "buffered_bytes", parameters: ["items"], plus: 1e12), "ignored-drain"), .holds)
        XCTAssertEqual(result(.gaugeAtMostSum(gauge: "buffered_bytes", parameters: ["items"], plus: 0), "ignored-drain"), .doesNotHold)
        // A failed repeat still counts: its gauge went past the bound before it failed.
        var failed = Synthetic.document(ignoredDrainFactor: 0)
        failed.records[1].status = .failedVerification
        failed.records[1].result?.gaugeMaxima["buffered_bytes"] = 10_000
        XCTAssertEqual(result(.gaugeAtMostSum(gauge: "buffered_bytes", parameters: ["items"], plus: 1), "ignored-drain", failed), .doesNotHold)
    }

    func testThroughputAtLeast() {
        var document = Synthetic.document()
        for index in document.records.indices { document.records[index].result?.metrics["rate"] = 1 }  // 100 items × 1/s
        XCTAssertEqual(result(.throughputAtLeast(fraction: 0.85, parameter: "items", metric: "rate"), "pipeline-copy", document), .holds)
        for index in document.records.indices { document.records[index].result?.metrics["rate"] = 100 }  // 10,000/s expected, 1,024/s seen
        XCTAssertEqual(result(.throughputAtLeast(fraction: 0.85, parameter: "items", metric: "rate"), "pipeline-copy", document), .doesNotHold)
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
        XCTAssertEqual(result(.metricAtMost(metric: "formula_error", value: 0.05), "pipeline-copy", document), .notMeasured)
        for index in document.records.indices { document.records[index].result?.metrics["formula_error"] = 0.031 }
        XCTAssertEqual(result(.metricAtMost(metric: "formula_error", value: 0.05), "pipeline-copy", document), .holds)
        let stray = document.records.lastIndex { $0.scenario == "pipeline-copy" }!
        document.records[stray].result?.metrics["formula_error"] = 0.2
        XCTAssertEqual(result(.metricAtMost(metric: "formula_error", value: 0.05), "pipeline-copy", document), .doesNotHold)
    }
}

final class VariantTests: XCTestCase {
    func testVariantsRunAsRowsOfTheirOwnInTheirProfiles() throws {
        let description = ScenarioDescription(
            name: "s", summary: "", parameters: [ParameterSpec("workers", .count, default: "4", help: "")],
            claims: [SeedClaim("bounded", seed: "x", check: .memoryBounded)],
            variants: [ScenarioVariant("fan-out", summary: "", parameters: ["workers": "0"], claims: [SeedClaim("grows", seed: "x", check: .memoryGrows)])])
        let entry = ScenarioCatalog.Entry(folder: "/x", executable: "/x/s", description: description)
        let standard = try RunPlan(entries: [entry], profile: .standard, repeats: 1, warmups: 0, scales: [1], overrides: [])
        XCTAssertEqual(standard.steps.map(\.row), ["s", "s/fan-out"])
        XCTAssertEqual(standard.steps.last?.parameters.first { $0.0 == "workers" }?.1, "0")
        XCTAssertEqual(try RunPlan(entries: [entry], profile: .quick, repeats: 1, warmups: 0, scales: [1], overrides: []).steps.map(\.row), ["s"],
                       "quick (the CI gate's plan) runs no variant")
        let overridden = try RunPlan(entries: [entry], profile: .standard, repeats: 1, warmups: 0, scales: [1], overrides: ["s.workers=2"])
        XCTAssertEqual(overridden.steps.last?.parameters.first { $0.0 == "workers" }?.1, "2", "the user's --param wins over the variant's")
        XCTAssertEqual(description.claimsByRow(profile: "standard").keys.sorted(), ["s", "s/fan-out"])
        XCTAssertEqual(ScenarioVariant.scenario(ofRow: "s/fan-out"), "s")
    }
}

/// A claim can only name what its scenario declares: the catalog refuses the rest (exit 65), so a
/// typo never turns a claim into a silent "not measured".
final class DeclaredNamesTests: XCTestCase {
    static let capacity = Param<Int>.count("capacity", default: "4", help: "")
    static let depth = GaugeName("depth")
    static let lost = MetricName("lost")

    func description(claims: [SeedClaim], variants: [ScenarioVariant] = []) -> ScenarioDescription {
        ScenarioDescription(name: "s", summary: "", parameters: [Self.capacity], scale: Self.capacity, gauges: [Self.depth], metrics: [Self.lost],
                            claims: claims, variants: variants)
    }

    func testClaimsNamingDeclaredHandlesAreSound() {
        let sound = description(claims: [SeedClaim("bounded", seed: "x", check: .gauge(Self.depth, atMost: Self.capacity)),
                                         SeedClaim("nothing lost", seed: "x", check: .metric(Self.lost, equals: 0))],
                                variants: [ScenarioVariant("v", summary: "", parameters: ["capacity": "0"])])
        XCTAssertEqual(sound.undeclaredNames(), [])
    }

    func testClaimsNamingUndeclaredNamesAreRefused() {
        let typo = description(claims: [SeedClaim("bounded", seed: "x", check: .gaugeAtMostParameter(gauge: "dept", parameter: "capacity")),
                                        SeedClaim("nothing lost", seed: "x", check: .metricEquals(metric: "lsot", value: 0)),
                                        SeedClaim("rate", seed: "x", check: .throughputAtLeast(fraction: 1, parameter: "workers", metric: "lost"))],
                               variants: [ScenarioVariant("v", summary: "", parameters: ["capasity": "0"])])
        let problems = typo.undeclaredNames()
        XCTAssertEqual(problems.count, 4, "\(problems)")
        XCTAssertTrue(problems.contains { $0.contains("gauge 'dept'") })
        XCTAssertTrue(problems.contains { $0.contains("metric 'lsot'") })
        XCTAssertTrue(problems.contains { $0.contains("parameter 'workers'") })
        XCTAssertTrue(problems.contains { $0.contains("variant 'v' names parameter 'capasity'") })
    }
}
