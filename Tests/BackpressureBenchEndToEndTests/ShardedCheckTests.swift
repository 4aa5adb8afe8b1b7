import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport
@testable import BenchSystem

/// The gate across shards (issue 27): `bpbench plan --check`, `check --plan P --shard I/N` (each
/// shard its own check of whole rows) and `merge` of their judgements into one verdict. A sharded
/// check finds what the unsharded one finds; a missing shard is partial, never passed; shards that
/// disagree are one line and exit 65, with nothing merged.
final class ShardedCheckTests: ChildProcessTestCase {
    // MARK: Synthetic judgements (what merge does with them; no child runs)

    /// A check's plan over the synthetic run's two rows, cut in two: one row per shard.
    static func checkPlan(revision: String = "abc123", baselineDigest: String = "0123456789abcdef") throws -> PlanFile {
        try SyntheticShards.plan(
            revision: revision,
            check: PlanFile.Check(
                baseline: "Reports/baseline.json", baselineDigest: baselineDigest,
                rows: ["pipeline-copy", "ignored-drain"], injected: nil))
    }

    /// A judged cell of `row` at ×1, a regression or not.
    static func judgement(_ row: RowID, regression: Bool) -> Judgement {
        SyntheticShards.judgement(row, regression: regression)
    }

    /// Writes `check.json` into each shard folder as `check --plan` would (``SyntheticShards/judge``).
    static func judge(
        _ folders: [String], plan: PlanFile, regressed: Set<RowID> = [], thresholds: Thresholds = .standard
    ) throws {
        try SyntheticShards.judge(folders, plan: plan, regressed: regressed, thresholds: thresholds)
    }

    func merge(
        _ folders: [String], out: String
    ) throws -> (status: Int32, output: String, error: String, record: CheckRecord?) {
        let result = try TestSupport.bpbench(["merge"] + folders + ["--out", out])
        return (result.status, result.output, result.error, try CheckRecord.load(from: out))
    }

    func testCheckRowsAreWholeRowsAndEveryRowIsJudgedOnce() throws {
        let plan = try SyntheticShards.plan(
            rows: ["a", "b", "c", "d"], scales: [1, 2, 4],
            check: PlanFile.Check(
                baseline: "b.json", baselineDigest: "x", rows: ["a", "b", "c", "d", "gone"], injected: nil))
        XCTAssertEqual(plan.unscheduledRows, ["gone"], "a baseline row with no scenario here")
        for count in 1...5 {
            var judged: [RowID] = []
            for index in 1...count {
                let spec = try ShardSpec(index: index, count: count)
                let steps = ShardSlicer.steps(of: plan, shard: spec)
                // Every scale of a row on one shard: its growth verdict is one machine's.
                for row in Set(steps.map(\.row)) {
                    XCTAssertEqual(
                        Set(steps.filter { $0.row == row && !$0.isWarmup }.map(\.scale)), [1, 2, 4],
                        "\(row) split on shard \(spec)")
                }
                judged += ShardSlicer.checkRows(of: plan, shard: spec)
            }
            XCTAssertEqual(judged.sorted(), ["a", "b", "c", "d", "gone"], "\(count) shards judge every row once")
            XCTAssertTrue(
                ShardSlicer.checkRows(of: plan, shard: try ShardSpec(index: 1, count: count)).contains("gone"),
                "shard 1 judges it missing")
        }
        // A benchmark plan of the same rows cuts by scale: the check's cut is its own.
        let benchmark = try SyntheticShards.plan(rows: ["a", "b", "c", "d"], scales: [1, 2, 4])
        XCTAssertEqual(ShardSlicer.units(of: benchmark).count, 12)
        XCTAssertEqual(ShardSlicer.units(of: plan).count, 4)
    }

