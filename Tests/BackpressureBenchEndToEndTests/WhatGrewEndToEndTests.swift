import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore
@testable import BenchGate
@testable import BenchModel
@testable import BenchReport
@testable import BenchSession

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Issue 25's "what grew": a memory finding of a Swift row is followed by one heap-profiled
/// repeat per side and the stacks whose bytes grew, in check.md and check.json, with a flame
/// graph of the growth. On real children: the grow-site fixture keeps 1 KiB of every item in
/// `Ledger.keep` on both sides and, on the head side only, 8 KiB more in `AuditTrail.record`
/// (the parameter stands for the code change that moved memory into a new function).
final class WhatGrewEndToEndTests: ChildProcessTestCase {
    /// Both sides' runs, made once for the tests below: head and base interleaved as
    /// `check --against` runs them, 7 repeats each (same-job cells are judged at α = 0.001, which
    /// 5 + 5 repeats cannot reach: their smallest p is 1/252).
    struct Runs {
        var head: RunDocument
        var base: RunDocument
        var scratch: String
    }

    nonisolated(unsafe) static var runs: Runs?

    func runs() throws -> Runs {
        if let runs = Self.runs { return runs }
        let scratch = TestSupport.temporaryDirectory("what-grew")
        var ab = try InterleavedFixtureAB(
            fixture: "fixture-grow-site", parameter: "audit_bytes", head: "8KiB", base: "0", settings: ["items=400"],
            repeats: 7, scales: [1], scratch: scratch)
        ab.execute()
        let (head, base) = (ab.head, ab.base)
        let runs = Runs(head: head, base: base, scratch: scratch)
        Self.runs = runs
        return runs
    }

    /// A baseline of the base side's settings: with `rows` false, without the row (judged against
    /// the base revision, same job), else with the base side's repeats as its cells.
    func baselineFile(_ runs: Runs, rows: Bool) throws -> String {
        var baseline = Baseline(RunAnalysis(runs.base))
        baseline.repeats = 7
        if !rows { baseline.entries = [] }
        let path = runs.scratch + "/baseline-\(rows ? "rows" : "empty").json"
        try baseline.write(to: path)
        return path
    }

    /// `bpbench check --run` on a folder holding `head` (and `base` under base/ when given).
    func check(
        _ runs: Runs, head: RunDocument, base: RunDocument?, baseline: String, folder: String, extra: [String] = []
    ) throws
        -> (status: Int32, output: String, error: String, directory: String, seconds: Double)
    {
        let directory = try InterleavedFixtureAB.writeCheckFolder(
            head: head, base: base, to: runs.scratch + "/" + folder)
        let started = Date()
        let result = try TestSupport.bpbench(
            ["check", "--root", TestSupport.projectRoot, "--baseline", baseline, "--run", directory] + extra)
        return (result.status, result.output, result.error, directory, Date().timeIntervalSince(started))
    }

