import BenchProtocol
import BenchTestSupport
import XCTest

@testable import BenchCore
@testable import BenchModel
@testable import BenchReport
@testable import BenchStatistics

/// An inconclusive claim is a reason to keep repeating (``PrecisionRule``): the rows it reads run
/// on at the scale it is judged at — both rows of a comparison, whichever ran first — however
/// settled their own figures are, until the claim is decided, the time budget is spent or the
/// maximum is reached; report.md says which. Each case beside the one that comes out the other
/// way: the same rows with the claim decided (holds, does not hold) stop as their figures allow.
final class ClaimRepeatsTests: ProcessFreeTestCase {
    /// manual-drain's claim on pipeline-copy, as the real scenario states it (one-sided, 0.90).
    static let claim = SeedClaim(
        "as fast as pipeline", seed: "s.txt",
        check: .throughputRatioAtLeast(scenario: "pipeline-copy", min: 0.90))
    static let claims = ["manual-drain": [claim]]

    /// ±2 % around 1 by repeat index: each row's figures settle at 6 repeats (the first count
    /// with a 95 % interval, well within ±5 %), and a ratio of two such rows has an interval a
    /// few % wide around its centre.
    static func wobble(_ repeatIndex: Int) -> Double { [1.0, 1.02, 0.98, 1.01, 0.99][repeatIndex % 5] }

    /// One repeat of `row`: heap 3 MB and throughput 16 MB/s × `speed`, each ±2 %, a child of `wallS`.
    static func record(_ row: RowID, scale: Double, repeatIndex: Int, speed: Double, wallS: Double = 1) -> RunRecord {
        var record = Synthetic.record(
            row, scale: scale, repeatIndex: repeatIndex, peakRss: 30 << 20,
            allocated: Int(3_000_000 * wobble(repeatIndex)), bytes: Int(scale * Double(24 << 20)),
            throughput: 16_000_000 * speed * wobble(repeatIndex + 2))
        record.observed.wallS = wallS
        return record
    }

    /// `count` repeats of both rows at scales 1 and 4, manual-drain at `speed` × pipeline-copy's.
    static func records(speed: Double, count: Int = 6) -> [RunRecord] {
        [(RowID("manual-drain"), speed), (RowID("pipeline-copy"), 1.0)].flatMap { row, factor in
            [1.0, 4.0].flatMap { scale in
                (1...count).map { record(row, scale: scale, repeatIndex: $0, speed: factor) }
            }
        }
    }

    static let items = ParameterSpec("items", .count, default: "1600", help: "16 KiB items")
    static let rule = PrecisionRule(width: 0.05, level: 0.9, maximum: 10, claims: claims)

    func outcome(speed: Double) -> ClaimOutcome.Result? {
        let analysis = RunAnalysis(
            {
                var document = RunDocument(
                    startedAt: "t", profile: "standard", repeats: 5, warmups: 0, scales: [1, 4],
                    limits: ChildLimits(), environment: Synthetic.environment)
                document.claims = Self.claims
                document.records = Self.records(speed: speed)
                return document
            }())
        return analysis.claims.first?.result
    }

    func testAnInconclusiveClaimKeepsBothRowsItReadsUnsettledAtItsScale() {
        // 0.90 × with ±2 % on each side: the ratio's interval straddles the claim's 0.90.
        XCTAssertEqual(outcome(speed: 0.9), .inconclusive)
        let records = Self.records(speed: 0.9)
        XCTAssertEqual(Self.rule.companions(of: "manual-drain"), ["pipeline-copy"])
        XCTAssertEqual(Self.rule.companions(of: "pipeline-copy"), ["manual-drain"])
        // Each row's own figures are settled at 6 and its verdict is bounded; only the claim,
        // judged at ×4 (the largest scale), keeps ×4 open — for the claimant and the row it reads.
        for row: RowID in ["manual-drain", "pipeline-copy"] {
            XCTAssertEqual(
                Self.rule.unsettledScales(row: row, scales: [1, 4], records: records, otherSide: []), [4], "\(row)")
            XCTAssertEqual(
                PrecisionRule(width: 0.05, level: 0.9, maximum: 10).unsettledScales(
                    row: row, scales: [1, 4], records: records, otherSide: []), [], "\(row) without the claim")
        }
        // The futility stop does not end it: a throughput swinging 30 % on every other repeat
        // could not settle by 10, yet it runs on while the claim is undecided (the ratio's
        // interval now 0.69–0.9-odd, still across 0.90).
        let futile = records.map { record -> RunRecord in
            var record = record
            if record.scenario == "pipeline-copy", record.scale == 4, record.repeatIndex % 2 == 0 {
                record.result?.durationS /= 1.3
            }
            return record
        }
        XCTAssertEqual(
            PrecisionRule(width: 0.05, level: 0.9, maximum: 10).unsettledScales(
                row: "pipeline-copy", scales: [1, 4], records: futile, otherSide: []), [], "futile without the claim")
        XCTAssertEqual(
            Self.rule.unsettledScales(row: "pipeline-copy", scales: [1, 4], records: futile, otherSide: []), [4])
    }

    func testTheSameRowsStopOnceTheClaimIsDecided() {
        // The inconclusive case, for contrast: ×4 open.
        XCTAssertEqual(
            Self.rule.unsettledScales(
                row: "pipeline-copy", scales: [1, 4], records: Self.records(speed: 0.9), otherSide: []), [4])
        // As fast (1.0 ×): holds. Much slower (0.7 ×): does not hold. Either way nothing to chase.
        for (speed, expected) in [(1.0, ClaimOutcome.Result.holds), (0.7, .doesNotHold)] {
            XCTAssertEqual(outcome(speed: speed), expected)
            for row: RowID in ["manual-drain", "pipeline-copy"] {
                XCTAssertEqual(
                    Self.rule.unsettledScales(
                        row: row, scales: [1, 4], records: Self.records(speed: speed), otherSide: []), [],
                    "\(row) at \(speed) ×")
            }
        }
    }

