import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport
@testable import BenchSystem

/// A baseline recorded from several runs, judged against the spread between them (issue 25): a
/// head inside what the baseline's own runs showed is not a regression, past the worst run by
/// more than the minimum effect it is; a one-run baseline is judged as before. Each judgment is
/// made to come out both ways.
final class BaselineRunSpreadTests: ProcessFreeTestCase {
    static let mib = Double(1 << 20)

    /// One run of pipeline-copy alone at scales 1 and 4, its peak allocated `median` ± 1 % over
    /// five repeats (the same at both scales: flat, bounded).
    static func run(
        median: Double, startedAt: String, commit: String = "0123456789ab", cpus: [Int]? = [0, 1]
    )
        -> RunDocument
    {
        var environment = Synthetic.environment
        environment.gitCommit = commit
        environment.childCPUs = cpus.flatMap(ChildCPUs.init)
        var document = RunDocument(
            startedAt: startedAt, profile: "quick", repeats: 5, warmups: 1, scales: [1, 4], limits: ChildLimits(),
            environment: environment)
        document.finishedAt = startedAt
        for scale in [1.0, 4.0] {
            for (index, wobble) in [0.99, 0.995, 1.0, 1.005, 1.01].enumerated() {
                document.records.append(
                    Synthetic.record(
                        "pipeline-copy", scale: scale, repeatIndex: index + 1, peakRss: 31 << 20,
                        allocated: Int(median * wobble), bytes: Int(scale) * 24 << 20, throughput: 16 * mib))
            }
        }
        return document
    }

    /// Three runs whose medians spread 8 %: 3.00, 3.00 and 3.24 MiB. The pooled median is the
    /// low runs', so a head 13 % above it is significant and past the minimum effect against the
    /// pooled repeats — but only 5 % past the largest run.
    static let runMedians = [3.0 * mib, 3.0 * mib, 3.24 * mib]

    static func recording() throws -> BaselineRecording {
        try BaselineRecording(
            runMedians.enumerated().map { index, median in
                BaselineRecording.Source(
                    id: "2026120\(index + 1)T000000Z",
                    document: run(median: median, startedAt: "2026-12-0\(index + 1)T00:00:00Z"))
            })
    }

    func allocatedFindings(_ report: GateReport) -> [Finding] {
        report.findings.filter { $0.metric == Metric.peakAllocated.key }
    }

    func testAHeadInsideTheRunsSpreadPlusMinEffectIsNotARegressionAndPastItIs() throws {
        let baseline = try Self.recording().baseline()
        XCTAssertEqual(baseline.formatVersion, Baseline.currentFormatVersion)
        XCTAssertTrue(baseline.knowsRunSpread)
        let gate = Gate(baseline: baseline, thresholds: .standard)
        let largest = Self.runMedians.max()!

        // Largest × 1.05: +13 % on the pooled median (3.0 MiB), p = 0.0002 against the 15 pooled
        // repeats — the old rule's regression — yet 5 % past the largest run, inside 10 %.
        let inside = RunAnalysis(Self.run(median: largest * 1.05, startedAt: "2026-12-05T00:00:00Z"))
        let judged = gate.evaluate(head: inside, base: nil)
        XCTAssertEqual(allocatedFindings(judged), [], judged.findings.map(\.description).joined(separator: "\n"))
        let cell = try XCTUnwrap(judged.judgements.first { $0.metric == Metric.peakAllocated.key && $0.scale == 1 })
        XCTAssertLessThan(cell.p, 0.01, "significant against the pooled repeats")
        XCTAssertGreaterThan(cell.worsening, 0.10, "and past the minimum effect from the pooled median")
        XCTAssertEqual(cell.beforeCount, 15, "every run's repeats, pooled")
        XCTAssertEqual(cell.outcome, .withinMargin, "shown under the largest run's median + 10 %: settled")
        // The other way: the same pooled repeats without the runs' medians (the old rule) call it.
        let pooledOnly = gate.judge(
            .peakAllocated, scenario: "pipeline-copy", scale: 1,
            before: baseline.entries[0].samples[Metric.peakAllocated.key]!,
            after: inside.summaries[0].samples(.peakAllocated), against: .baseline)
        XCTAssertEqual(pooledOnly.outcome, .regression)
        XCTAssertGreaterThan(pooledOnly.marginP, Gate.settleAlpha, "nor within the margin of the pooled median")

        // Largest × 1.12: past the largest run by more than 10 % — a regression, naming the runs.
        let past = gate.evaluate(
            head: RunAnalysis(Self.run(median: largest * 1.12, startedAt: "2026-12-05T00:00:00Z")), base: nil)
        XCTAssertEqual(allocatedFindings(past).count, 2, "both scales")
        let finding = try XCTUnwrap(allocatedFindings(past).first)
        XCTAssertTrue(finding.rule.contains("past the worst run's median 3.2 MiB"), finding.rule)
        XCTAssertTrue(finding.rule.contains("20261201T000000Z, 20261202T000000Z, 20261203T000000Z"), finding.rule)

        // check.md's line for the cell says which runs and how far apart their medians lie.
        let markdown = past.markdown(title: "check")
        XCTAssertTrue(
            markdown.contains(
                "| `pipeline-copy` | ×1 | peak_allocated_bytes | baseline (runs 20261201T000000Z, 20261202T000000Z, 20261203T000000Z: medians 3.0 MiB / 3.0 MiB / 3.2 MiB, spread 8.0%) |"
            ), markdown)
        XCTAssertFalse(markdown.contains(Gate.unknownRunSpreadNote), "this baseline knows its spread")
    }

