import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchModel
@testable import BenchReport

/// `bpbench compare` as a command, on two real runs (the second with a row the first lacks), and
/// its bad inputs: one line, its own exit code, nothing written. The comparison itself is tested
/// on synthetic runs in CompareTests.
final class CompareCommandTests: ChildProcessTestCase {
    /// The command on two real runs, the second with a row the first lacks; and its bad inputs.
    func testCompareCommandOnRealRuns() throws {
        let scratch = TestSupport.temporaryDirectory("compare")
        let project = ["--root", TestSupport.projectRoot, "--bin-dir", TestSupport.binDirectory]
        let run =
            ["run"] + project + ["--profile", "quick", "--scale", "1", "--repeat", "3", "--warmup", "0", "--quiet"]
        let a = scratch + "/a"
        let b = scratch + "/b"
        let first = try TestSupport.bpbench(run + ["--scenario", "pipeline-copy", "--out", a])
        XCTAssertTrue([0, 3].contains(first.status), first.error)
        let second = try TestSupport.bpbench(
            run + ["--scenario", "pipeline-copy", "--scenario", "bounded-queue", "--out", b])
        XCTAssertTrue([0, 3].contains(second.status), second.error)

        let compared = try TestSupport.bpbench(["compare"] + project + [a, b])
        XCTAssertEqual(compared.status, 0, compared.error)
        XCTAssertTrue(compared.output.contains("1 row(s) in common"), compared.output)
        XCTAssertTrue(compared.output.contains("only in A: 0, only in B: 1"), compared.output)
        let markdown = try String(contentsOfFile: b + "/compare-vs-a/compare.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("| `pipeline-copy` | ×1 | peak RSS |"), markdown)
        XCTAssertTrue(markdown.contains("| `pipeline-copy` | ×1 | throughput |"), markdown)
        XCTAssertTrue(markdown.contains("## Only in B (1)\n\n- `bounded-queue` ×1: 3 repeat(s)"), markdown)
        let html = try String(contentsOfFile: b + "/compare-vs-a/compare.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<table id=\"compare\" class=\"sortable\">"))

        // --out elsewhere; and the reverse direction lists the row on A's side.
        let reverse = try TestSupport.bpbench(["compare"] + project + [b, a, "--out", scratch + "/reverse"])
        XCTAssertEqual(reverse.status, 0, reverse.error)
        XCTAssertTrue(
            try String(contentsOfFile: scratch + "/reverse/compare.md", encoding: .utf8).contains("## Only in A (1)"))

        // Bad inputs: one line, its own exit code, nothing written.
        let corrupt = scratch + "/corrupt"
        try FileManager.default.createDirectory(atPath: corrupt, withIntermediateDirectories: true)
        try "{\"formatVersion\": 2, \"records\": [".write(
            toFile: corrupt + "/run.json", atomically: true, encoding: .utf8)
        var elsewhere = try RunFolder(existing: a).load()
        elsewhere.environment.hostname = "another-machine"
        let foreign = scratch + "/foreign"
        try FileManager.default.createDirectory(atPath: foreign, withIntermediateDirectories: true)
        try RunWriter.write(RunAnalysis(elsewhere), to: foreign)
        var disjoint = try RunFolder(existing: b).load()
        disjoint.records.removeAll { $0.scenario == "pipeline-copy" }
        let onlyBounded = scratch + "/only-bounded"
        try FileManager.default.createDirectory(atPath: onlyBounded, withIntermediateDirectories: true)
        try RunWriter.write(RunAnalysis(disjoint), to: onlyBounded)
        let cases: [(arguments: [String], code: Int32, message: String)] = [
            ([scratch + "/nowhere", b], 66, "is not a folder"),
            ([a, scratch + "/nowhere"], 66, "is not a folder"),
            ([corrupt, b], 65, "is not a valid run file: not JSON: it ends early (truncated?)"),
            ([foreign, b], 65, "different machines (host another-machine → "),
            ([a, onlyBounded], 65, "no row × scale in common"),
            ([a, b, "--out", "/proc/bpbench-cannot-write-here"], 73, "cannot create"),
        ]
        for testCase in cases {
            let outcome = try TestSupport.bpbench(["compare"] + project + testCase.arguments)
            XCTAssertEqual(outcome.status, testCase.code, "\(testCase.arguments): \(outcome.error)")
            XCTAssertEqual(outcome.error.split(separator: "\n").count, 1, "one line: \(outcome.error)")
            XCTAssertTrue(
                outcome.error.contains(testCase.message), "expected '\(testCase.message)' in: \(outcome.error)")
        }
        // A refused comparison writes nothing: B keeps only the one that succeeded.
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: b).filter { $0.hasPrefix("compare-vs-") },
            ["compare-vs-a"])
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: onlyBounded).filter { $0.hasPrefix("compare-vs-") }, [])
        // Forced, the machines' difference is said first and the exit code is 0.
        let forced = try TestSupport.bpbench(["compare"] + project + [foreign, b, "--force"])
        XCTAssertEqual(forced.status, 0, forced.error)
        XCTAssertTrue(forced.output.hasPrefix("warning: different machines"), forced.output)
        XCTAssertTrue(
            try String(contentsOfFile: b + "/compare-vs-foreign/compare.md", encoding: .utf8).contains(
                "> **Different machines, compared because of --force**"))
    }
}