    // MARK: - In a plan: both groups, the budget, the maximum, the report

    /// manual-drain then pipeline-copy (two row groups, in that order), both at ×1 and ×4, 5 to
    /// `maxRepeats` repeats, each child `wallS` long, run through the run's rule.
    func run(speed: Double, maxRepeats: Int = 10, wallS: Double = 1, budgetS: Double? = nil) throws -> RunDocument {
        let entries = ["manual-drain", "pipeline-copy"].map { name in
            ScenarioCatalog.Entry(
                folder: "/nowhere", executable: "/nowhere/\(name)",
                description: ScenarioDescription(
                    name: name, summary: "scripted", parameters: [Self.items], scale: Self.items,
                    claims: name == "manual-drain" ? [Self.claim] : []))
        }
        let plan = try RunPlan(
            entries: entries, profile: .standard, repeats: 5, maxRepeats: maxRepeats, warmups: 0, scales: [1, 4],
            overrides: [])
        XCTAssertEqual(plan.rowGroups.count, 2)
        var document = RunDocument(
            startedAt: "t", profile: plan.profile.rawValue, repeats: plan.repeats, warmups: plan.warmups,
            scales: plan.scales, limits: ChildLimits(), environment: Synthetic.environment)
        document.claims = Self.claims
        document.maxRepeats = plan.repeatPolicy.maximum
        document.ciWidth = 0.05
        document.ciLevel = 0.9
        document.repeatBudgetS = budgetS
        let rule = PrecisionRule(
            width: 0.05, level: 0.9, maximum: plan.repeatPolicy.maximum, budgetS: budgetS, claims: document.claims)
        BenchRunner.execute(
            plan, rule: rule, interruption: nil, into: &document, progress: { _ in },
            run: { step in
                Self.record(
                    step.row, scale: step.scale, repeatIndex: step.repeatIndex,
                    speed: step.row == "manual-drain" ? speed : 1, wallS: wallS)
            })
        return document
    }

    func count(_ document: RunDocument, _ row: RowID, scale: Double) -> Int {
        document.records.filter { $0.scenario == row && $0.scale == scale }.count
    }

    func testInAPlanBothRowsRunOnToTheMaximumWhileTheClaimIsUndecidedAndTheReportSaysWhy() throws {
        let undecided = try run(speed: 0.9)
        // manual-drain ran first and stopped at 6 (nothing to compare with yet); once
        // pipeline-copy's repeats leave the claim open, both run on at ×4 — manual-drain's group
        // reopened — to the maximum. ×1 settles at 6.
        for row: RowID in ["manual-drain", "pipeline-copy"] {
            XCTAssertEqual(count(undecided, row, scale: 4), 10, "\(row) ×4")
            XCTAssertEqual(count(undecided, row, scale: 1), 6, "\(row) ×1")
        }
        XCTAssertEqual(
            undecided.records.filter { $0.scenario == "manual-drain" && $0.scale == 4 }.map(\.repeatIndex),
            Array(1...10))
        XCTAssertEqual(RunAnalysis(undecided).claims.first?.result, .inconclusive)
        let summaries = summarize(undecided.records)
        let cell = MarkdownExporter().repeatsCell(
            try XCTUnwrap(summaries.summary("manual-drain", scale: 4)), document: undecided)
        XCTAssertTrue(cell.hasPrefix("10 · ±"), cell)
        XCTAssertTrue(cell.hasSuffix(" ⚠ claim inconclusive: maximum (10)"), cell)
        // ×1 settled and no claim is judged there: no mark.
        XCTAssertFalse(
            MarkdownExporter().repeatsCell(
                try XCTUnwrap(summaries.summary("manual-drain", scale: 1)), document: undecided
            ).contains("⚠"))
        XCTAssertTrue(MarkdownExporter.repeatsText(undecided).contains("*claim inconclusive*"))

        // Decided, the same plan stops both rows at 6 everywhere.
        for speed in [1.0, 0.7] {
            let decided = try run(speed: speed)
            XCTAssertEqual(decided.records.count, 24, "\(speed) ×: 2 rows × 2 scales × 6")
        }
    }

    func testTheBudgetStillStopsAnUndecidedClaimAndTheReportSaysSo() throws {
        // 4 s children against 25 s: a scale's repeats pass the budget at the 7th (28 s).
        let budgeted = try run(speed: 0.9, wallS: 4, budgetS: 25)
        for row: RowID in ["manual-drain", "pipeline-copy"] {
            XCTAssertEqual(count(budgeted, row, scale: 4), 7, "\(row) ×4")
        }
        let cell = MarkdownExporter().repeatsCell(
            try XCTUnwrap(summarize(budgeted.records).summary("pipeline-copy", scale: 4)), document: budgeted)
        XCTAssertTrue(cell.hasPrefix("7 · ±"), cell)
        XCTAssertTrue(cell.hasSuffix(" ⚠ claim inconclusive: time budget (25 s)"), cell)
        // And the maximum: at 8, 8.
        let capped = try run(speed: 0.9, maxRepeats: 8)
        XCTAssertEqual(count(capped, "pipeline-copy", scale: 4), 8)
        XCTAssertEqual(count(capped, "manual-drain", scale: 4), 8)
    }
}