    /// Higher is better (throughput, judged against the baseline here): mirrored — a head is a
    /// regression only below the *smallest* run's median by more than the minimum effect.
    func testHigherIsBetterIsJudgedFromTheSmallestRun() throws {
        var thresholds = Thresholds.standard
        thresholds.defaults[Metric.throughputBytes.key] = .init(minEffect: 0.10, judge: .baseline)
        let gate = Gate(baseline: try Self.recording().baseline(), thresholds: thresholds)
        let runs = [[100.0, 99, 101, 100.5, 99.5], [100, 99, 101, 100.5, 99.5], [92, 91.1, 92.9, 92.5, 91.5]]
        let spread = try XCTUnwrap(BaselineRunSpread(runs: ["a", "b", "c"], repeats: runs))
        XCTAssertEqual(spread.spread, 100.0 / 92 - 1, accuracy: 1e-12)
        func head(_ median: Double) -> [Double] { [0.99, 0.995, 1, 1.005, 1.01].map { $0 * median } }
        func judge(_ median: Double, runs spread: BaselineRunSpread?) -> Judgement.Outcome {
            gate.judge(
                .throughputBytes, scenario: "pipeline-copy", scale: 1, before: runs.flatMap { $0 },
                after: head(median), against: .baseline, runs: spread
            ).outcome
        }
        XCTAssertNotEqual(judge(92 * 0.95, runs: spread), .regression, "5 % under the smallest run")
        XCTAssertEqual(judge(92 * 0.95, runs: nil), .regression, "12.6 % under the pooled median")
        XCTAssertEqual(judge(92 * 0.88, runs: spread), .regression, "12 % under the smallest run")
        // An improvement, too, must clear the best run (100) by the minimum effect.
        XCTAssertNotEqual(judge(100 * 1.05, runs: spread), .improvement)
        XCTAssertEqual(judge(100 * 1.12, runs: spread), .improvement)
    }

    func testAOneRunBaselineStillLoadsAndIsJudgedAsBeforeSayingSo() throws {
        let scratch = NSTemporaryDirectory() + "baseline-one-run-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let path = scratch + "/baseline.json"
        try Baseline(RunAnalysis(Self.run(median: 3 * Self.mib, startedAt: "2026-12-01T00:00:00Z"))).write(to: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("\"formatVersion\" : 2"), "a one-run baseline keeps the format-2 shape")
        XCTAssertTrue(text.contains("\"samples\""))
        XCTAssertFalse(text.contains("runSamples"))

        let loaded = try Baseline.load(path)
        XCTAssertFalse(loaded.knowsRunSpread)
        let gate = Gate(baseline: loaded, thresholds: .standard)
        // +13.4 % against that one run: a regression, as before format 3 …
        let shifted = gate.evaluate(
            head: RunAnalysis(Self.run(median: 3.24 * 1.05 * Self.mib, startedAt: "2026-12-05T00:00:00Z")), base: nil)
        XCTAssertEqual(allocatedFindings(shifted).count, 2)
        XCTAssertTrue(shifted.notes.contains { $0.hasPrefix(Gate.unknownRunSpreadNote) }, "\(shifted.notes)")
        XCTAssertTrue(shifted.markdown(title: "check").contains(Gate.unknownRunSpreadNote))
        // … and +4 % is not.
        let unchanged = gate.evaluate(
            head: RunAnalysis(Self.run(median: 3.12 * Self.mib, startedAt: "2026-12-05T00:00:00Z")), base: nil)
        XCTAssertEqual(allocatedFindings(unchanged), [])

        // The committed baseline (format 2 until it is re-recorded) still loads.
        let committed = try Baseline.load(TestSupport.projectRoot + "/Reports/baseline.json")
        XCTAssertFalse(committed.entries.isEmpty)
        XCTAssertTrue(committed.entries.allSatisfy { !$0.samples.isEmpty })
    }

