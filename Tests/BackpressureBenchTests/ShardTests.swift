@testable import BenchCore
@testable import BenchModel
import BenchProtocol
@testable import BenchReport
@testable import BenchSystem
import Foundation
import XCTest

/// Plans as files, shards of them, and the merge (issue 27): the cut is deterministic, complete,
/// disjoint and balanced; shards run as separate processes merge into exactly the plan's rows;
/// testbeds are never mixed; bad input is one line and its own exit code, with nothing written.
final class ShardTests: XCTestCase {
    // MARK: Synthetic plans

    /// A plan file of `rows` at `scales`, `repeats` each (interior scales 2), one warm-up per row
    /// at its first scale; `costs` (row → seconds per unit) when given.
    static func plan(rows: [String] = ["pipeline-copy", "ignored-drain"], scales: [Double] = [1, 4], repeats: Int = 5, interleaved: Bool = false,
                     allocators: [String] = ["jemalloc"], costs: [String: Double] = [:], revision: String = "abc123",
                     check: PlanFile.Check? = nil) throws -> PlanFile {
        var steps: [[String: Any]] = []
        for row in rows {
            for (scaleIndex, scale) in scales.enumerated() {
                for repeatIndex in (scaleIndex == 0 ? 0 : 1)...RunPlan.repeatCount(repeats, at: scale, of: scales) {
                    for allocator in allocators {
                        let rowName = row + (allocator == "system" ? "@system" : "")
                        steps.append(["scenario": row, "allocator": allocator, "scale": scale, "repeatIndex": repeatIndex,
                                      "parameters": [["items", String(Int(100 * scale))]], "cost": scale * (costs[rowName] ?? 1)])
                    }
                }
            }
        }
        let object: [String: Any] = [
            "formatVersion": 1, "planID": "", "createdAt": "2026-12-01T00:00:00Z", "revision": revision, "profile": "quick", "repeats": repeats,
            "warmups": 1, "scales": scales, "interleaved": interleaved, "reference": "pipeline-copy", "costBasis": costs.isEmpty ? "scale" : "test",
            "limits": ["sampleIntervalMs": 1, "timelineIntervalMs": 10, "memoryCapBytes": 2 << 30, "timeoutS": 300], "steps": steps,
        ]
        var plan = try JSONDecoder().decode(PlanFile.self, from: JSONSerialization.data(withJSONObject: object))
        plan.check = check
        plan.planID = plan.digest()
        return plan
    }

    // MARK: Shard numbers

