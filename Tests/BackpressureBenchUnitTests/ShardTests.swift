import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore
@testable import BenchModel
@testable import BenchReport
@testable import BenchSystem

/// Plans as files, shards of them, and the merge (issue 27): the cut is deterministic, complete,
/// disjoint and balanced; shards run as separate processes merge into exactly the plan's rows;
/// testbeds are never mixed; bad input is one line and its own exit code, with nothing written.
final class ShardTests: ProcessFreeTestCase {
    // MARK: Synthetic plans

    // MARK: Shard numbers

    func testShardSpecFromTheCommandLineAndEachEngine() throws {
        XCTAssertEqual(try ShardSpec.parse("2/3"), try ShardSpec(index: 2, count: 3))
        for bad in ["0/3", "4/3", "a/3", "2", "2/0", "-1/3", "1/3/4"] {
            XCTAssertThrowsError(try ShardSpec.parse(bad), bad) {
                XCTAssertEqual(($0 as? BenchError)?.kind, .usage, bad)
            }
        }
        func resolve(
            _ explicit: String? = nil, count: Int? = nil, variable: String? = nil,
            env environment: [String: String] = [:]
        ) throws -> ShardSpec? {
            try ShardSpec.resolve(explicit: explicit, count: count, variable: variable, environment: environment)
        }
        XCTAssertNil(try resolve(), "no shard asked, none in the environment: the whole plan")
        XCTAssertEqual(try resolve("3/3"), try ShardSpec(index: 3, count: 3))
        // Kubernetes numbers pods from 0 and does not tell them the count.
        XCTAssertEqual(try resolve(count: 3, env: ["JOB_COMPLETION_INDEX": "0"]), try ShardSpec(index: 1, count: 3))
        XCTAssertEqual(try resolve(count: 3, env: ["JOB_COMPLETION_INDEX": "2"]), try ShardSpec(index: 3, count: 3))
        XCTAssertThrowsError(try resolve(env: ["JOB_COMPLETION_INDEX": "0"])) {
            XCTAssertTrue("\($0)".contains("--shards N"))
        }
        XCTAssertThrowsError(try resolve(count: 3, env: ["JOB_COMPLETION_INDEX": "3"])) {
            XCTAssertTrue("\($0)".contains("out of range"))
        }
        // Slurm: --array=1-3 and --array=0-2 are the same three shards; the count comes along.
        XCTAssertEqual(
            try resolve(env: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "3"]),
            try ShardSpec(index: 3, count: 3))
        XCTAssertEqual(
            try resolve(env: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "3"]),
            try ShardSpec(index: 1, count: 3))
        XCTAssertThrowsError(try resolve(env: ["SLURM_ARRAY_TASK_ID": "0"]))
        // Any engine's variable, counted from 0; it wins over the ones found by themselves.
        XCTAssertEqual(
            try resolve(count: 4, variable: "CI_NODE", env: ["CI_NODE": "1", "JOB_COMPLETION_INDEX": "3"]),
            try ShardSpec(index: 2, count: 4))
        XCTAssertThrowsError(try resolve(count: 4, variable: "CI_NODE")) {
            XCTAssertTrue("\($0)".contains("CI_NODE is not set"))
        }
        XCTAssertThrowsError(try resolve(count: 4, variable: "CI_NODE", env: ["CI_NODE": "one"]))
        XCTAssertThrowsError(try resolve("1/2", count: 2), "two sources of one answer")
        XCTAssertThrowsError(try resolve(count: 2), "a count without an index")
    }

    // MARK: The cut

    func testEveryCutIsCompleteDisjointDeterministicAndKeepsARowsScaleTogether() throws {
        let plan = try SyntheticShards.plan(
            rows: ["a", "b", "c", "d", "e"], scales: [1, 2, 4], allocators: ["jemalloc", "system"])
        let recorded = plan.steps.filter { !$0.isWarmup }.map(\.key)
        for count in 1...9 {
            var seen: [String: Int] = [:]
            for index in 1...count {
                let spec = try ShardSpec(index: index, count: count)
                let steps = ShardSlicer.steps(of: plan, shard: spec)
                XCTAssertEqual(steps, ShardSlicer.steps(of: plan, shard: spec), "the same cut every time")
                for step in steps where !step.isWarmup {
                    XCTAssertNil(seen[step.key], "\(step.key) in two shards of \(count)")
                    seen[step.key] = index
                }
                // Each row a shard runs starts with a warm-up on that machine.
                var warmed: Set<RowID> = []
                for step in steps {
                    if step.isWarmup { warmed.insert(step.row) }
                    XCTAssertTrue(warmed.contains(step.row), "\(step.key) runs cold on shard \(spec)")
                }
            }
            XCTAssertEqual(Set(seen.keys), Set(recorded), "shards of \(count) together run the plan")
            XCTAssertEqual(seen.count, recorded.count)
            // One row's repeats at one scale, both allocators of it, on one shard.
            for step in plan.steps where !step.isWarmup {
                let sibling = PlanFile.Step.key(
                    row: RowID(scenario: step.scenario, variant: step.variant, allocator: .system), scale: step.scale,
                    repeatIndex: 1)
                XCTAssertEqual(
                    seen[step.key], seen[PlanFile.Step.key(row: step.row, scale: step.scale, repeatIndex: 1)])
                XCTAssertEqual(seen[step.key], seen[sibling])
            }
        }
    }

    func testShardsAreBalancedByTheEarlierRunsCostsAndOnlyThen() throws {
        // Row "slow" takes 20× the seconds per unit of the others.
        let rows = ["slow", "b", "c", "d", "e", "f"]
        let measured = try SyntheticShards.plan(
            rows: rows, scales: [1], costs: ["slow": 20, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1])
        let byScale = try SyntheticShards.plan(rows: rows, scales: [1])
        func shardsOf(_ plan: PlanFile) -> [[String]] {
            (1...2).map { index in
                Array(Set(ShardSlicer.steps(of: plan, shard: try! ShardSpec(index: index, count: 2)).map(\.scenario)))
                    .sorted()
            }
        }
        // With costs: the slow row has a shard to itself, the five others share the other.
        XCTAssertEqual(shardsOf(measured).map(\.count).sorted(), [1, 5])
        XCTAssertTrue(shardsOf(measured).contains(["slow"]))
        // By scale alone every row weighs the same: three and three.
        XCTAssertEqual(shardsOf(byScale).map(\.count), [3, 3])
        // LPT stays within 4/3 of the best makespan: here, loads within one unit of each other.
        let units = ShardSlicer.units(of: byScale)
        let assignment = ShardSlicer.assignment(of: byScale, shards: 2)
        let loads = (1...2).map { shard in
            units.indices.filter { assignment[$0] == shard }.map { units[$0].cost }.reduce(0, +)
        }
        XCTAssertLessThanOrEqual(abs(loads[0] - loads[1]), units.map(\.cost).max()!)
    }

    func testAnInterleavedPlanKeepsEveryRowOfAScaleOnOneShard() throws {
        let plan = try SyntheticShards.plan(rows: ["a", "b", "c"], scales: [1, 2, 4], interleaved: true)
        for index in 1...3 {
            let steps = ShardSlicer.steps(of: plan, shard: try ShardSpec(index: index, count: 3)).filter {
                !$0.isWarmup
            }
            XCTAssertEqual(Set(steps.map(\.scale)).count, 1, "one scale per shard")
            XCTAssertEqual(Set(steps.map(\.scenario)), ["a", "b", "c"], "every row of it")
        }
        // Not interleaved, rows of one scale do spread.
        let spread = try SyntheticShards.plan(rows: ["a", "b", "c"], scales: [1, 2, 4])
        let first = ShardSlicer.steps(of: spread, shard: try ShardSpec(index: 1, count: 3)).filter { !$0.isWarmup }
        XCTAssertLessThan(Set(first.map(\.scenario)).count, 3)
    }

    func testCostModelReadsSecondsPerUnitAndFillsUnknownRowsWithTheMedian() {
        var document = Synthetic.document()
        for index in document.records.indices {
            document.records[index].observed.wallS =
                document.records[index].scenario == "pipeline-copy"
                ? 2 * document.records[index].scale : 6 * document.records[index].scale
        }
        let model = CostModel(document, source: "earlier")
        XCTAssertEqual(model.secondsPerUnit["pipeline-copy"] ?? 0, 2, accuracy: 1e-9)
        XCTAssertEqual(model.cost(row: "ignored-drain", scale: 4), 24, accuracy: 1e-9)
        XCTAssertEqual(
            model.cost(row: "new-row", scale: 1), 6, accuracy: 1e-9, "the median of the known rows (upper of two)")
        XCTAssertEqual(CostModel().cost(row: "pipeline-copy", scale: 4), 4, "no earlier run: the scale")
        XCTAssertEqual(model.basis, "seconds per unit of scale from earlier")
    }

    // MARK: The plan file

    func testPlanFileRoundTripsAndRefusesEditsAndOtherRevisions() throws {
        let scratch = TestSupport.temporaryDirectory("plan-file")
        let plan = try SyntheticShards.plan()
        try plan.write(to: scratch + "/plan.json")
        XCTAssertEqual(try PlanFile.load(scratch + "/plan.json"), plan)
        XCTAssertNoThrow(try plan.checkRevision("abc123", path: "plan.json"))
        XCTAssertThrowsError(try plan.checkRevision("def456-dirty", path: "plan.json")) {
            XCTAssertEqual(($0 as? BenchError)?.kind, .data)
        }
        // A hand-edited plan could make shards disagree: refused.
        let text = try String(contentsOfFile: scratch + "/plan.json", encoding: .utf8).replacingOccurrences(
            of: "\"400\"", with: "\"401\"")
        try text.write(toFile: scratch + "/edited.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PlanFile.load(scratch + "/edited.json")) {
            XCTAssertTrue("\($0)".contains("changed after bpbench plan wrote it"))
        }
        XCTAssertThrowsError(try PlanFile.load(scratch + "/none.json")) {
            XCTAssertEqual(($0 as? BenchError)?.kind, .noInput)
        }
        try "{\"formatVersion\": 1}".write(toFile: scratch + "/torn.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PlanFile.load(scratch + "/torn.json")) {
            XCTAssertEqual(($0 as? BenchError)?.kind, .data)
        }
        XCTAssertEqual(
            PlanFile.currentRevision(projectRoot: "/nowhere", environment: ["BPBENCH_REVISION": "v1.2"]), "v1.2")
    }

    // MARK: Merging synthetic shards

    func testOneTestbedMergesIntoOneRunFolderAndTwoTestbedsNeverMix() throws {
        let plan = try SyntheticShards.plan()
        // The cut: shard 1 pipeline-copy ×4, shard 2 ignored-drain ×4, shard 3 both at ×1.
        XCTAssertEqual(
            Set(ShardSlicer.steps(of: plan, shard: try ShardSpec(index: 2, count: 3)).map(\.row)), ["ignored-drain"])

        // Same hardware everywhere (host names differ, as in a CI matrix): one testbed.
        let same = TestSupport.temporaryDirectory("merge-same")
        let merge = try ShardMerge(folders: try SyntheticShards.writeShards(plan, count: 3, under: same))
        XCTAssertEqual(merge.groups.count, 1)
        try merge.write(to: same + "/merged")
        let merged = try RunFolder(existing: same + "/merged").load()
        let expected = Synthetic.document().records.map {
            PlanFile.Step.key(row: $0.scenario, scale: $0.scale, repeatIndex: $0.repeatIndex)
        }
        XCTAssertEqual(
            merged.records.map { PlanFile.Step.key(row: $0.scenario, scale: $0.scale, repeatIndex: $0.repeatIndex) }
                .sorted(), expected.sorted())
        XCTAssertEqual(
            RunAnalysis(merged).verdicts["ignored-drain"]?.kind, .grows, "×1 and ×4 from one testbed make a verdict")
        let report = try String(contentsOfFile: same + "/merged/report.md", encoding: .utf8)
        XCTAssertTrue(report.contains("## Testbed 1: same CPU"))
        XCTAssertFalse(report.contains("## Testbed 2"))
        XCTAssertTrue(report.contains("Every shard ran on one testbed"))
        XCTAssertFalse(report.contains("Partial"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: same + "/merged/testbeds"))

        // Shard 2 (ignored-drain ×4) on other hardware: two sections, nothing mixed.
        let two = TestSupport.temporaryDirectory("merge-two")
        let folders = try SyntheticShards.writeShards(plan, count: 3, under: two) { $0 == 2 ? "other CPU" : "same CPU" }
        let split = try ShardMerge(folders: folders)
        XCTAssertEqual(split.groups.map(\.testbed.cpu), ["same CPU", "other CPU"])
        try split.write(to: two + "/merged")
        XCTAssertFalse(FileManager.default.fileExists(atPath: two + "/merged/run.json"), "no table over two testbeds")
        let first = try RunFolder(existing: two + "/merged/testbeds/1").load()
        let second = try RunFolder(existing: two + "/merged/testbeds/2").load()
        XCTAssertTrue(first.records.allSatisfy { !($0.scenario == "ignored-drain" && $0.scale == 4) })
        XCTAssertTrue(second.records.allSatisfy { $0.scenario == "ignored-drain" && $0.scale == 4 })
        XCTAssertEqual(first.records.count + second.records.count, expected.count)
        // The reference ran only on testbed 1: testbed 2 has no ratio, and no verdict crosses.
        let secondAnalysis = RunAnalysis(second)
        XCTAssertNil(secondAnalysis.reference)
        XCTAssertTrue(secondAnalysis.summaries.allSatisfy { secondAnalysis.ratioToReference($0, .peakRss) == nil })
        XCTAssertNotEqual(
            RunAnalysis(first).verdicts["ignored-drain"]?.kind, .grows, "one scale on this testbed: no growth verdict")
        XCTAssertEqual(split.splitRows(), ["ignored-drain"])
        let splitReport = try String(contentsOfFile: two + "/merged/report.md", encoding: .utf8)
        XCTAssertTrue(splitReport.contains("## Testbed 1: same CPU"))
        XCTAssertTrue(splitReport.contains("## Testbed 2: other CPU"))
        XCTAssertTrue(splitReport.contains("no ratio crosses testbeds"))
        XCTAssertTrue(splitReport.contains("](testbeds/2/"), "the second testbed's charts link into its folder")
    }
}