    func testCheckJSONRoundTripsEveryCellAndAnInfiniteChange() throws {
        var report = GateReport()
        report.add(Self.judgement("pipeline-copy", regression: true))
        var fromZero = Self.judgement("ignored-drain", regression: true)
        fromZero.before = 0
        fromZero.worsening = .infinity
        fromZero.marginP = 0.25
        fromZero.beforeCount = 5
        fromZero.afterCount = 4
        report.add(fromZero)
        report.findings.append(
            Finding(
                scenario: "ignored-drain", scale: 4, metric: "presence", baseline: "present",
                now: "missing from the run", rule: "every baseline scenario must run"))
        report.notes = ["a note"]
        let scratch = TestSupport.temporaryDirectory("check-json")
        let record = CheckRecord(
            report: report, baseline: "b.json", baselineDigest: "d", thresholds: .standard, revision: "r", planID: nil,
            shard: nil,
            environment: Synthetic.document().environment, rows: ["pipeline-copy", "ignored-drain"])
        try record.write(into: scratch)
        let read = try XCTUnwrap(try CheckRecord.load(from: scratch))
        XCTAssertEqual(read, record)
        XCTAssertEqual(read.verdict, .failed)
        XCTAssertEqual(read.judgements[1].worsening, .infinity)
        XCTAssertEqual(read.judgements[1].changeText, "from 0")
        XCTAssertEqual(read.report.findings.count, 3)
        XCTAssertNil(try CheckRecord.load(from: scratch + "/none"), "no check.json: no judgements, not an error")
        try "{\"formatVersion\": 1, \"verdict\": \"passed\"".write(
            toFile: scratch + "/check.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try CheckRecord.load(from: scratch)) { XCTAssertEqual(($0 as? BenchError)?.kind, .data) }
    }

    func testMergedJudgementsFailOnAnyShardsRegressionPassOnlyWhenEveryShardJudgedAndArePartialOtherwise() throws {
        let plan = try Self.checkPlan()
        // Clean: every shard judged, nothing found → passed, 0.
        let clean = TestSupport.temporaryDirectory("check-merge-clean")
        let cleanFolders = try SyntheticShards.writeShards(plan, count: 2, under: clean)
        try Self.judge(cleanFolders, plan: plan)
        let passed = try merge(cleanFolders, out: clean + "/merged")
        XCTAssertEqual(passed.status, 0, passed.error)
        XCTAssertTrue(
            passed.output.contains("check passed: no regression (2 cells judged in 2 of 2 shards"), passed.output)
        XCTAssertEqual(passed.record?.verdict, .passed)
        XCTAssertEqual(passed.record?.sites.map(\.rows), [["pipeline-copy"], ["ignored-drain"]])
        XCTAssertEqual(
            passed.record?.notes,
            ["a note every shard writes", "shard 1/2: a note of shard 1", "shard 2/2: a note of shard 2"])
        let passedMarkdown = try String(contentsOfFile: clean + "/merged/check.md", encoding: .utf8)
        XCTAssertTrue(
            passedMarkdown.contains("**Passed**: no regression in 2 of 2 shards (2 cells judged)."), passedMarkdown)
        XCTAssertTrue(passedMarkdown.contains("| 2/2 | node-2 | 1 | `ignored-drain` | 1 | 0 |"), passedMarkdown)
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: clean + "/merged/run.json"), "the rows are merged as before")

