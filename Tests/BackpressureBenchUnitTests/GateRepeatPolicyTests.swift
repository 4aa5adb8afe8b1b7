import BenchCore
import BenchProtocol
import BenchTestSupport
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport
@testable import BenchSession

/// The gate's repeat policy as `check`, `gate-proof` and `plan --check` make it
/// (``GateRepeatRule/policy(baselineRepeats:thresholds:adaptive:)``): adaptive, 3 up to the
/// cells' 7 with the verdict run-on's 11 as its ceiling; `--fixed-repeats`, 11 on every row — it
/// stopped at 7, where one starved repeat decides a growth verdict (``VerdictRepeatsTests``).
final class GateRepeatPolicyTests: ProcessFreeTestCase {
    func session(adaptive: Bool) -> GateSession {
        GateSession(
            project: ScenarioCatalog(projectRoot: "/nowhere", binDirectory: "/nowhere"),
            baseline: VerdictRepeatsTests.baseline(), thresholds: .standard, interruption: Interruption(), quiet: true,
            adaptive: adaptive)
    }

    func testTheAdaptivePolicyRecordsTheVerdictRunOnAsItsCeiling() throws {
        let plan = try session(adaptive: true).plan([VerdictRepeatsTests.entry], overrides: [])
        let cells = GateRepeatRule.maximumRepeats(baselineRepeats: 5, thresholds: .standard)
        XCTAssertEqual(
            plan.repeatPolicy, RepeatPolicy(minimum: 3, maximum: cells, ceiling: GateRepeatRule.verdictMaximum))
        XCTAssertEqual(plan.repeatPolicy.mostRepeats, 11)
        XCTAssertEqual(plan.repeats, 3)
    }

    /// A check's plan file (`plan --check`) carries the ceiling to the shards that run it: each
    /// shard's plan — hence its run.json and report.md header — reads 3–11, as the unsharded
    /// check's does (the file had no ceiling, so a shard's header said 3–7 while its rows could
    /// reach 11). A plan file made before it was recorded still loads, with its ID, and no ceiling.
    func testACheckPlanFileCarriesTheCeilingToItsShards() throws {
        let plan = try session(adaptive: true).plan([VerdictRepeatsTests.entry], overrides: [])
        let check = PlanFile.Check(
            baseline: "b.json", baselineDigest: "0", rows: [RowID("ignored-drain")], injected: nil)
        let file = PlanFile(
            plan: plan, revision: "r", limits: ChildLimits(), reference: nil, ciWidth: nil, ciLevel: nil, check: check)
        XCTAssertEqual(file.repeatCeiling, GateRepeatRule.verdictMaximum)
        let path = TestSupport.temporaryDirectory("plan-ceiling") + "/plan.json"
        try file.write(to: path)
        let loaded = try PlanFile.load(path)
        let shard = try loaded.runPlan(loaded.steps, entries: [VerdictRepeatsTests.entry])
        XCTAssertEqual(shard.repeatPolicy, plan.repeatPolicy, "3–7 with the ceiling 11, as the unsharded check")
        XCTAssertEqual(shard.repeatPolicy.mostRepeats, 11)

        // A plan made before the ceiling was recorded: the same bytes to digest, so the same ID.
        var old = try SyntheticShards.plan()
        old.maxRepeats = 7
        old.planID = old.digest()
        let text = String(decoding: try JSONLineCoding.encoder.encode(old), as: UTF8.self)
        XCTAssertFalse(text.contains("repeatCeiling"), "an absent ceiling is not written: \(text)")
        try old.write(to: path)
        let reloaded = try PlanFile.load(path)
        XCTAssertNil(reloaded.repeatCeiling)
        XCTAssertEqual(reloaded.planID, old.planID)
        XCTAssertNil(try reloaded.runPlan([], entries: []).repeatPolicy.ceiling)
    }

    /// `--fixed-repeats`: every row and scale runs 11 a side, planned before anything runs.
    func testFixedRepeatsPlanTheVerdictsCeilingOnEveryRow() throws {
        let plan = try session(adaptive: false).plan([VerdictRepeatsTests.entry], overrides: [])
        XCTAssertFalse(plan.repeatPolicy.isAdaptive)
        XCTAssertEqual(plan.repeats, GateRepeatRule.verdictMaximum, "was the cells' 7")
        for scale in [1.0, 4.0] {
            XCTAssertEqual(plan.steps.filter { $0.scale == scale && !$0.isWarmup }.count, 11)
        }
    }