    func testAHeapRegressionNamesTheFunctionThatGrewWithAFlameGraphOfTheGrowth() throws {
        let runs = try runs()
        let baseline = try baselineFile(runs, rows: false)
        // --cpus reaches the profiled repeats (they ran on the default set before).
        let checked = try check(
            runs, head: runs.head, base: runs.base, baseline: baseline, folder: "grew", extra: ["--cpus", "0"])
        XCTAssertEqual(checked.status, 1, checked.output + checked.error)
        XCTAssertTrue(checked.output.contains("fixture-grow-site ×1 peak_allocated_bytes"), checked.output)
        let markdown = try String(contentsOfFile: checked.directory + "/check.md", encoding: .utf8)
        let lines = markdown.split(separator: "\n").map(String.init)
        // Under the first memory finding of the row (peak RSS, peak allocated and the kept-bytes
        // gauge all regress; one profile serves them): the section, then the stack that grew
        // most, with a positive figure.
        guard let section = lines.firstIndex(where: { $0.hasPrefix("  - what grew (head − base") }), section > 0 else {
            return XCTFail(markdown)
        }
        XCTAssertTrue(lines[section - 1].hasPrefix("- fixture-grow-site ×1 "), markdown)
        XCTAssertEqual(
            lines.filter { $0.contains("what grew (") }.count, 1, "one profile per (row, scale): \(markdown)")
        let top = lines[section + 1]
        XCTAssertTrue(
            top.hasPrefix("    - fixture-grow-site ×1: +") && top.contains(" in ") && top.hasSuffix(")"), markdown)
        XCTAssertTrue(
            top.contains("GrowSiteFixture.run → AuditTrail.record"), "the function that grew leads: \(markdown)")
        XCTAssertFalse(
            lines.contains {
                $0.hasPrefix("    - ") && $0.contains("Ledger.keep") && $0.contains("+") && $0.contains("MiB")
            },
            "Ledger.keep kept the same 1 KiB an item on both sides: \(markdown)")

        // check.json: the same as data.
        let record = try XCTUnwrap(try CheckRecord.load(from: checked.directory))
        let whatGrew = try XCTUnwrap(record.whatGrew?.first)
        XCTAssertEqual(whatGrew.outcome, .diffed)
        XCTAssertEqual(whatGrew.cpus, ChildCPUs([0]), "check --cpus 0")
        XCTAssertTrue(
            markdown.contains("one heap-profiled repeat a side, ") && markdown.contains(" on CPU 0;"), markdown)
        XCTAssertTrue(whatGrew.metrics.contains("peak_allocated_bytes"), "\(whatGrew.metrics)")
        let grew = try XCTUnwrap(whatGrew.grew.first)
        XCTAssertEqual(grew.frames.last, "AuditTrail.record")
        // 400 items × 8 KiB = 3.1 MiB kept; jemalloc's sampled estimate, within a factor of 2.
        XCTAssertGreaterThan(grew.bytes, 1_600_000, "\(whatGrew)")
        XCTAssertLessThan(grew.bytes, 6_600_000, "\(whatGrew)")
        XCTAssertEqual(grew.baseBytes, 0, "the base side never called AuditTrail.record with bytes to keep")

        // The flame graph of the growth: linked, present, an SVG document naming the function.
        let flame = try XCTUnwrap(whatGrew.flameGraph)
        XCTAssertTrue(markdown.contains("](\(flame))"), markdown)
        let svg = try Data(contentsOf: URL(fileURLWithPath: checked.directory + "/" + flame))
        let parser = XMLParser(data: svg)
        XCTAssertTrue(parser.parse(), "\(String(describing: parser.parserError))")
        XCTAssertTrue(
            String(decoding: svg, as: UTF8.self).hasPrefix("<svg")
                && String(decoding: svg, as: UTF8.self).contains("AuditTrail.record"))
        for profile in [whatGrew.headProfile, whatGrew.baseProfile] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: checked.directory + "/" + (profile ?? "-")),
                "\(String(describing: profile))")
        }

        // The profiled repeats are not judged: the same verdict and findings without them, and
        // what they add to a check, measured.
        let plain = try check(
            runs, head: runs.head, base: runs.base, baseline: baseline, folder: "grew-plain", extra: ["--no-what-grew"])
        XCTAssertEqual(plain.status, checked.status, plain.output + plain.error)
        let plainRecord = try XCTUnwrap(try CheckRecord.load(from: plain.directory))
        XCTAssertEqual(plainRecord.findings, record.findings)
        XCTAssertEqual(plainRecord.verdict, record.verdict)
        XCTAssertNil(plainRecord.whatGrew)
        XCTAssertFalse(try String(contentsOfFile: plain.directory + "/check.md", encoding: .utf8).contains("what grew"))
        print(
            String(
                format:
                    "what grew: check --run %.1f s with the profiled repeats, %.1f s without (%.1f s added; profiling %.1f s by check.json)",
                checked.seconds, plain.seconds, checked.seconds - plain.seconds, whatGrew.seconds))
    }

    /// The other way: a check whose memory improved (the leak removed) has no memory finding, so
    /// no profiled repeat runs and check.md has no what-grew section.
    func testNoMemoryRegressionRunsNoProfiledRepeat() throws {
        let runs = try runs()
        var fixed = runs.base
        fixed.injected = runs.head.injected
        let checked = try check(
            runs, head: fixed, base: runs.head, baseline: try baselineFile(runs, rows: false), folder: "fixed")
        XCTAssertEqual(checked.status, 0, checked.output + checked.error)
        let markdown = try String(contentsOfFile: checked.directory + "/check.md", encoding: .utf8)
        XCTAssertFalse(markdown.contains("what grew"), markdown)
        XCTAssertFalse(checked.output.contains("what grew"), checked.output)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: checked.directory + "/what-grew"), "no profiled repeat ran")
        let files = try FileManager.default.contentsOfDirectory(atPath: checked.directory)
        XCTAssertFalse(files.contains { $0.hasPrefix("what-grew-") }, "\(files)")
        XCTAssertNil(try CheckRecord.load(from: checked.directory)?.whatGrew)
    }

    /// With only a baseline (no base revision in the folder), the head is profiled alone: what it
    /// holds at its peak, and a line saying the diff needs `--against`.
    func testWithoutABaseRevisionTheHeadAloneIsProfiledAndTheDiffNeedsAgainst() throws {
        let runs = try runs()
        let checked = try check(
            runs, head: runs.head, base: nil, baseline: try baselineFile(runs, rows: true), folder: "head-only")
        XCTAssertEqual(checked.status, 1, checked.output + checked.error)
        let markdown = try String(contentsOfFile: checked.directory + "/check.md", encoding: .utf8)
        XCTAssertTrue(
            markdown.contains(
                "what grew: not diffed — no base revision ran in this job; the diff needs check --against REV"),
            markdown)
        XCTAssertTrue(markdown.contains("held in GrowSiteFixture.run → AuditTrail.record"), markdown)
        let whatGrew = try XCTUnwrap(try CheckRecord.load(from: checked.directory)?.whatGrew?.first)
        XCTAssertEqual(whatGrew.outcome, .headOnly)
        XCTAssertNil(whatGrew.baseProfile)
        // Without --cpus the profiled repeat runs where the judged repeats ran, as run.json has it.
        XCTAssertNotNil(runs.head.environment.childCPUs)
        XCTAssertEqual(whatGrew.cpus, runs.head.environment.childCPUs)
    }

    /// A child that crashes under profiling is one line under the finding, and the verdict
    /// stands: the fault fixture, profiled in its segfault mode.
    func testAChildThatCrashesUnderProfilingIsOneLine() throws {
        let scratch = TestSupport.temporaryDirectory("what-grew-crash")
        let document = try ProfiledRepeatTests.side(["mode=segfault"], scenario: "fixture-fault").document
        var report = GateReport()
        report.findings = [
            Finding(
                scenario: "fixture-fault", scale: 1, metric: "peak_allocated_bytes", baseline: "1 MiB", now: "2 MiB",
                rule: "test")
        ]
        let profiler = WhatGrewProfiler(
            head: .init(catalog: TestSupport.catalog, document: document), base: nil, directory: scratch,
            cacheDirectory: scratch + "/cache", interruption: nil)
        let whatGrew = profiler.investigate(report)
        XCTAssertEqual(whatGrew.count, 1)
        XCTAssertEqual(whatGrew.first?.outcome, .notProfiled)
        XCTAssertTrue(
            whatGrew.first?.problem?.hasPrefix("the head child ended crashed under profiling") == true, "\(whatGrew)")
        report.whatGrew = whatGrew
        XCTAssertFalse(report.passed)
        let markdown = report.markdown(title: "t")
        XCTAssertTrue(
            markdown.contains(
                "- fixture-fault ×1 peak_allocated_bytes: 1 MiB → 2 MiB (test)\n  - what grew: not profiled — the head child ended crashed under profiling"
            ), markdown)
    }
}