        // Shard 2's row regressed: the merged verdict fails, naming it, exit 1.
        let regressed = TestSupport.temporaryDirectory("check-merge-regressed")
        let regressedFolders = try SyntheticShards.writeShards(plan, count: 2, under: regressed)
        try Self.judge(regressedFolders, plan: plan, regressed: ["ignored-drain"])
        let failed = try merge(regressedFolders, out: regressed + "/merged")
        XCTAssertEqual(failed.status, 1, failed.error)
        XCTAssertTrue(failed.output.contains("check FAILED: 1 regression(s)"), failed.output)
        XCTAssertTrue(
            failed.output.contains("  - ignored-drain ×1 peak_allocated_bytes: 3.0 MiB → 5.0 MiB"), failed.output)
        XCTAssertEqual(failed.record?.verdict, .failed)
        XCTAssertEqual(failed.record?.findings.map(\.scenario), ["ignored-drain"])
        XCTAssertEqual(failed.record?.judgements.count, 2)
        let failedMarkdown = try String(contentsOfFile: regressed + "/merged/check.md", encoding: .utf8)
        XCTAssertTrue(
            failedMarkdown.contains("- ignored-drain ×1 peak_allocated_bytes: 3.0 MiB → 5.0 MiB")
                && failedMarkdown.contains("— shard 2/2"), failedMarkdown)

        // Shard 2 missing: partial, exit 3 — never passed — and its row named.
        let partial = try merge([cleanFolders[0]], out: clean + "/partial")
        XCTAssertEqual(partial.status, 3, partial.error)
        XCTAssertEqual(partial.error.split(separator: "\n").count, 1, partial.error)
        XCTAssertTrue(
            partial.error.contains(
                "the check is partial, not passed: shard 2/2 not judged (no folder was given for it)"), partial.error)
        XCTAssertFalse(partial.output.contains("check passed"), partial.output)
        XCTAssertEqual(partial.record?.verdict, .partial)
        XCTAssertEqual(partial.record?.missingShards, [2])
        let partialMarkdown = try String(contentsOfFile: clean + "/partial/check.md", encoding: .utf8)
        XCTAssertTrue(partialMarkdown.contains("**Partial — not a pass**"), partialMarkdown)
        XCTAssertTrue(
            partialMarkdown.contains("| 2/2 | — | — | not judged: `ignored-drain` | — | — |"), partialMarkdown)

        // A shard present whose check did not finish (no check.json): partial as well.
        try FileManager.default.removeItem(atPath: cleanFolders[1] + "/check.json")
        let unfinished = try merge(cleanFolders, out: clean + "/unfinished")
        XCTAssertEqual(unfinished.status, 3, unfinished.error)
        XCTAssertTrue(unfinished.error.contains("has no check.json (its check did not finish)"), unfinished.error)