    func testAThreeRunBaselineRoundTripsAndKeepsEachRunsRepeats() throws {
        let scratch = NSTemporaryDirectory() + "baseline-three-runs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let baseline = try Self.recording().baseline()
        try baseline.write(to: scratch + "/baseline.json")
        let loaded = try Baseline.load(scratch + "/baseline.json")
        XCTAssertEqual(loaded, baseline)
        XCTAssertEqual(loaded.runs?.map(\.id), ["20261201T000000Z", "20261202T000000Z", "20261203T000000Z"])
        let entry = loaded.entries[0]
        XCTAssertEqual(entry.runSamples.count, 3)
        XCTAssertEqual(entry.runSamples.map { $0[Metric.peakAllocated.key]?.count }, [5, 5, 5])
        XCTAssertEqual(entry.statuses.count, 15)
        XCTAssertEqual(entry.runVerdicts?.count, 3)
        let spread = try XCTUnwrap(loaded.runSpread(entry, metric: Metric.peakAllocated.key))
        XCTAssertEqual(spread.spread, 0.08, accuracy: 0.001)
    }

    /// Runs that disagree on their growth verdict: the baseline records the row inconclusive
    /// (the check does not hold it to bounded) and update names it; runs that agree keep theirs.
    func testRunsThatDisagreeOnTheVerdictAreRecordedInconclusive() throws {
        let agreeing = try Self.recording().baseline()
        XCTAssertEqual(Set(agreeing.entries.map(\.verdict)).count, 1)
        XCTAssertEqual(BaselineRecording.verdictDisagreements(agreeing), [])
        var growing = Self.run(median: 3 * Self.mib, startedAt: "2026-12-04T00:00:00Z")
        for index in growing.records.indices where growing.records[index].scale == 4 {
            growing.records[index].result?.peaks.allocated *= 4
        }
        let mixed = try BaselineRecording(
            try Self.recording().sources + [BaselineRecording.Source(id: "20261204T000000Z", document: growing)]
        ).baseline()
        XCTAssertEqual(mixed.entries[0].verdict, .inconclusive)
        XCTAssertEqual(BaselineRecording.verdictDisagreements(mixed).count, 1)
    }

    /// With a base revision the baseline judges nothing; the drift report says, per cell, whether
    /// the head's median lies inside the recorded runs' range — never a finding.
    func testTheDriftReportNamesCellsOutsideTheRunsRangeAndNeverFails() throws {
        let gate = Gate(baseline: try Self.recording().baseline(), thresholds: .standard)
        func driftNote(headMedian: Double) -> (note: String?, passed: Bool, report: GateReport) {
            let head = RunAnalysis(Self.run(median: headMedian, startedAt: "2026-12-05T00:00:00Z"))
            let report = gate.evaluate(head: head, base: head)
            return (report.notes.first { $0.hasPrefix("drift from the baseline's 3 runs") }, report.passed, report)
        }
        let inside = driftNote(headMedian: 3.1 * Self.mib)
        XCTAssertEqual(inside.passed, true)
        let insideNote = try XCTUnwrap(inside.note)
        XCTAssertTrue(insideNote.contains("2 of 2 machine-stable cells have the head's median inside"), insideNote)
        XCTAssertFalse(insideNote.contains("outside:"), insideNote)

        let above = driftNote(headMedian: 3.24 * 1.5 * Self.mib)
        XCTAssertEqual(above.passed, true, "informational only: the base revision judges")
        let aboveNote = try XCTUnwrap(above.note)
        XCTAssertTrue(aboveNote.contains("0 of 2"), aboveNote)
        XCTAssertTrue(
            aboveNote.contains("pipeline-copy ×1 peak_allocated_bytes 4.9 MiB, 50.0% above the runs' 3.0 MiB–3.2 MiB"),
            aboveNote)
        // The terminal gets the count; check.md (the note itself) keeps the list.
        let console = above.report.consoleNotes
        XCTAssertEqual(console.count, above.report.notes.count)
        let consoleDrift = try XCTUnwrap(console.first { $0.hasPrefix("drift from the baseline's 3 runs") })
        XCTAssertTrue(consoleDrift.hasSuffix("inside the runs' range; 2 outside it, listed in check.md"), consoleDrift)
        XCTAssertFalse(consoleDrift.contains("pipeline-copy"), consoleDrift)
        XCTAssertEqual(inside.report.consoleNotes, inside.report.notes, "nothing outside: the note as it is")
        var other = above.report
        other.notes.append("other; outside: x")
        XCTAssertEqual(other.consoleNotes.last, "other; outside: x", "only the drift note is cut")
    }

