import BenchCore
import BenchProtocol
import BenchReport
import BenchTestSupport
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchSession

/// `check` and `gate-proof` refuse a plan the baseline cannot judge before anything runs
/// (``GateSession/incomparability(of:injected:)``). Each planned row is compared with *its own*
/// baseline entry: a variant (`micro-batching/batch-10`, `load-shedding/unbounded`) runs its
/// own settings, so comparing it with the scenario's base row would call every unchanged
/// standard- or stress-profile baseline "not comparable".
final class GateSessionComparabilityTests: ProcessFreeTestCase {
    /// `s` (workers 4) with a variant `s/fan-out` (workers 0) that the standard profile runs.
    let entry = ScenarioCatalog.Entry(
        folder: "/nowhere", executable: "/nowhere/s",
        description: ScenarioDescription(
            name: "s", summary: "", parameters: [ParameterSpec("workers", .count, default: "4", help: "")],
            variants: [ScenarioVariant("fan-out", summary: "", parameters: ["workers": "0"])]))

    /// A standard-profile baseline of `s` and `s/fan-out` at ×1, recorded with these workers.
    func baseline(base: String = "4", fanOut: String = "0") -> Baseline {
        var document = RunDocument(
            startedAt: "2026-12-01T00:00:00Z", profile: "standard", repeats: 1, warmups: 0, scales: [1],
            limits: ChildLimits(), environment: Synthetic.environment)
        for (row, workers) in [(RowID("s"), base), (RowID("s/fan-out"), fanOut)] {
            var record = Synthetic.record(row, peakRss: 1 << 20, allocated: 1 << 20, bytes: 1 << 20, throughput: 1e6)
            record.parameters = ["workers": workers]
            document.records.append(record)
        }
        return Baseline(RunAnalysis(document))
    }

    func incomparability(
        _ baseline: Baseline, overrides: [String] = [], injected: [String: [String]]? = nil
    ) throws
        -> String?
    {
        let session = GateSession(
            project: ScenarioCatalog(projectRoot: "/nowhere", binDirectory: "/nowhere"), baseline: baseline,
            thresholds: .standard, interruption: Interruption(), quiet: true)
        let plan = try session.plan([entry], overrides: overrides)
        XCTAssertEqual(Set(plan.steps.map(\.row)), ["s", "s/fan-out"])
        return session.incomparability(of: plan, injected: injected)
    }

    func testAnUnchangedVariantIsComparedWithItsOwnEntry() throws {
        XCTAssertNil(
            try incomparability(baseline()),
            "s/fan-out runs workers=0 as its baseline entry did; the base row's workers=4 is not its setting")
    }

    func testAVariantWhoseSettingChangedIsNamedAsTheVariant() throws {
        XCTAssertEqual(
            try incomparability(baseline(fanOut: "1")), "s/fan-out ×1 parameter workers=0 ≠ baseline's 1")
        XCTAssertEqual(try incomparability(baseline(base: "8")), "s ×1 parameter workers=4 ≠ baseline's 8")
    }

    /// `--inject s.workers=2` declares the change for every row of `s`, its variants included
    /// (``GateSession/injections(_:entries:)`` keys the declaration by scenario).
    func testAnInjectionCoversTheScenariosVariants() throws {
        XCTAssertEqual(
            try incomparability(baseline(), overrides: ["s.workers=2"]), "s ×1 parameter workers=2 ≠ baseline's 4")
        XCTAssertNil(try incomparability(baseline(), overrides: ["s.workers=2"], injected: ["s": ["workers"]]))
    }
}
