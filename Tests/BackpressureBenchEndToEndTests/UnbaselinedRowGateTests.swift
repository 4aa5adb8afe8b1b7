import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport

/// Issue 25's done-when, on real children: a scenario the base revision has but the baseline
/// does not (a test-only baseline with its row removed) gets a 1/32-per-item leak — the retain
/// fixture keeping 512 B of every 16 KiB item, the base side the same binary keeping none (the
/// parameter stands for the code change). Both sides run interleaved under the gate's adaptive
/// rule, as `check --against` runs them; `bpbench check --run` on the folder then fails with exit
/// 1, naming the row, and the same folders judged the other way round (the leak removed) pass.
final class UnbaselinedRowGateTests: ChildProcessTestCase {
    func testALeakInARowTheBaselineLacksFailsTheCheckNamingIt() throws {
        let scratch = TestSupport.temporaryDirectory("unbaselined")
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        // The project's thresholds, as check reads them, and the maximum they need.
        let thresholds = try Thresholds.load(TestSupport.projectRoot + "/Reports/thresholds.json")
        let maximum = GateRepeatRule.maximumRepeats(baselineRepeats: 5, thresholds: thresholds)
        var ab = try InterleavedFixtureAB(
            fixture: "fixture-retain", parameter: "retain_bytes", head: "512", base: "0", settings: ["items=400"],
            repeats: GateRepeatRule.minimumRepeats, maxRepeats: maximum, scales: [1, 4], scratch: scratch)
        // The baseline: the same plan's settings, without the row (as if recorded before the
        // scenario was added).
        var baseline = Baseline(RunAnalysis(ab.base))
        baseline.repeats = 5
        baseline.entries = []
        let gate = Gate(baseline: baseline, thresholds: thresholds, maximumRepeats: maximum)
        ab.execute(rule: GateRepeatRule(gate: gate, head: ab.head, base: ab.base, maximumRepeats: maximum))
        let (head, base) = (ab.head, ab.base)
        XCTAssertEqual(head.records.count, 2 * maximum, "a worse-looking row runs to the maximum at both scales")

        let baselineFile = scratch + "/baseline.json"
        try baseline.write(to: baselineFile)
        func check(
            head: RunDocument, base: RunDocument, folder: String
        ) throws -> (status: Int32, output: String, error: String) {
            // --no-what-grew: this test is about the verdict; the heap-profiled repeats a memory
            // finding brings (30–58 s here, nearly all jeprof) are WhatGrewEndToEndTests'.
            try TestSupport.bpbench([
                "check", "--root", TestSupport.projectRoot, "--baseline", baselineFile, "--run",
                try InterleavedFixtureAB.writeCheckFolder(head: head, base: base, to: scratch + "/" + folder),
                "--no-what-grew",
            ])
        }
        let leaked = try check(head: head, base: base, folder: "leak")
        XCTAssertEqual(leaked.status, 1, leaked.output + leaked.error)
        XCTAssertTrue(
            leaked.output.contains("fixture-retain ×4 peak_allocated_bytes")
                && leaked.output.contains("vs base revision, same job"), leaked.output)
        XCTAssertTrue(leaked.output.contains("memory_verdict: bounded → grows"), leaked.output)
        var fixed = base
        fixed.injected = head.injected
        let removed = try check(head: fixed, base: head, folder: "fixed")
        XCTAssertEqual(removed.status, 0, removed.output + removed.error)
        XCTAssertTrue(removed.output.contains("cells judged"), removed.output)
        XCTAssertTrue(
            removed.output.contains("memory_verdict grows-with-input → bounded")
                && removed.output.contains("(not a finding: a leak fixed"), removed.output)
    }
}