    func testShardSpecFromTheCommandLineAndEachEngine() throws {
        XCTAssertEqual(try ShardSpec.parse("2/3"), try ShardSpec(index: 2, count: 3))
        for bad in ["0/3", "4/3", "a/3", "2", "2/0", "-1/3", "1/3/4"] {
            XCTAssertThrowsError(try ShardSpec.parse(bad), bad) { XCTAssertEqual(($0 as? BenchError)?.kind, .usage, bad) }
        }
        func resolve(_ explicit: String? = nil, count: Int? = nil, variable: String? = nil, env environment: [String: String] = [:]) throws -> ShardSpec? {
            try ShardSpec.resolve(explicit: explicit, count: count, variable: variable, environment: environment)
        }
        XCTAssertNil(try resolve(), "no shard asked, none in the environment: the whole plan")
        XCTAssertEqual(try resolve("3/3"), try ShardSpec(index: 3, count: 3))
        // Kubernetes numbers pods from 0 and does not tell them the count.
        XCTAssertEqual(try resolve(count: 3, env: ["JOB_COMPLETION_INDEX": "0"]), try ShardSpec(index: 1, count: 3))
        XCTAssertEqual(try resolve(count: 3, env: ["JOB_COMPLETION_INDEX": "2"]), try ShardSpec(index: 3, count: 3))
        XCTAssertThrowsError(try resolve(env: ["JOB_COMPLETION_INDEX": "0"])) { XCTAssertTrue("\($0)".contains("--shards N")) }
        XCTAssertThrowsError(try resolve(count: 3, env: ["JOB_COMPLETION_INDEX": "3"])) { XCTAssertTrue("\($0)".contains("out of range")) }
        // Slurm: --array=1-3 and --array=0-2 are the same three shards; the count comes along.
        XCTAssertEqual(try resolve(env: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_COUNT": "3"]), try ShardSpec(index: 3, count: 3))
        XCTAssertEqual(try resolve(env: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_COUNT": "3"]), try ShardSpec(index: 1, count: 3))
        XCTAssertThrowsError(try resolve(env: ["SLURM_ARRAY_TASK_ID": "0"]))
        // Any engine's variable, counted from 0; it wins over the ones found by themselves.
        XCTAssertEqual(try resolve(count: 4, variable: "CI_NODE", env: ["CI_NODE": "1", "JOB_COMPLETION_INDEX": "3"]), try ShardSpec(index: 2, count: 4))
        XCTAssertThrowsError(try resolve(count: 4, variable: "CI_NODE")) { XCTAssertTrue("\($0)".contains("CI_NODE is not set")) }
        XCTAssertThrowsError(try resolve(count: 4, variable: "CI_NODE", env: ["CI_NODE": "one"]))
        XCTAssertThrowsError(try resolve("1/2", count: 2), "two sources of one answer")
        XCTAssertThrowsError(try resolve(count: 2), "a count without an index")
    }

    // MARK: The cut

    func testEveryCutIsCompleteDisjointDeterministicAndKeepsARowsScaleTogether() throws {
        let plan = try Self.plan(rows: ["a", "b", "c", "d", "e"], scales: [1, 2, 4], allocators: ["jemalloc", "system"])
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
                var warmed: Set<String> = []
                for step in steps {
                    if step.isWarmup { warmed.insert(step.row) }
                    XCTAssertTrue(warmed.contains(step.row), "\(step.key) runs cold on shard \(spec)")
                }
            }
            XCTAssertEqual(Set(seen.keys), Set(recorded), "shards of \(count) together run the plan")
            XCTAssertEqual(seen.count, recorded.count)
            // One row's repeats at one scale, both allocators of it, on one shard.
            for step in plan.steps where !step.isWarmup {
                let sibling = PlanFile.Step.key(row: step.scenario + "@system", scale: step.scale, repeatIndex: 1)
                XCTAssertEqual(seen[step.key], seen[PlanFile.Step.key(row: step.row, scale: step.scale, repeatIndex: 1)])
                XCTAssertEqual(seen[step.key], seen[sibling])
            }
        }
    }

    func testShardsAreBalancedByTheEarlierRunsCostsAndOnlyThen() throws {
        // Row "slow" takes 20× the seconds per unit of the others.
        let rows = ["slow", "b", "c", "d", "e", "f"]
        let measured = try Self.plan(rows: rows, scales: [1], costs: ["slow": 20, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1])
        let byScale = try Self.plan(rows: rows, scales: [1])
        func shardsOf(_ plan: PlanFile) -> [[String]] {
            (1...2).map { index in Array(Set(ShardSlicer.steps(of: plan, shard: try! ShardSpec(index: index, count: 2)).map(\.scenario))).sorted() }
        }
        // With costs: the slow row has a shard to itself, the five others share the other.
        XCTAssertEqual(shardsOf(measured).map(\.count).sorted(), [1, 5])
        XCTAssertTrue(shardsOf(measured).contains(["slow"]))
        // By scale alone every row weighs the same: three and three.
        XCTAssertEqual(shardsOf(byScale).map(\.count), [3, 3])
        // LPT stays within 4/3 of the best makespan: here, loads within one unit of each other.
        let units = ShardSlicer.units(of: byScale)
        let assignment = ShardSlicer.assignment(of: byScale, shards: 2)
        let loads = (1...2).map { shard in units.indices.filter { assignment[$0] == shard }.map { units[$0].cost }.reduce(0, +) }
        XCTAssertLessThanOrEqual(abs(loads[0] - loads[1]), units.map(\.cost).max()!)
    }

    func testAnInterleavedPlanKeepsEveryRowOfAScaleOnOneShard() throws {
        let plan = try Self.plan(rows: ["a", "b", "c"], scales: [1, 2, 4], interleaved: true)
        for index in 1...3 {
            let steps = ShardSlicer.steps(of: plan, shard: try ShardSpec(index: index, count: 3)).filter { !$0.isWarmup }
            XCTAssertEqual(Set(steps.map(\.scale)).count, 1, "one scale per shard")
            XCTAssertEqual(Set(steps.map(\.scenario)), ["a", "b", "c"], "every row of it")
        }
        // Not interleaved, rows of one scale do spread.
        let spread = try Self.plan(rows: ["a", "b", "c"], scales: [1, 2, 4])
        let first = ShardSlicer.steps(of: spread, shard: try ShardSpec(index: 1, count: 3)).filter { !$0.isWarmup }
        XCTAssertLessThan(Set(first.map(\.scenario)).count, 3)
    }

    func testCostModelReadsSecondsPerUnitAndFillsUnknownRowsWithTheMedian() {
        var document = Synthetic.document()
        for index in document.records.indices {
            document.records[index].observed.wallS = document.records[index].scenario == "pipeline-copy" ? 2 * document.records[index].scale : 6 * document.records[index].scale
        }
        let model = CostModel(document, source: "earlier")
        XCTAssertEqual(model.secondsPerUnit["pipeline-copy"] ?? 0, 2, accuracy: 1e-9)
        XCTAssertEqual(model.cost(row: "ignored-drain", scale: 4), 24, accuracy: 1e-9)
        XCTAssertEqual(model.cost(row: "new-row", scale: 1), 6, accuracy: 1e-9, "the median of the known rows (upper of two)")
        XCTAssertEqual(CostModel().cost(row: "pipeline-copy", scale: 4), 4, "no earlier run: the scale")
        XCTAssertEqual(model.basis, "seconds per unit of scale from earlier")
    }

    // MARK: The plan file

    func testPlanFileRoundTripsAndRefusesEditsAndOtherRevisions() throws {
        let scratch = TestSupport.temporaryDirectory("plan-file")
        let plan = try Self.plan()
        try plan.write(to: scratch + "/plan.json")
        XCTAssertEqual(try PlanFile.load(scratch + "/plan.json"), plan)
        XCTAssertNoThrow(try plan.checkRevision("abc123", path: "plan.json"))
        XCTAssertThrowsError(try plan.checkRevision("def456-dirty", path: "plan.json")) { XCTAssertEqual(($0 as? BenchError)?.kind, .data) }
        // A hand-edited plan could make shards disagree: refused.
        let text = try String(contentsOfFile: scratch + "/plan.json", encoding: .utf8).replacingOccurrences(of: "\"400\"", with: "\"401\"")
        try text.write(toFile: scratch + "/edited.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PlanFile.load(scratch + "/edited.json")) { XCTAssertTrue("\($0)".contains("changed after bpbench plan wrote it")) }
        XCTAssertThrowsError(try PlanFile.load(scratch + "/none.json")) { XCTAssertEqual(($0 as? BenchError)?.kind, .noInput) }
        try "{\"formatVersion\": 1}".write(toFile: scratch + "/torn.json", atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PlanFile.load(scratch + "/torn.json")) { XCTAssertEqual(($0 as? BenchError)?.kind, .data) }
        XCTAssertEqual(PlanFile.currentRevision(projectRoot: "/nowhere", environment: ["BPBENCH_REVISION": "v1.2"]), "v1.2")
    }

    // MARK: Merging synthetic shards

    /// Writes shard folders of `plan` cut in `count` from the synthetic run's records, shard
    /// `index` on `cpu(index)`; returns their paths.
    static func writeShards(_ plan: PlanFile, count: Int, under scratch: String, only: [Int]? = nil, cpu: (Int) -> String = { _ in "same CPU" }) throws -> [String] {
        let source = Synthetic.document()
        var folders: [String] = []
        for index in only ?? Array(1...count) {
            let spec = try ShardSpec(index: index, count: count)
            let keys = Set(ShardSlicer.recordedKeys(of: plan, shard: spec))
            var document = source
            document.records = source.records.filter { keys.contains(PlanFile.Step.key(row: $0.scenario, scale: $0.scale, repeatIndex: $0.repeatIndex)) }
            document.environment.cpu = cpu(index)
            document.environment.hostname = "node-\(index)"
            let folder = scratch + "/shard-\(index)"
            try FileManager.default.createDirectory(atPath: folder + "/logs", withIntermediateDirectories: true)
            try RunWriter.write(RunAnalysis(document), to: folder)
            try ShardStamp(plan: plan, shard: spec, hostname: "node-\(index)").write(plan: plan, into: folder)
            folders.append(folder)
        }
        return folders
    }

    func testOneTestbedMergesIntoOneRunFolderAndTwoTestbedsNeverMix() throws {
        let plan = try Self.plan()
        // The cut: shard 1 pipeline-copy ×4, shard 2 ignored-drain ×4, shard 3 both at ×1.
        XCTAssertEqual(Set(ShardSlicer.steps(of: plan, shard: try ShardSpec(index: 2, count: 3)).map(\.row)), ["ignored-drain"])

        // Same hardware everywhere (host names differ, as in a CI matrix): one testbed.
        let same = TestSupport.temporaryDirectory("merge-same")
        let merge = try ShardMerge(folders: try Self.writeShards(plan, count: 3, under: same))
        XCTAssertEqual(merge.groups.count, 1)
        try merge.write(to: same + "/merged")
        let merged = try RunFolder(existing: same + "/merged").load()
        let expected = Synthetic.document().records.map { PlanFile.Step.key(row: $0.scenario, scale: $0.scale, repeatIndex: $0.repeatIndex) }
        XCTAssertEqual(merged.records.map { PlanFile.Step.key(row: $0.scenario, scale: $0.scale, repeatIndex: $0.repeatIndex) }.sorted(), expected.sorted())
        XCTAssertEqual(RunAnalysis(merged).verdicts["ignored-drain"]?.kind, .grows, "×1 and ×4 from one testbed make a verdict")
        let report = try String(contentsOfFile: same + "/merged/report.md", encoding: .utf8)
        XCTAssertTrue(report.contains("## Testbed 1: same CPU"))
        XCTAssertFalse(report.contains("## Testbed 2"))
        XCTAssertTrue(report.contains("Every shard ran on one testbed"))
        XCTAssertFalse(report.contains("Partial"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: same + "/merged/testbeds"))

        // Shard 2 (ignored-drain ×4) on other hardware: two sections, nothing mixed.
        let two = TestSupport.temporaryDirectory("merge-two")
        let folders = try Self.writeShards(plan, count: 3, under: two) { $0 == 2 ? "other CPU" : "same CPU" }
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
        XCTAssertNotEqual(RunAnalysis(first).verdicts["ignored-drain"]?.kind, .grows, "one scale on this testbed: no growth verdict")
        XCTAssertEqual(split.splitRows(), ["ignored-drain"])
        let splitReport = try String(contentsOfFile: two + "/merged/report.md", encoding: .utf8)
        XCTAssertTrue(splitReport.contains("## Testbed 1: same CPU"))
        XCTAssertTrue(splitReport.contains("## Testbed 2: other CPU"))
        XCTAssertTrue(splitReport.contains("no ratio crosses testbeds"))
        XCTAssertTrue(splitReport.contains("](testbeds/2/"), "the second testbed's charts link into its folder")
    }

    func testAMissingShardIsNamedAndTheMergeSaysItIsPartial() throws {
        let scratch = TestSupport.temporaryDirectory("merge-missing")
        let plan = try Self.plan()
        let folders = try Self.writeShards(plan, count: 3, under: scratch, only: [1, 3])
        let result = try TestSupport.bpbench(["merge"] + folders + ["--out", scratch + "/merged"])
        XCTAssertEqual(result.status, 3, result.error)
        XCTAssertEqual(result.error.split(separator: "\n").count, 1)
        XCTAssertTrue(result.error.contains("shard 2/3 missing"), result.error)
        let report = try String(contentsOfFile: scratch + "/merged/report.md", encoding: .utf8)
        XCTAssertTrue(report.contains("> **Partial**: shard 2/3 is missing — its rows are not in this report: ignored-drain ×4 (5)"), report)
        let summary = try JSONDecoder().decode(ShardMerge.Summary.self, from: Data(contentsOf: URL(fileURLWithPath: scratch + "/merged/merge.json")))
        XCTAssertEqual(summary.missing, [2])
        XCTAssertTrue(summary.partial)
        // Complete, the same command exits 0 and says nothing on stderr.
        let whole = try Self.writeShards(plan, count: 3, under: scratch + "/whole")
        let complete = try TestSupport.bpbench(["merge"] + whole + ["--out", scratch + "/whole/merged"])
        XCTAssertEqual(complete.status, 0, complete.error)
        XCTAssertEqual(complete.error, "")
        // A relative one-letter --out (NSString's path methods trapped on it).
        let relative = try Self.shell("\"$BPBENCH\" merge shard-1 shard-2 shard-3 --out m", in: scratch + "/whole", environment: ["BPBENCH": TestSupport.binDirectory + "/bpbench"])
        XCTAssertEqual(relative.status, 0, relative.error)
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch + "/whole/m/run.json"))
    }

    func testBadShardsAreOneLineTheirOwnCodeAndNothingMerged() throws {
        let scratch = TestSupport.temporaryDirectory("merge-bad")
        let plan = try Self.plan()
        let good = try Self.writeShards(plan, count: 3, under: scratch + "/good")
        let otherPlan = try Self.writeShards(try Self.plan(scales: [1, 2]), count: 3, under: scratch + "/other-plan")
        let otherRevision = try Self.writeShards(try Self.plan(revision: "fff999"), count: 3, under: scratch + "/other-revision")
        let otherCut = try Self.writeShards(plan, count: 2, under: scratch + "/other-cut")
        // Shard 3's records copied into shard 1 as well: overlapping rows.
        let overlapping = try Self.writeShards(plan, count: 3, under: scratch + "/overlap")
        var doubled = try RunFolder(existing: overlapping[0]).load()
        doubled.records += try RunFolder(existing: overlapping[2]).load().records
        try RunWriter.write(RunAnalysis(doubled), to: overlapping[0])
        let corrupt = try Self.writeShards(plan, count: 3, under: scratch + "/corrupt")
        try "{\"formatVersion\": 2, \"records\": [".write(toFile: corrupt[1] + "/run.json", atomically: true, encoding: .utf8)
        let notShard = scratch + "/plain"
        try FileManager.default.createDirectory(atPath: notShard, withIntermediateDirectories: true)
        try RunWriter.write(RunAnalysis(Synthetic.document()), to: notShard)
        let full = scratch + "/full"
        try FileManager.default.createDirectory(atPath: full, withIntermediateDirectories: true)
        try "x".write(toFile: full + "/keep", atomically: true, encoding: .utf8)

        let cases: [(folders: [String], out: String, code: Int32, message: String)] = [
            ([good[0], otherPlan[1]], scratch + "/m1", 65, "merge the shards of one plan"),
            ([good[0], otherRevision[1]], scratch + "/m2", 65, "at abc123; merge shards of one revision"),
            ([good[0], good[0]], scratch + "/m3", 65, "shards overlap: \(good[0]) and \(good[0]) are both shard 1/3"),
            ([good[0], otherCut[1]], scratch + "/m4", 65, "the plan was cut two ways"),
            (overlapping, scratch + "/m5", 65, "shards overlap: pipeline-copy ×1 r1 is in"),
            (corrupt, scratch + "/m6", 65, "run.json is not a valid run file"),
            ([good[0], notShard], scratch + "/m7", 66, "is not a shard folder"),
            ([good[0], scratch + "/nowhere"], scratch + "/m8", 66, "is not a folder"),
            (good, full, 73, "already exists and is not empty"),
            ([], scratch + "/m9", 64, "at least one shard folder"),
        ]
        for bad in cases {
            try Self.assertRefused(["merge"] + bad.folders + ["--out", bad.out], code: bad.code, message: bad.message, unwritten: bad.out == full ? nil : bad.out)
            let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: scratch))?.filter { $0.contains(".merging-") } ?? []
            XCTAssertEqual(leftovers, [], "no staging folder left behind")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: full), ["keep"])
    }

    // MARK: Real shards, as the recipes run them

    /// The plan options the end-to-end tests use instead of the recipes' standard profile: two
    /// base rows, tiny inputs, three scales, two repeats at the end scales.
    static let tinyPlan = "--profile quick --scale 1,2,4 --repeat 2 --scenario bounded-queue --scenario pipeline-copy --param items=200"

    /// The `bpbench …` command lines of a recipe: in the workflow, `run:` lines; in the manifest,
    /// the shell lines under `args:`. Each starts with `$BPBENCH`.
    static func commands(in path: String, prefix: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").compactMap { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix(prefix + "$BPBENCH ") else { return nil }
            return String(trimmed.dropFirst(prefix.count))
        }
    }

    /// Runs `command` with bash in `directory` with `environment` added; exit status and stderr.
    static func shell(_ command: String, in directory: String, environment: [String: String]) throws -> (status: Int32, error: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = ["-c", command]
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The merged run's rows are exactly the plan's recorded steps: same keys, same parameters.
    func assertMergedEqualsPlan(merged: String, plan: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let planFile = try PlanFile.load(plan)
        let document = try RunFolder(existing: merged).load()
        let planned = Set(planFile.steps.filter { !$0.isWarmup }.map { step in
            step.key + " " + step.parameters.map { "\($0[0])=\($0[1])" }.sorted().joined(separator: " ")
        })
        let ran = Set(document.records.map { record in
            PlanFile.Step.key(row: record.scenario, scale: record.scale, repeatIndex: record.repeatIndex) + " "
                + record.parameters.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
        })
        XCTAssertEqual(ran, planned, file: file, line: line)
        XCTAssertEqual(document.records.count, planned.count, "no row twice", file: file, line: line)
        XCTAssertEqual(planned.count, 2 * (2 + 2 + 2), "two rows × three scales × two repeats", file: file, line: line)
        XCTAssertTrue(document.records.allSatisfy { $0.status == .ok }, file: file, line: line)
        let report = try String(contentsOfFile: merged + "/report.md", encoding: .utf8)
        XCTAssertTrue(report.contains("## Testbed 1:"), file: file, line: line)
        XCTAssertFalse(report.contains("## Testbed 2"), "one machine, one testbed", file: file, line: line)
        XCTAssertTrue(report.contains("3 of 3 shards merged"), file: file, line: line)
    }

    func testTheWorkflowsCommandsShardThreeWaysAndMergeToThePlansRows() throws {
        let workflow = TestSupport.projectRoot + "/deploy/github-actions/bench-sharded.yml"
        let commands = try Self.commands(in: workflow, prefix: "run: ")
        let plan = try XCTUnwrap(commands.first { $0.hasPrefix("$BPBENCH plan ") })
        let shard = try XCTUnwrap(commands.first { $0.hasPrefix("$BPBENCH run --plan ") })
        let merge = try XCTUnwrap(commands.first { $0.hasPrefix("$BPBENCH merge ") })
        let bpbench = TestSupport.binDirectory + "/bpbench"
        guard FileManager.default.isExecutableFile(atPath: bpbench) else { throw XCTSkip("bpbench is not built") }
        let scratch = TestSupport.temporaryDirectory("workflow")
        let environment = ["BPBENCH": bpbench, "PLAN_ARGS": Self.tinyPlan, "SHARDS": "3", "BPBENCH_REVISION": "fixed-test-revision"]
        let planned = try Self.shell(plan, in: scratch, environment: environment)
        XCTAssertEqual(planned.status, 0, planned.error)
        // Three separate processes, as three matrix jobs would be.
        for index in 1...3 {
            let ran = try Self.shell(shard, in: scratch, environment: environment.merging(["SHARD": "\(index)"]) { $1 })
            XCTAssertEqual(ran.status, 0, ran.error)
            let stamp = try ShardStamp.load(scratch + "/shard-\(index)")
            XCTAssertEqual(stamp.shard, index)
        }
        // A row's repeats at one scale ran on one shard.
        var owner: [String: Int] = [:]
        for index in 1...3 {
            for record in try RunFolder(existing: scratch + "/shard-\(index)").load().records {
                let unit = "\(record.scenario) ×\(record.scale)"
                XCTAssertEqual(owner[unit] ?? index, index, "\(unit) split across shards")
                owner[unit] = index
            }
        }
        let merged = try Self.shell(merge, in: scratch, environment: environment)
        XCTAssertEqual(merged.status, 0, merged.error)
        try assertMergedEqualsPlan(merged: scratch + "/merged", plan: scratch + "/plan.json")
    }

    func testTheIndexedJobsCommandsShardByJobCompletionIndexAndMerge() throws {
        let manifest = TestSupport.projectRoot + "/deploy/kubernetes/bench-indexed-job.yaml"
        let commands = try Self.commands(in: manifest, prefix: "- ")
        let plan = try XCTUnwrap(commands.first { $0.hasPrefix("$BPBENCH plan ") })
        let shard = try XCTUnwrap(commands.first { $0.hasPrefix("$BPBENCH run --plan ") })
        let merge = try XCTUnwrap(commands.first { $0.hasPrefix("$BPBENCH merge ") })
        let bpbench = TestSupport.binDirectory + "/bpbench"
        guard FileManager.default.isExecutableFile(atPath: bpbench) else { throw XCTSkip("bpbench is not built") }
        let scratch = TestSupport.temporaryDirectory("indexed-job")
        let environment = ["BPBENCH": bpbench, "PLAN_ARGS": Self.tinyPlan, "SHARDS": "3", "RESULTS": scratch, "BPBENCH_REVISION": "fixed-test-revision"]
        XCTAssertEqual(try Self.shell(plan, in: scratch, environment: environment).status, 0)
        for index in 0..<3 {
            let ran = try Self.shell(shard, in: scratch, environment: environment.merging(["JOB_COMPLETION_INDEX": "\(index)"]) { $1 })
            XCTAssertEqual(ran.status, 0, ran.error)
            XCTAssertEqual(try ShardStamp.load(scratch + "/shard-\(index)").shard, index + 1, "pod index \(index) is shard \(index + 1)")
        }
        let merged = try Self.shell(merge, in: scratch, environment: environment)
        XCTAssertEqual(merged.status, 0, merged.error)
        try assertMergedEqualsPlan(merged: scratch + "/merged", plan: scratch + "/plan.json")
    }

    func testTheKubernetesManifestIsAValidJobAndABrokenOneIsNot() throws {
        let folder = TestSupport.projectRoot + "/deploy/kubernetes"
        guard (try? Self.shell("python3 -c 'import yaml'", in: folder, environment: [:]).status) == 0 else { throw XCTSkip("python3 with PyYAML is not installed") }
        let valid = try Self.shell("python3 validate.py bench-indexed-job.yaml", in: folder, environment: [:])
        XCTAssertEqual(valid.status, 0, valid.error)
        let scratch = TestSupport.temporaryDirectory("manifest")
        let text = try String(contentsOfFile: folder + "/bench-indexed-job.yaml", encoding: .utf8)
        let breakages = [
            ("completionMode: Indexed", "completionMode: NonIndexed"),
            ("restartPolicy: Never", "restartPolicy: Always"),
            ("parallelism: 3", "paralelism: 3"),
            ("apiVersion: batch/v1", "apiVersion: batch/v2"),
        ]
        for (from, to) in breakages {
            XCTAssertTrue(text.contains(from), from)
            try text.replacingOccurrences(of: from, with: to).write(toFile: scratch + "/broken.yaml", atomically: true, encoding: .utf8)
            let broken = try Self.shell("python3 \(folder)/validate.py \(scratch)/broken.yaml", in: scratch, environment: [:])
            XCTAssertNotEqual(broken.status, 0, "\(to) passed validation")
        }
    }

    /// The "done when", without 11 minutes of children: the real standard plan
    /// (`plan --profile standard --scale 1,2,4`), cut three ways as `run --plan … --shard i/3`
    /// cuts it — each slice resolved against this checkout's scenarios — and the three shard
    /// folders (a record per step the slice holds) merged: the merged rows are exactly the plan's,
    /// same keys and parameters, in one testbed section. What a child measures is the run's
    /// business and tested there; the real three-process path is tested above with a small plan.
    func testTheStandardPlanCutThreeWaysMergesToExactlyItsRows() throws {
        let scratch = TestSupport.temporaryDirectory("standard-plan")
        let made = try TestSupport.bpbench(["plan", "--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory,
                                            "--profile", "standard", "--scale", "1,2,4", "--out", scratch + "/p.json"])
        XCTAssertEqual(made.status, 0, made.error)
        let plan = try PlanFile.load(scratch + "/p.json")
        XCTAssertEqual(plan.profile, .standard)
        XCTAssertEqual(plan.scales, [1, 2, 4])
        let entries = try TestSupport.catalog.select(plan.scenarioNames, includeFixtures: true).entries
        var folders: [String] = []
        for index in 1...3 {
            let spec = try ShardSpec(index: index, count: 3)
            let steps = ShardSlicer.steps(of: plan, shard: spec)
            XCTAssertFalse(steps.isEmpty, "shard \(spec) has work")
            // What run --plan would execute: every step resolves against this checkout.
            XCTAssertEqual(try plan.runPlan(steps, entries: entries).steps.count, steps.count)
            var document = Synthetic.document()
            document.profile = plan.profile.rawValue
            document.scales = plan.scales
            document.records = steps.filter { !$0.isWarmup }.map { step in
                var record = Synthetic.record(step.row, scale: step.scale, repeatIndex: step.repeatIndex, peakRss: 30 << 20, allocated: 3 << 20,
                                              bytes: 24 << 20, throughput: Double(16 << 20))
                record.parameters = Dictionary(step.parameters.map { ($0[0], $0[1]) }, uniquingKeysWith: { $1 })
                return record
            }
            let folder = scratch + "/shard-\(index)"
            try FileManager.default.createDirectory(atPath: folder + "/logs", withIntermediateDirectories: true)
            try RunWriter.write(RunAnalysis(document), to: folder)
            try ShardStamp(plan: plan, shard: spec, hostname: "node-\(index)").write(plan: plan, into: folder)
            folders.append(folder)
        }
        let merged = try TestSupport.bpbench(["merge"] + folders + ["--out", scratch + "/merged"])
        XCTAssertEqual(merged.status, 0, merged.error)
        let document = try RunFolder(existing: scratch + "/merged").load()
        func key(_ row: String, _ scale: Double, _ repeatIndex: Int, _ parameters: [String]) -> String {
            PlanFile.Step.key(row: row, scale: scale, repeatIndex: repeatIndex) + " " + parameters.sorted().joined(separator: " ")
        }
        let planned = plan.steps.filter { !$0.isWarmup }.map { key($0.row, $0.scale, $0.repeatIndex, $0.parameters.map { "\($0[0])=\($0[1])" }) }
        let ran = document.records.map { key($0.scenario, $0.scale, $0.repeatIndex, $0.parameters.map { "\($0.key)=\($0.value)" }) }
        XCTAssertEqual(ran.sorted(), planned.sorted(), "exactly the plan's rows, each once, with its parameters")
        XCTAssertGreaterThan(Set(plan.steps.map(\.row)).count, 20, "the whole standard plan, not a subset")
        let report = try String(contentsOfFile: scratch + "/merged/report.md", encoding: .utf8)
        XCTAssertTrue(report.contains("3 of 3 shards merged"))
        XCTAssertTrue(report.contains("## Testbed 1:"))
        XCTAssertFalse(report.contains("## Testbed 2"), "one machine, one testbed")
    }

    // MARK: run --plan refusals

    /// Runs bpbench with `arguments` and expects a refusal: exit `code`, one line on stderr
    /// holding `message`, and nothing at `unwritten`.
    static func assertRefused(_ arguments: [String], code: Int32, message: String, unwritten: String?, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try TestSupport.bpbench(arguments)
        XCTAssertEqual(result.status, code, "\(arguments.suffix(4)): \(result.error)", file: file, line: line)
        XCTAssertEqual(result.error.split(separator: "\n").count, 1, result.error, file: file, line: line)
        XCTAssertTrue(result.error.contains(message), "expected '\(message)' in: \(result.error)", file: file, line: line)
        if let unwritten { XCTAssertFalse(FileManager.default.fileExists(atPath: unwritten), "\(unwritten) written by a refused command", file: file, line: line) }
    }

    /// Runs `body` with `BPBENCH_REVISION` set for every bpbench it starts, so a commit another
    /// engineer (or CI) makes between the plan and its shards does not make the plan stale.
    static func atFixedRevision<T>(_ body: () throws -> T) rethrows -> T {
        let previous = ProcessInfo.processInfo.environment["BPBENCH_REVISION"]
        setenv("BPBENCH_REVISION", "fixed-test-revision", 1)
        defer { if let previous { setenv("BPBENCH_REVISION", previous, 1) } else { unsetenv("BPBENCH_REVISION") } }
        return try body()
    }

    func testRunRefusesABadShardAPlanOfAnotherRevisionAndPlanShapingOptions() throws {
        try Self.atFixedRevision(refusals)
    }

    func refusals() throws {
        let scratch = TestSupport.temporaryDirectory("run-plan-bad")
        let project = ["--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory]
        let make = try TestSupport.bpbench(["plan"] + project + ["--profile", "quick", "--repeat", "1", "--scenario", "pipeline-copy", "--param", "items=200", "--out", scratch + "/p.json"])
        XCTAssertEqual(make.status, 0, make.error)
        // The same plan made as if at another revision (an image without .git says BPBENCH_REVISION).
        let other = Process()
        other.executableURL = URL(fileURLWithPath: TestSupport.binDirectory + "/bpbench")
        other.arguments = ["plan"] + project + ["--profile", "quick", "--repeat", "1", "--scenario", "pipeline-copy", "--out", scratch + "/old.json"]
        other.environment = ProcessInfo.processInfo.environment.merging(["BPBENCH_REVISION": "0123456789ab"]) { $1 }
        other.standardOutput = FileHandle.nullDevice
        try other.run()
        other.waitUntilExit()
        XCTAssertEqual(other.terminationStatus, 0)
        try "{ not a plan".write(toFile: scratch + "/torn.json", atomically: true, encoding: .utf8)
        let run = ["run"] + project + ["--quiet"]
        let cases: [(arguments: [String], code: Int32, message: String)] = [
            (["--plan", scratch + "/p.json", "--shard", "4/3"], 64, "shard 4/3 is out of range"),
            (["--plan", scratch + "/p.json", "--shard", "0/3"], 64, "out of range"),
            (["--plan", scratch + "/p.json", "--shards", "3"], 64, "--shards N needs the shard's index"),
            (["--plan", scratch + "/p.json", "--shards", "3", "--shard-from-env", "BPBENCH_NO_SUCH_VAR"], 64, "BPBENCH_NO_SUCH_VAR is not set"),
            (["--plan", scratch + "/p.json", "--shard", "1/3", "--scale", "1,4"], 64, "--scale belongs on bpbench plan"),
            (["--shard", "1/3", "--scenario", "pipeline-copy"], 64, "make one with bpbench plan"),
            (["--plan", scratch + "/old.json", "--shard", "1/3"], 65, "was made at revision 0123456789ab"),
            (["--plan", scratch + "/torn.json", "--shard", "1/3"], 65, "is not a valid plan file"),
            (["--plan", scratch + "/none.json", "--shard", "1/3"], 66, "does not exist"),
        ]
        for (index, bad) in cases.enumerated() {
            let out = scratch + "/out-\(index)"
            try Self.assertRefused(run + bad.arguments + ["--out", out], code: bad.code, message: bad.message, unwritten: out)
        }
        XCTAssertEqual(try TestSupport.bpbench(["plan"] + project + ["--scenario", "pipeline-copy"]).status, 64, "plan without --out")
    }
}
