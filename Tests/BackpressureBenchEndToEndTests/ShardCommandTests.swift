import BenchProtocol
import BenchSystem
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchModel
@testable import BenchReport

/// Shards and merges through the real commands (issue 27): `bpbench merge` of synthetic shard
/// folders, the recipes' own command lines run as separate processes (GitHub Actions workflow,
/// Kubernetes Indexed Job), the standard plan cut three ways, and `run --plan` refusals — one
/// line and its own exit code, nothing written. The cut itself is tested in ShardTests.
final class ShardCommandTests: ChildProcessTestCase {
    func testAMissingShardIsNamedAndTheMergeSaysItIsPartial() throws {
        let scratch = TestSupport.temporaryDirectory("merge-missing")
        let plan = try SyntheticShards.plan()
        let folders = try SyntheticShards.writeShards(plan, count: 3, under: scratch, only: [1, 3])
        let result = try TestSupport.bpbench(["merge"] + folders + ["--out", scratch + "/merged"])
        XCTAssertEqual(result.status, 3, result.error)
        XCTAssertEqual(result.error.split(separator: "\n").count, 1)
        XCTAssertTrue(result.error.contains("shard 2/3 missing"), result.error)
        let report = try String(contentsOfFile: scratch + "/merged/report.md", encoding: .utf8)
        XCTAssertTrue(
            report.contains(
                "> **Partial**: shard 2/3 is missing — its rows are not in this report: ignored-drain ×4 (5)"), report)
        let summary = try JSONDecoder().decode(
            ShardMerge.Summary.self, from: Data(contentsOf: URL(fileURLWithPath: scratch + "/merged/merge.json")))
        XCTAssertEqual(summary.missing, [2])
        XCTAssertTrue(summary.partial)
        // Complete, the same command exits 0 and says nothing on stderr.
        let whole = try SyntheticShards.writeShards(plan, count: 3, under: scratch + "/whole")
        let complete = try TestSupport.bpbench(["merge"] + whole + ["--out", scratch + "/whole/merged"])
        XCTAssertEqual(complete.status, 0, complete.error)
        XCTAssertEqual(complete.error, "")
        // A relative one-letter --out (NSString's path methods trapped on it).
        let relative = try Self.shell(
            "\"$BPBENCH\" merge shard-1 shard-2 shard-3 --out m", in: scratch + "/whole",
            environment: ["BPBENCH": TestSupport.binDirectory + "/bpbench"])
        XCTAssertEqual(relative.status, 0, relative.error)
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch + "/whole/m/run.json"))
    }

    func testBadShardsAreOneLineTheirOwnCodeAndNothingMerged() throws {
        let scratch = TestSupport.temporaryDirectory("merge-bad")
        let plan = try SyntheticShards.plan()
        let good = try SyntheticShards.writeShards(plan, count: 3, under: scratch + "/good")
        let otherPlan = try SyntheticShards.writeShards(
            try SyntheticShards.plan(scales: [1, 2]), count: 3, under: scratch + "/other-plan")
        let otherRevision = try SyntheticShards.writeShards(
            try SyntheticShards.plan(revision: "fff999"), count: 3, under: scratch + "/other-revision")
        let otherCut = try SyntheticShards.writeShards(plan, count: 2, under: scratch + "/other-cut")
        // Shard 3's records copied into shard 1 as well: overlapping rows.
        let overlapping = try SyntheticShards.writeShards(plan, count: 3, under: scratch + "/overlap")
        var doubled = try RunFolder(existing: overlapping[0]).load()
        doubled.records += try RunFolder(existing: overlapping[2]).load().records
        try RunWriter.write(RunAnalysis(doubled), to: overlapping[0])
        let corrupt = try SyntheticShards.writeShards(plan, count: 3, under: scratch + "/corrupt")
        try "{\"formatVersion\": 2, \"records\": [".write(
            toFile: corrupt[1] + "/run.json", atomically: true, encoding: .utf8)
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
            (corrupt, scratch + "/m6", 65, "run.json is not a valid run file: not JSON: it ends early (truncated?)"),
            ([good[0], notShard], scratch + "/m7", 66, "is not a shard folder"),
            ([good[0], scratch + "/nowhere"], scratch + "/m8", 66, "is not a folder"),
            (good, full, 73, "already exists and is not empty"),
            ([], scratch + "/m9", 64, "at least one shard folder"),
        ]
        for bad in cases {
            try Self.assertRefused(
                ["merge"] + bad.folders + ["--out", bad.out], code: bad.code, message: bad.message,
                unwritten: bad.out == full ? nil : bad.out)
            let leftovers =
                (try? FileManager.default.contentsOfDirectory(atPath: scratch))?.filter { $0.contains(".merging-") }
                ?? []
            XCTAssertEqual(leftovers, [], "no staging folder left behind")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: full), ["keep"])
    }

    // MARK: Real shards, as the recipes run them

    /// The plan options the end-to-end tests use instead of the recipes' standard profile: two
    /// base rows, tiny inputs, three scales, two repeats at the end scales.
    static let tinyPlan =
        "--profile quick --scale 1,2,4 --repeat 2 --scenario bounded-queue --scenario pipeline-copy --param items=200"

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
    static func shell(
        _ command: String, in directory: String, environment: [String: String]
    ) throws -> (status: Int32, error: String) {
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
        process.waitUntilExitPromptly()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// The merged run's rows are exactly the plan's recorded steps: same keys, same parameters.
    func assertMergedEqualsPlan(merged: String, plan: String, file: StaticString = #filePath, line: UInt = #line) throws
    {
        let planFile = try PlanFile.load(plan)
        let document = try RunFolder(existing: merged).load()
        let planned = Set(
            planFile.steps.filter { !$0.isWarmup }.map { step in
                step.key + " " + step.parameters.map { "\($0[0])=\($0[1])" }.sorted().joined(separator: " ")
            })
        let ran = Set(
            document.records.map { record in
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
        let environment = [
            "BPBENCH": bpbench, "PLAN_ARGS": Self.tinyPlan, "SHARDS": "3", "BPBENCH_REVISION": "fixed-test-revision",
        ]
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
        let environment = [
            "BPBENCH": bpbench, "PLAN_ARGS": Self.tinyPlan, "SHARDS": "3", "RESULTS": scratch,
            "BPBENCH_REVISION": "fixed-test-revision",
        ]
        XCTAssertEqual(try Self.shell(plan, in: scratch, environment: environment).status, 0)
        for index in 0..<3 {
            let ran = try Self.shell(
                shard, in: scratch, environment: environment.merging(["JOB_COMPLETION_INDEX": "\(index)"]) { $1 })
            XCTAssertEqual(ran.status, 0, ran.error)
            XCTAssertEqual(
                try ShardStamp.load(scratch + "/shard-\(index)").shard, index + 1,
                "pod index \(index) is shard \(index + 1)")
        }
        let merged = try Self.shell(merge, in: scratch, environment: environment)
        XCTAssertEqual(merged.status, 0, merged.error)
        try assertMergedEqualsPlan(merged: scratch + "/merged", plan: scratch + "/plan.json")
    }

    func testTheKubernetesManifestIsAValidJobAndABrokenOneIsNot() throws {
        let folder = TestSupport.projectRoot + "/deploy/kubernetes"
        guard (try? Self.shell("python3 -c 'import yaml'", in: folder, environment: [:]).status) == 0 else {
            throw XCTSkip("python3 with PyYAML is not installed")
        }
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
            try text.replacingOccurrences(of: from, with: to).write(
                toFile: scratch + "/broken.yaml", atomically: true, encoding: .utf8)
            let broken = try Self.shell(
                "python3 \(folder)/validate.py \(scratch)/broken.yaml", in: scratch, environment: [:])
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
        let made = try TestSupport.bpbench([
            "plan", "--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory,
            "--profile", "standard", "--scale", "1,2,4", "--out", scratch + "/p.json",
        ])
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
                var record = Synthetic.record(
                    step.row, scale: step.scale, repeatIndex: step.repeatIndex, peakRss: 30 << 20, allocated: 3 << 20,
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
        func key(_ row: RowID, _ scale: Double, _ repeatIndex: Int, _ parameters: [String]) -> String {
            PlanFile.Step.key(row: row, scale: scale, repeatIndex: repeatIndex) + " "
                + parameters.sorted().joined(separator: " ")
        }
        let planned = plan.steps.filter { !$0.isWarmup }.map {
            key($0.row, $0.scale, $0.repeatIndex, $0.parameters.map { "\($0[0])=\($0[1])" })
        }
        let ran = document.records.map {
            key($0.scenario, $0.scale, $0.repeatIndex, $0.parameters.map { "\($0.key)=\($0.value)" })
        }
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
    static func assertRefused(
        _ arguments: [String], code: Int32, message: String, unwritten: String?, file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let result = try TestSupport.bpbench(arguments)
        XCTAssertEqual(result.status, code, "\(arguments.suffix(4)): \(result.error)", file: file, line: line)
        XCTAssertEqual(result.error.split(separator: "\n").count, 1, result.error, file: file, line: line)
        XCTAssertTrue(
            result.error.contains(message), "expected '\(message)' in: \(result.error)", file: file, line: line)
        if let unwritten {
            XCTAssertFalse(
                FileManager.default.fileExists(atPath: unwritten), "\(unwritten) written by a refused command",
                file: file, line: line)
        }
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
        let make = try TestSupport.bpbench(
            ["plan"] + project + [
                "--profile", "quick", "--repeat", "1", "--scenario", "pipeline-copy", "--param", "items=200", "--out",
                scratch + "/p.json",
            ])
        XCTAssertEqual(make.status, 0, make.error)
        // The same plan made as if at another revision (an image without .git says BPBENCH_REVISION).
        let other = Process()
        other.executableURL = URL(fileURLWithPath: TestSupport.binDirectory + "/bpbench")
        other.arguments =
            ["plan"] + project + [
                "--profile", "quick", "--repeat", "1", "--scenario", "pipeline-copy", "--out", scratch + "/old.json",
            ]
        other.environment = ProcessInfo.processInfo.environment.merging(["BPBENCH_REVISION": "0123456789ab"]) { $1 }
        other.standardOutput = FileHandle.nullDevice
        try other.run()
        other.waitUntilExitPromptly()
        XCTAssertEqual(other.terminationStatus, 0)
        try "{ not a plan".write(toFile: scratch + "/torn.json", atomically: true, encoding: .utf8)
        let run = ["run"] + project + ["--quiet"]
        let cases: [(arguments: [String], code: Int32, message: String)] = [
            (["--plan", scratch + "/p.json", "--shard", "4/3"], 64, "shard 4/3 is out of range"),
            (["--plan", scratch + "/p.json", "--shard", "0/3"], 64, "out of range"),
            (["--plan", scratch + "/p.json", "--shards", "3"], 64, "--shards N needs the shard's index"),
            (
                ["--plan", scratch + "/p.json", "--shards", "3", "--shard-from-env", "BPBENCH_NO_SUCH_VAR"], 64,
                "BPBENCH_NO_SUCH_VAR is not set"
            ),
            (
                ["--plan", scratch + "/p.json", "--shard", "1/3", "--scale", "1,4"], 64,
                "--scale belongs on bpbench plan"
            ),
            (["--shard", "1/3", "--scenario", "pipeline-copy"], 64, "make one with bpbench plan"),
            (["--plan", scratch + "/old.json", "--shard", "1/3"], 65, "was made at revision 0123456789ab"),
            (
                ["--plan", scratch + "/torn.json", "--shard", "1/3"], 65,
                "is not a valid plan file (bpbench plan writes them): not JSON: invalid value at line 1, column 3"
            ),
            (["--plan", scratch + "/none.json", "--shard", "1/3"], 66, "does not exist"),
        ]
        for (index, bad) in cases.enumerated() {
            let out = scratch + "/out-\(index)"
            try Self.assertRefused(
                run + bad.arguments + ["--out", out], code: bad.code, message: bad.message, unwritten: out)
        }
        XCTAssertEqual(
            try TestSupport.bpbench(["plan"] + project + ["--scenario", "pipeline-copy"]).status, 64,
            "plan without --out")
    }
}