    // MARK: - baseline update's refusals

    func testRunsOfAnotherRevisionPlanOrCPUSetAreRefusedWith65() throws {
        let first = BaselineRecording.Source(
            id: "a", document: Self.run(median: 3 * Self.mib, startedAt: "2026-12-01T00:00:00Z"))
        let variants: [(RunDocument, String)] = [
            (Self.run(median: 3 * Self.mib, startedAt: "2026-12-02T00:00:00Z", commit: "fedcba987654"), "revision"),
            (Self.run(median: 3 * Self.mib, startedAt: "2026-12-02T00:00:00Z", cpus: [0]), "child CPUs"),
            (
                {
                    var other = Self.run(median: 3 * Self.mib, startedAt: "2026-12-02T00:00:00Z")
                    other.records = other.records.map { record in
                        var record = record
                        record.parameters["items"] = "200"
                        return record
                    }
                    return other
                }(), "row pipeline-copy ×1"
            ),
        ]
        for (document, named) in variants {
            XCTAssertThrowsError(try BaselineRecording([first, .init(id: "b", document: document)])) { error in
                let error = error as? BenchError
                XCTAssertEqual(error?.exitCode, 65)
                XCTAssertTrue(error?.message.contains(named) == true, error?.message ?? "")
                XCTAssertFalse(error?.message.contains("\n") == true)
            }
        }
        // The other way: the same plan, revision and CPUs record.
        XCTAssertNoThrow(
            try BaselineRecording([
                first, .init(id: "b", document: Self.run(median: 3.1 * Self.mib, startedAt: "2026-12-02T00:00:00Z")),
            ]))
    }

    /// Two runs started within one second (their folders `…Z` and `…Z-1`), found newest first as
    /// `baseline update --runs` finds them: recorded oldest first, by name — they were recorded in
    /// the order found (MultiRunBaselineTests failed once its runs took under a second).
    func testRunsStartedInOneSecondAreRecordedInTheirFoldersOrder() throws {
        let recording = try BaselineRecording(
            ["20261202T072053Z", "20261202T072052Z-1", "20261202T072052Z"].map { id in
                .init(
                    id: id,
                    document: Self.run(
                        median: 3 * Self.mib,
                        startedAt: id.hasPrefix("20261202T072053Z") ? "2026-12-02T07:20:53Z" : "2026-12-02T07:20:52Z"))
            })
        XCTAssertEqual(recording.sources.map(\.id), ["20261202T072052Z", "20261202T072052Z-1", "20261202T072053Z"])
    }

    func testFewerRunsThanAskedAreRefusedWith66AndEnoughAreFound() throws {
        let runs = NSTemporaryDirectory() + "baseline-runs-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: runs) }
        // Two runs of the plan, one of another revision between them (passed over), newest last.
        let documents = [
            ("20261201T000000Z", Self.run(median: 3 * Self.mib, startedAt: "2026-12-01T00:00:00Z")),
            (
                "20261202T000000Z",
                Self.run(median: 3 * Self.mib, startedAt: "2026-12-02T00:00:00Z", commit: "fedcba987654")
            ),
            ("20261203T000000Z", Self.run(median: 3.1 * Self.mib, startedAt: "2026-12-03T00:00:00Z")),
        ]
        for (name, document) in documents {
            try FileManager.default.createDirectory(atPath: runs + "/" + name, withIntermediateDirectories: true)
            try RunWriter.write(RunAnalysis(document), to: runs + "/" + name)
        }
        let anchor = runs + "/20261203T000000Z"
        XCTAssertThrowsError(try BaselineRecording.mostRecent(3, like: anchor, in: runs)) { error in
            let error = error as? BenchError
            XCTAssertEqual(error?.exitCode, 66)
            XCTAssertTrue(error?.message.contains("2 run(s)") == true, error?.message ?? "")
            XCTAssertTrue(error?.message.contains("asked for 3") == true, error?.message ?? "")
        }
        let two = try BaselineRecording.mostRecent(2, like: anchor, in: runs)
        XCTAssertEqual(
            two.sources.map(\.id), ["20261201T000000Z", "20261203T000000Z"], "oldest first, other revision passed over")
    }
}