        // A regression found while a shard is missing is a regression: 1, and it says partial.
        let both = try merge([regressedFolders[1]], out: regressed + "/both")
        XCTAssertEqual(both.status, 1, both.error)
        XCTAssertEqual(both.record?.verdict, .failed)
        XCTAssertEqual(both.record?.missingShards, [1])
    }

    func testDisagreeingCheckShardsAreOneLine65AndNothingMerged() throws {
        let scratch = TestSupport.temporaryDirectory("check-merge-bad")
        let plan = try Self.checkPlan()
        func judged(_ name: String, plan: PlanFile = plan, thresholds: Thresholds = .standard) throws -> [String] {
            let folders = try SyntheticShards.writeShards(plan, count: 2, under: scratch + "/" + name)
            try Self.judge(folders, plan: plan, thresholds: thresholds)
            return folders
        }
        let good = try judged("good")
        let otherPlan = try judged("other-plan", plan: try Self.checkPlan(baselineDigest: "fedcba9876543210"))
        let otherRevision = try judged("other-revision", plan: try Self.checkPlan(revision: "fff999"))
        var looser = Thresholds.standard
        looser.alpha = 0.05
        let otherThresholds = try judged("other-thresholds", thresholds: looser)
        let corrupt = try judged("corrupt")
        try "{\"formatVersion\": 1, \"verdict\": ".write(
            toFile: corrupt[1] + "/check.json", atomically: true, encoding: .utf8)
        // Shard 2's judgements copied into shard 1's folder: not that folder's shard.
        let swapped = try judged("swapped")
        try FileManager.default.removeItem(atPath: swapped[0] + "/check.json")
        try FileManager.default.copyItem(atPath: swapped[1] + "/check.json", toPath: swapped[0] + "/check.json")
        // Shard 1 claims to have judged shard 2's row as well: overlapping rows.
        let overlapping = try judged("overlap")
        var greedy = try XCTUnwrap(try CheckRecord.load(from: overlapping[0]))
        greedy.sites[0].rows.append("ignored-drain")
        try greedy.write(into: overlapping[0])

        let cases: [(folders: [String], message: String)] = [
            ([good[0], otherPlan[1]], "merge the shards of one plan"),
            ([good[0], otherRevision[1]], "merge shards of one revision"),
            ([otherThresholds[0], good[1]], "were judged with different thresholds"),
            (
                corrupt,
                "check.json is corrupt (not a check.json bpbench check wrote): not JSON: it ends early (truncated?)"
            ),
            (swapped, "is not this folder's judgement"),
            (overlapping, "shards overlap: row ignored-drain was judged in"),
        ]
        for (index, bad) in cases.enumerated() {
            let out = scratch + "/m\(index)"
            try ShardCommandTests.assertRefused(
                ["merge"] + bad.folders + ["--out", out], code: 65, message: bad.message, unwritten: out)
        }
        let leftovers =
            (try? FileManager.default.contentsOfDirectory(atPath: scratch))?.filter { $0.contains(".merging-") } ?? []
        XCTAssertEqual(leftovers, [], "no staging folder left behind")
    }

    // MARK: Real checks, as the recipe runs them

    /// A baseline of two cheap rows, recorded here: the quick profile at scales ×0.1 and ×0.2
    /// (400 and 800 items of micro-batching and unawaited-work — a check runs the profile's
    /// parameters, so the scales are what makes it small; 4.3 s here), 5 repeats: the fewest with
    /// which 5 + 5 can reach p < 0.01. Rows whose clean checks pass at these sizes (3 of 3 here):
    /// bounded-queue's growth verdict came out inconclusive at 300 against 600 items in one clean
    /// check of five (its repeats straddle the 256 KiB floor), a false alarm no sharding causes.
    static func recordBaseline(in scratch: String) throws -> String {
        let project = ["--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory]
        let run = try TestSupport.bpbench(
            ["run"] + project + [
                "--scenario", "micro-batching", "--scenario", "unawaited-work", "--profile", "quick",
                "--scale", "0.1,0.2", "--repeat", "5", "--quiet", "--out", scratch + "/baseline-run",
            ])
        XCTAssertEqual(run.status, 0, run.error)
        let baseline = scratch + "/baseline.json"
        let update = try TestSupport.bpbench(
            ["baseline", "update"] + project + ["--run", scratch + "/baseline-run", "--baseline", baseline])
        XCTAssertEqual(update.status, 0, update.error)
        return baseline
    }

    /// The workflow's plan, shard and merge commands, run as separate processes in `directory`.
    func runRecipe(
        in directory: String, planArgs: String, shards: Int, only: [Int]? = nil
    ) throws -> (status: Int32, error: String) {
        let workflow = TestSupport.projectRoot + "/deploy/github-actions/check-sharded.yml"
        let commands = try ShardCommandTests.commands(in: workflow, prefix: "run: ")
        let plan = try XCTUnwrap(commands.first { $0.hasPrefix("$BPBENCH plan --check ") })
        let shard = try XCTUnwrap(commands.first { $0.hasPrefix("$BPBENCH check --plan ") })
        let merge = try XCTUnwrap(commands.first { $0.hasPrefix("$BPBENCH merge ") })
        let bpbench = TestSupport.binDirectory + "/bpbench"
        guard FileManager.default.isExecutableFile(atPath: bpbench) else { throw XCTSkip("bpbench is not built") }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // A fixed revision: other work in this tree must not make the plan's revision go stale.
        let environment = [
            "BPBENCH": bpbench, "CHECK_PLAN_ARGS": planArgs, "CHECK_ARGS": "", "SHARDS": "\(shards)",
            "BPBENCH_REVISION": "sharded-check-test",
        ]
        let planned = try ShardCommandTests.shell(plan, in: directory, environment: environment)
        XCTAssertEqual(planned.status, 0, planned.error)
        for index in only ?? Array(1...shards) {
            // A shard's own exit is check's: 1 when its rows regressed; the fan-in decides.
            let ran = try ShardCommandTests.shell(
                shard, in: directory, environment: environment.merging(["SHARD": "\(index)"]) { $1 })
            XCTAssertTrue([0, 1].contains(ran.status), ran.error)
            XCTAssertNotNil(
                try CheckRecord.load(from: directory + "/check-\(index)"), "shard \(index) wrote its judgements")
        }
        return try ShardCommandTests.shell(merge, in: directory, environment: environment)
    }

    /// Scenario, scale and metric of each finding: what a regression is, whatever its p.
    static func keys(_ findings: [Finding]) -> Set<String> {
        Set(findings.map { "\($0.scenario) \(Format.scale($0.scale)) \($0.metric)" })
    }

    func testAShardedCheckFindsWhatTheUnshardedCheckFindsAndPassesWhenClean() throws {
        let scratch = TestSupport.temporaryDirectory("sharded-check")
        let baseline = try Self.recordBaseline(in: scratch)
        let project = ["--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory]
        // Each chunk's work started and forgotten instead of awaited: unawaited-work's heap and
        // gauges grow with the input (×2.8–×490 here, every p = 0.004) and its verdict turns to
        // grows-with-input. The baseline's two rows only (a check also runs the rows it lacks).
        let rows = "--scenario micro-batching --scenario unawaited-work"
        let inject = "--inject unawaited-work.await_work=false"

        let whole = try TestSupport.bpbench(
            ["check"] + project + ["--baseline", baseline]
                + (rows + " " + inject).split(separator: " ").map(String.init)
                + ["--quiet", "--out", scratch + "/whole"])
        XCTAssertEqual(whole.status, 1, whole.error)
        let unsharded = try XCTUnwrap(try CheckRecord.load(from: scratch + "/whole"))
        XCTAssertEqual(unsharded.verdict, .failed)
        XCTAssertNil(unsharded.planID)
        XCTAssertTrue(unsharded.findings.allSatisfy { $0.scenario == "unawaited-work" }, "\(unsharded.findings)")
        XCTAssertTrue(
            Self.keys(unsharded.findings).isSuperset(of: [
                "unawaited-work ×0.2 peak_allocated_bytes", "unawaited-work ×0.1 memory_verdict",
            ]),
            "\(unsharded.findings)")

        // Two shards: one row each; the regression lies in one of them.
        let injected = scratch + "/injected"
        let merged = try runRecipe(in: injected, planArgs: "--baseline \(baseline) \(rows) \(inject)", shards: 2)
        XCTAssertEqual(merged.status, 1, merged.error)
        let verdict = try XCTUnwrap(try CheckRecord.load(from: injected + "/merged"))
        XCTAssertEqual(verdict.verdict, .failed)
        // Two checks are two samples: a cell near its margin (unawaited-work ×0.1's heap, its
        // minEffect 24–186 % across runs under load) may be a finding in one and not the other,
        // which made an equality of the two finding sets fail 1 time in 9 by hand on unchanged
        // code. What sharding must not change is deterministic: the cells the injection always
        // moves are found either way, nothing outside the injected row is, and the merged verdict
        // is exactly its shards' findings.
        XCTAssertTrue(
            Self.keys(verdict.findings).isSuperset(of: [
                "unawaited-work ×0.2 peak_allocated_bytes", "unawaited-work ×0.1 memory_verdict",
            ]),
            "the merged verdict finds what the unsharded check must: \(verdict.findings)")
        XCTAssertTrue(verdict.findings.allSatisfy { $0.scenario == "unawaited-work" }, "\(verdict.findings)")
        XCTAssertEqual(
            Set(verdict.judgements.map { "\($0.scenario) \($0.scale) \($0.metric) \($0.against.rawValue)" }),
            Set(unsharded.judgements.map { "\($0.scenario) \($0.scale) \($0.metric) \($0.against.rawValue)" }),
            "the same cells judged")
        let shardVerdicts = try (1...2).map { try XCTUnwrap(try CheckRecord.load(from: injected + "/check-\($0)")) }
        XCTAssertEqual(
            shardVerdicts.map(\.verdict).sorted { $0.rawValue < $1.rawValue }, [.failed, .passed],
            "one shard holds the regression")
        XCTAssertEqual(Set(shardVerdicts.flatMap { $0.sites[0].rows }), ["micro-batching", "unawaited-work"])
        XCTAssertEqual(
            Self.keys(verdict.findings), Self.keys(shardVerdicts.flatMap(\.findings)),
            "the merged verdict is its shards' findings, no more, no fewer")
        let markdown = try String(contentsOfFile: injected + "/merged/check.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("**Failed**"), markdown)
        XCTAssertTrue(markdown.contains("## Where each row was judged"), markdown)
        XCTAssertTrue(markdown.contains("with injected `unawaited-work`"), markdown)

        // Unchanged: every shard clean → the merged check passes.
        let clean = scratch + "/clean"
        let passed = try runRecipe(in: clean, planArgs: "--baseline \(baseline) \(rows)", shards: 2)
        let cleanVerdict = try CheckRecord.load(from: clean + "/merged")
        XCTAssertEqual(passed.status, 0, "\(passed.error) \(cleanVerdict?.findings.map(\.description) ?? [])")
        XCTAssertEqual(cleanVerdict?.verdict, .passed)

        // One shard's judgements missing: partial (3), not passed.
        let partial = try TestSupport.execute(
            TestSupport.binDirectory + "/bpbench", ["merge", "check-1", "--out", "partial"], in: clean)
        XCTAssertEqual(partial.status, 3, partial.error)
        XCTAssertEqual(try CheckRecord.load(from: clean + "/partial")?.verdict, .partial)
        // Shards of two plans (injected and not): one line, 65, nothing merged.
        let mixed = try TestSupport.execute(
            TestSupport.binDirectory + "/bpbench",
            ["merge", injected + "/check-1", clean + "/check-2", "--out", scratch + "/mixed"])
        XCTAssertEqual(mixed.status, 65, mixed.error)
        XCTAssertTrue(mixed.error.contains("merge the shards of one plan"), mixed.error)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/mixed"))
    }

    func testCheckPlanAndShardRefusals() throws {
        try ShardCommandTests.atFixedRevision(refusals)
    }

    func refusals() throws {
        let scratch = TestSupport.temporaryDirectory("check-plan-bad")
        let project = ["--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory]
        let bench = try TestSupport.bpbench(
            ["plan"] + project + [
                "--profile", "quick", "--scale", "1,4", "--repeat", "1", "--scenario", "pipeline-copy", "--out",
                scratch + "/bench.json",
            ])
        XCTAssertEqual(bench.status, 0, bench.error)
        // A synthetic baseline of pipeline-copy with the parameters this checkout resolves (no child runs).
        let baseline = scratch + "/baseline.json"
        var document = Synthetic.document()
        document.records = document.records.filter { $0.scenario == "pipeline-copy" }
        var recorded = Baseline(RunAnalysis(document))
        let steps = try PlanFile.load(scratch + "/bench.json").steps
        for index in recorded.entries.indices {
            let step = try XCTUnwrap(steps.first { $0.scale == recorded.entries[index].scale })
            recorded.entries[index].parameters = Dictionary(
                step.parameters.map { ($0[0], $0[1]) }, uniquingKeysWith: { $1 })
        }
        try recorded.write(to: baseline)
        let unrelated = scratch + "/unrelated.json"
        try Baseline(RunAnalysis(document)).write(to: unrelated)
        let made = try TestSupport.bpbench(
            ["plan"] + project + ["--check", "--baseline", baseline, "--out", scratch + "/gate.json"])
        XCTAssertEqual(made.status, 0, made.error)
        XCTAssertTrue(
            made.output.contains("(adaptive up to \(GateRepeatRule.verdictMaximum): "), "the ceiling: \(made.output)")
        let gate = try PlanFile.load(scratch + "/gate.json")
        // The baseline's row first, then the rows it lacks that a check runs (same-job only).
        XCTAssertEqual(gate.check?.rows.first, "pipeline-copy")
        XCTAssertTrue(gate.check?.rows.contains("bounded-queue") ?? false)
        XCTAssertEqual(
            gate.check?.baselineDigest, PlanFile.contentDigest(try Data(contentsOf: URL(fileURLWithPath: baseline))))
        XCTAssertEqual(gate.profile.rawValue, "quick", "the baseline's profile, not plan's default")
        let thresholds = try Thresholds.load(TestSupport.projectRoot + "/Reports/thresholds.json")
        XCTAssertEqual(
            gate.maxRepeats, GateRepeatRule.maximumRepeats(baselineRepeats: 5, thresholds: thresholds),
            "adaptive up to what check would run")
        let edited = scratch + "/edited-baseline.json"
        try (try String(contentsOfFile: baseline, encoding: .utf8) + "\n").write(
            toFile: edited, atomically: true, encoding: .utf8)

        let check = ["check"] + project + ["--quiet"]
        let cases: [(arguments: [String], code: Int32, message: String)] = [
            (
                ["plan"] + project + [
                    "--check", "--baseline", baseline, "--scale", "1,4", "--out", scratch + "/p1.json",
                ], 64, "a check's plan is the baseline's: --scale"
            ),
            (
                ["plan"] + project + ["--check", "--baseline", unrelated, "--out", scratch + "/p4.json"], 65,
                "not comparable with \(unrelated): pipeline-copy ×1 parameter"
            ),
            (
                ["plan"] + project + ["--inject", "pipeline-copy.items=5", "--out", scratch + "/p2.json"], 64,
                "add --check"
            ),
            (
                ["plan"] + project + ["--check", "--baseline", scratch + "/none.json", "--out", scratch + "/p3.json"],
                66, "does not exist"
            ),
            (check + ["--plan", scratch + "/gate.json", "--shard", "3/2"], 64, "shard 3/2 is out of range"),
            (check + ["--plan", scratch + "/gate.json", "--shards", "2"], 64, "--shards N needs the shard's index"),
            (
                check + ["--plan", scratch + "/gate.json", "--shard", "1/2", "--inject", "pipeline-copy.items=5"], 64,
                "--inject belongs on bpbench plan --check"
            ),
            (check + ["--plan", scratch + "/bench.json", "--shard", "1/2"], 64, "is a benchmark plan"),
            (check + ["--shard", "1/2"], 64, "make one with bpbench plan --check"),
            (
                ["run"] + project + ["--quiet", "--plan", scratch + "/gate.json", "--shard", "1/2"], 64,
                "is a check's plan: run its shards with bpbench check --plan"
            ),
            (
                check + ["--plan", scratch + "/gate.json", "--shard", "1/2", "--baseline", edited], 65,
                "is not the baseline plan"
            ),
        ]
        for (index, bad) in cases.enumerated() {
            let out = scratch + "/out-\(index)"
            try ShardCommandTests.assertRefused(
                bad.arguments + (bad.arguments.first == "plan" ? [] : ["--out", out]), code: bad.code,
                message: bad.message, unwritten: out)
        }
        for index in 1...4 { XCTAssertFalse(FileManager.default.fileExists(atPath: scratch + "/p\(index).json")) }
    }
}