    /// The replayed false alarm (one starved ×4 repeat among seven) under a fixed count: at the
    /// old fixed 7 the verdict reads inconclusive and the check fails; at the fixed 11 it reads
    /// grows and passes — and a row that really stopped growing is still a finding at 11.
    func testAFixedCountJudgesTheVerdictAtElevenBothWays() throws {
        func flake(_ scale: Double, _ index: Int) -> Int {
            let (flake, calm) =
                scale == 1
                ? (VerdictRepeatsTests.flakeAtOne, VerdictRepeatsTests.calmAtOne)
                : (VerdictRepeatsTests.flakeAtFour, VerdictRepeatsTests.calmAtFour)
            return index <= flake.count ? flake[index - 1] : calm[(index - flake.count - 1) % calm.count]
        }
        let old = try fixedCheck(repeats: 7, heap: flake)
        XCTAssertEqual(VerdictRepeatsTests.verdictFindings(old).count, 1, "the old fixed mode's false alarm")

        let fixedPlan = try session(adaptive: false).plan([VerdictRepeatsTests.entry], overrides: [])
        let now = try fixedCheck(repeats: fixedPlan.repeats, heap: flake)
        XCTAssertEqual(now.findings, [], "\(now.findings)")

        // A leak fixed by mistake: ×4 holds what ×1 holds — no longer grows, at 11 as at 7.
        let flat = try fixedCheck(repeats: fixedPlan.repeats) { _, index in
            VerdictRepeatsTests.calmAtOne[(index - 1) % 5]
        }
        XCTAssertEqual(VerdictRepeatsTests.verdictFindings(flat).count, 1, "\(flat.findings)")
    }

    /// A same-code check (status and verdict judged) of `repeats` fixed a side, as GateSession
    /// runs a fixed plan: no rule extends it, the gate has no adaptive maximum.
    func fixedCheck(repeats: Int, heap: @escaping (Double, Int) -> Int) throws -> GateReport {
        let plan = try RunPlan(
            entries: [VerdictRepeatsTests.entry], profile: .quick, repeats: repeats, warmups: 0, scales: [1, 4],
            overrides: [])
        var gate = Gate(baseline: VerdictRepeatsTests.baseline(), thresholds: .standard, maximumRepeats: nil)
        gate.sameCodeBase = "HEAD (0123456789ab)"
        var document = RunDocument(
            startedAt: "t", profile: "quick", repeats: repeats, warmups: 0, scales: [1, 4], limits: ChildLimits(),
            environment: Synthetic.environment)
        BenchRunner.execute(
            plan, rule: GateRepeatRule(gate: gate, head: document, base: nil, maximumRepeats: repeats),
            interruption: nil, into: &document, progress: { _ in },
            run: { step in
                VerdictRepeatsTests.record(
                    scale: step.scale, repeatIndex: step.repeatIndex, heap: heap(step.scale, step.repeatIndex))
            })
        XCTAssertEqual(VerdictRepeatsTests.repeats(document, at: 4), repeats)
        return gate.evaluate(head: RunAnalysis(document), base: nil)
    }

    // MARK: - report.md's header

    func document(maxRepeats: Int?, ceiling: Int?, repeatsAtFour: Int = 3) -> RunDocument {
        var document = RunDocument(
            startedAt: "t", profile: "quick", repeats: 3, warmups: 1, scales: [1, 4], limits: ChildLimits(),
            environment: Synthetic.environment)
        document.maxRepeats = maxRepeats
        document.repeatCeiling = ceiling
        for index in 1...repeatsAtFour {
            document.records.append(VerdictRepeatsTests.record(scale: 4, repeatIndex: index, heap: 1 << 20))
        }
        return document
    }

    /// The header states the policy's bounds: 3–11 when the verdict run-on can reach 11 (it read
    /// "3–7" whatever the policy), 3–7 without one, and never less than a row really got.
    func testTheHeaderReadsThePolicysBounds() {
        let gate = MarkdownExporter.repeatsText(document(maxRepeats: 7, ceiling: 11))
        XCTAssertTrue(gate.hasPrefix("3–11 repeats (adaptive: "), gate)
        XCTAssertTrue(gate.contains("at most 7"), gate)
        XCTAssertTrue(gate.contains("up to 11"), gate)
        XCTAssertEqual(
            MarkdownExporter.repeatsText(document(maxRepeats: 7, ceiling: nil)),
            "3–7 repeats (adaptive: until the gate's answer for the row cannot change)")
        let older = MarkdownExporter.repeatsText(document(maxRepeats: 7, ceiling: nil, repeatsAtFour: 9))
        XCTAssertTrue(older.hasPrefix("3–9 repeats"), "a document recorded before the ceiling: \(older)")
        XCTAssertEqual(MarkdownExporter.repeatsText(document(maxRepeats: nil, ceiling: nil)), "3 repeat(s)")
    }
}
