import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport

/// A sharded check's what grew reaches the merge (issue 25): the shard that found a memory
/// regression profiled it, and `bpbench merge` must carry the stacks that grew into the merged
/// check.md and check.json, with the flame graph and profiles they link copied beside them.
final class CheckMergeWhatGrewTests: ProcessFreeTestCase {
    /// A check's plan over the synthetic run's two rows (one a shard when cut in two).
    static func plan() throws -> PlanFile {
        try SyntheticShards.plan(
            check: PlanFile.Check(
                baseline: "Reports/baseline.json", baselineDigest: "0123456789abcdef",
                rows: ["pipeline-copy", "ignored-drain"], injected: nil))
    }

    /// What shard 2's check wrote for its regressed row: a diff naming the function that grew.
    static func profiled() -> WhatGrew {
        var whatGrew = WhatGrew(
            row: "ignored-drain", scale: 1, metrics: ["peak_allocated_bytes"], outcome: .diffed, sampleLg: 16,
            grew: [
                .init(
                    frames: ["IgnoredDrain.run", "Backlog.append"], bytes: 2 * 1_048_576, headBytes: 2 * 1_048_576,
                    baseBytes: 0)
            ], seconds: 9.5)
        whatGrew.flameGraph = "what-grew-ignored-drain-x1.svg"
        whatGrew.headProfile = "what-grew/head/ignored-drain-x1.heap"
        whatGrew.baseProfile = "what-grew/base/ignored-drain-x1.heap"
        whatGrew.cpus = ChildCPUs([0, 1])
        return whatGrew
    }

    func testTheShardsWhatGrewReachesTheMergedCheckWithTheFilesItLinks() throws {
        let plan = try Self.plan()
        let scratch = TestSupport.temporaryDirectory("merge-what-grew")
        let folders = try SyntheticShards.writeShards(plan, count: 2, under: scratch)
        try SyntheticShards.judge(folders, plan: plan, regressed: ["ignored-drain"]) { shard, report in
            if shard == 2 { report.whatGrew = [Self.profiled()] }
        }
        // The flame graph and the head's profile are in shard 2's folder; its base profile was
        // left out (an artifact upload that kept only some files): that link is dropped.
        try FileManager.default.createDirectory(
            atPath: folders[1] + "/what-grew/head", withIntermediateDirectories: true)
        try "<svg>Backlog.append</svg>".write(
            toFile: folders[1] + "/what-grew-ignored-drain-x1.svg", atomically: true, encoding: .utf8)
        try "heap_v2/65536\n".write(
            toFile: folders[1] + "/what-grew/head/ignored-drain-x1.heap", atomically: true, encoding: .utf8)

        let check = try CheckMerge(try ShardMerge(folders: folders))
        var expected = Self.profiled()
        expected.baseProfile = nil
        XCTAssertEqual(check.result.whatGrew, [expected])
        XCTAssertEqual(
            check.attachments,
            [
                "what-grew-ignored-drain-x1.svg": folders[1] + "/what-grew-ignored-drain-x1.svg",
                "what-grew/head/ignored-drain-x1.heap": folders[1] + "/what-grew/head/ignored-drain-x1.heap",
            ])
        let lines = check.markdown(title: "t").split(separator: "\n").map(String.init)
        let finding = try XCTUnwrap(
            lines.firstIndex { $0.hasPrefix("- ignored-drain ×1 peak_allocated_bytes") && $0.hasSuffix("— shard 2/2") },
            "\(lines)")
        XCTAssertTrue(lines[finding + 1].hasPrefix("  - what grew (head − base"), "under its finding: \(lines)")
        XCTAssertTrue(lines[finding + 1].contains("on CPU 0-1"), lines[finding + 1])
        XCTAssertTrue(
            lines[finding + 1].contains("[flame graph of the growth](what-grew-ignored-drain-x1.svg)"),
            lines[finding + 1])
        XCTAssertEqual(
            lines[finding + 2], "    - ignored-drain ×1: +2.0 MiB in IgnoredDrain.run → Backlog.append (0 B → 2.0 MiB)")

        // Written as merge writes it: check.json holds it, the linked files are beside check.md.
        let out = scratch + "/merged"
        let merge = try ShardMerge(folders: folders)
        try merge.write(to: out, files: try check.files(title: "t"))
        XCTAssertEqual(try CheckRecord.load(from: out)?.whatGrew, [expected])
        XCTAssertEqual(
            try String(contentsOfFile: out + "/what-grew-ignored-drain-x1.svg", encoding: .utf8),
            "<svg>Backlog.append</svg>")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/what-grew/head/ignored-drain-x1.heap"))
        XCTAssertTrue(try String(contentsOfFile: out + "/check.md", encoding: .utf8).contains("Backlog.append"))
    }

    /// The other way: shards that profiled nothing merge without a what-grew section or field.
    func testShardsWithoutWhatGrewMergeWithout() throws {
        let plan = try Self.plan()
        let folders = try SyntheticShards.writeShards(
            plan, count: 2, under: TestSupport.temporaryDirectory("merge-no-what-grew"))
        try SyntheticShards.judge(folders, plan: plan, regressed: ["ignored-drain"])
        let check = try CheckMerge(try ShardMerge(folders: folders))
        XCTAssertNil(check.result.whatGrew)
        XCTAssertTrue(check.attachments.isEmpty)
        XCTAssertFalse(check.markdown(title: "t").contains("what grew"))
        XCTAssertEqual(Set(try check.files(title: "t").keys), ["check.md", CheckRecord.fileName])
    }
}
