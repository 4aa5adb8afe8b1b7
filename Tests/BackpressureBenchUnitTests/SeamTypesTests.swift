import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchGate
@testable import BenchModel
@testable import BenchReport

/// The types at the seams between the run model, the reporter and the gate: a row's identity,
/// statuses and verdicts as enums, the gauge's spellings, summaries by row and scale — each
/// written as documents have always held it, so files written before them read the same.
final class SeamTypesTests: ProcessFreeTestCase {
    func testARowReadsBackFromItsSpellingAndPrintsItAgain() {
        let cases: [(String, RowID)] = [
            ("pipeline-copy", RowID(scenario: "pipeline-copy")),
            ("bounded-queue/fan-out", RowID(scenario: "bounded-queue", variant: "fan-out")),
            ("pipeline-copy@system", RowID(scenario: "pipeline-copy", allocator: .system)),
            ("s/v@system", RowID(scenario: "s", variant: "v", allocator: .system)),
        ]
        for (spelling, row) in cases {
            XCTAssertEqual(RowID(spelling), row, spelling)
            XCTAssertEqual(row.description, spelling)
        }
        XCTAssertNotEqual(RowID("s/v"), RowID("s"), "a variant is another row")
        XCTAssertNotEqual(RowID("s@system"), RowID("s"), "another allocator is another row")
        XCTAssertEqual(RowID("s/v@system").onJemalloc, RowID("s/v"))
        // Sorted as their spellings always were: `s` < `s/v` < `s@system`.
        XCTAssertEqual(
            [RowID("s@system"), RowID("s/v"), RowID("s")].sorted().map(\.description), ["s", "s/v", "s@system"])
    }

    /// run.json as written before the row type: the row's spelling under `scenario` and the
    /// variant again under `variant`. It decodes to the row and encodes to the same bytes.
    func testARecordWrittenBeforeTheRowTypeReadsAndWritesTheSameBytes() throws {
        var record = RunRecord(
            scenario: RowID(scenario: "s", variant: "v", allocator: .system), repeatIndex: 2, scale: 4,
            parameters: ["items": "10"], logFile: "/tmp/l.log")
        record.status = .memoryCap
        record.statusDetail = "over the cap"
        let json = String(decoding: try JSONLineCoding.encoder.encode(record), as: UTF8.self)
        XCTAssertTrue(json.contains(#""scenario":"s/v@system""#), json)
        XCTAssertTrue(json.contains(#""variant":"v""#), json)
        let decoded = try JSONLineCoding.decoder.decode(RunRecord.self, from: Data(json.utf8))
        XCTAssertEqual(decoded, record)
        XCTAssertEqual(String(decoding: try JSONLineCoding.encoder.encode(decoded), as: UTF8.self), json)
        var plain = record
        plain.scenario = "s"
        XCTAssertFalse(
            String(decoding: try JSONLineCoding.encoder.encode(plain), as: UTF8.self).contains(#""variant""#),
            "no variant key for the scenario's own row, as before")
    }

    /// A baseline's statuses and verdicts are enums with the raw values files hold: today's
    /// baseline round-trips byte for byte, and a value no bpbench writes is refused, not kept.
    func testBaselineStatusesAndVerdictsAreEnumsWithTheFilesRawValues() throws {
        let baseline = Baseline(RunAnalysis(Synthetic.document(pipelineStatus: .timeout)))
        let pipeline = try XCTUnwrap(baseline.entries.first { $0.scenario == "pipeline-copy" })
        XCTAssertEqual(pipeline.status, .timeout)
        XCTAssertEqual(pipeline.verdict, .unknown, "no ok repeat: no verdict")
        let drain = try XCTUnwrap(baseline.entries.first { $0.scenario == "ignored-drain" })
        XCTAssertEqual(drain.status, .ok)
        XCTAssertEqual(drain.verdict, .grows)
        let data = try JSONLineCoding.prettyEncoder.encode(baseline)
        let text = String(decoding: data, as: UTF8.self)
        XCTAssertTrue(text.contains(#""timeout""#) && text.contains(#""verdict" : "grows-with-input""#), text)
        let decoded = try JSONLineCoding.decoder.decode(Baseline.self, from: data)
        XCTAssertEqual(decoded, baseline)
        XCTAssertEqual(try JSONLineCoding.prettyEncoder.encode(decoded), data)
        let corrupt = Data(
            text.replacingOccurrences(of: #""verdict" : "grows-with-input""#, with: #""verdict" : "shrinks""#).utf8)
        XCTAssertThrowsError(try JSONLineCoding.decoder.decode(Baseline.self, from: corrupt))
    }

    /// The committed baseline (written before these types) loads and writes back unchanged.
    func testTheCommittedBaselineLoadsAndWritesBackUnchanged() throws {
        let path = TestSupport.projectRoot + "/Reports/baseline.json"
        let original = try XCTUnwrap(FileManager.default.contents(atPath: path))
        let baseline = try Baseline.load(path)
        XCTAssertFalse(baseline.entries.isEmpty)
        let rewritten = try JSONLineCoding.prettyEncoder.encode(baseline) + Data("\n".utf8)
        XCTAssertEqual(String(decoding: rewritten, as: UTF8.self), String(decoding: original, as: UTF8.self))
    }

    /// "Not verified" is told by what the row holds (ok, no result), not by its detail text —
    /// which a cut log extends, and which then no longer matched.
    func testAnUnverifiedRowIsListedWhateverItsDetailSays() throws {
        var document = Synthetic.document()
        let index = try XCTUnwrap(document.records.firstIndex { $0.scenario == "ignored-drain" })
        document.records[index].result = nil
        document.records[index].statusDetail =
            RunRecord.unverifiedDetail + "; log cut, 12 bytes of output dropped"
        XCTAssertTrue(document.records[index].isUnverified)
        let report = try MarkdownExporter().render(RunAnalysis(document))
        XCTAssertTrue(report.contains("## Runs that did not finish ok (or were not verified)"), report)
        XCTAssertTrue(report.contains("| `ignored-drain` | ×1 | 1 | ok | exit 0; not verified"), report)
        // An ok row with its result is verified, whatever its detail says.
        var verified = Synthetic.document()
        verified.records[index].statusDetail = RunRecord.unverifiedDetail
        XCTAssertFalse(verified.records[index].isUnverified)
        XCTAssertFalse(
            try MarkdownExporter().render(RunAnalysis(verified)).contains("## Runs that did not finish ok"))
    }

    func testAGaugeIsSpelledInOnePlace() {
        let gauge = GaugeKey("queue_depth")
        XCTAssertEqual(gauge.metricKey, "max_queue_depth")
        XCTAssertEqual(gauge.resultsColumn, "max_gauge_queue_depth")
        XCTAssertEqual(gauge.timelineColumn, "gauge_queue_depth")
        XCTAssertEqual(GaugeKey(metricKey: "max_queue_depth"), gauge)
        XCTAssertNil(GaugeKey(metricKey: "peak_rss_bytes"))
        XCTAssertNil(GaugeKey(metricKey: "max_"))
        XCTAssertEqual(Metric.named("max_queue_depth")?.key, "max_queue_depth")
        XCTAssertEqual(Metric.named("max_buffered_bytes")?.unit, .bytes)
        XCTAssertNil(Metric.named("no_such_metric"))
    }

    /// Every results.csv row has as many fields as the header, names the columns the table
    /// lists, and a gauge column follows its gauge.
    func testResultsCSVHeaderAndRowsComeFromOneTable() throws {
        let analysis = RunAnalysis(Synthetic.document())
        let columns = ResultsCSVExporter.columns(for: analysis.document.records)
        let csv = try ResultsCSVExporter().render(analysis)
        let lines = csv.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.first, columns.map(\.header).joined(separator: ","))
        XCTAssertEqual(lines.count, analysis.document.records.count + 1)
        XCTAssertTrue(columns.map(\.header).contains("max_gauge_buffered_bytes"))
        let record = try XCTUnwrap(analysis.document.records.first { $0.scenario == "ignored-drain" })
        let gauge = try XCTUnwrap(columns.first { $0.header == "max_gauge_buffered_bytes" })
        XCTAssertEqual(gauge.field(record, analysis), String(record.gaugeMaxima["buffered_bytes"]!))
        XCTAssertEqual(Set(columns.map(\.header)).count, columns.count, "no column twice")
    }

    /// Summaries are found by row and scale, in run order, without a search per question.
    func testSummariesAreIndexedByRowAndScale() throws {
        let summaries = RunAnalysis(Synthetic.document()).summaries
        XCTAssertEqual(summaries.rows, ["pipeline-copy", "ignored-drain"])
        let drain4 = try XCTUnwrap(summaries.summary("ignored-drain", scale: 4))
        XCTAssertEqual(drain4.scenario, "ignored-drain")
        XCTAssertEqual(drain4.scale, 4)
        XCTAssertNil(summaries.summary("ignored-drain", scale: 2))
        XCTAssertNil(summaries.summary("ignored-drain/v", scale: 4))
        XCTAssertEqual(summaries.of("pipeline-copy").map(\.scale), [1, 4])
        XCTAssertEqual(summaries.largest("pipeline-copy")?.scale, 4)
        XCTAssertEqual(summaries.count, 4)
        for summary in summaries {
            XCTAssertEqual(summaries.summary(summary.scenario, scale: summary.scale), summary)
        }
    }

    /// check.json's cells and findings are the compiler's coding, field for field; only an
    /// infinite worsening (from a median of 0) is written as text, as it always was.
    func testJudgementsAndFindingsCodeAsCheckJSONAlwaysHeldThem() throws {
        var judgement = Judgement(
            scenario: "s/v@system", scale: 4, metric: "peak_allocated_bytes", unit: .bytes, against: .baseline,
            before: 0, after: 1_048_576, worsening: .infinity, p: 0.004, alpha: 0.01, minEffect: 0.1,
            outcome: .regression)
        for (worsening, text) in [
            (Double.infinity, #""worsening":"infinity""#), (-.infinity, #""worsening":"-infinity""#),
        ] {
            judgement.worsening = worsening
            let json = String(decoding: try JSONLineCoding.encoder.encode(judgement), as: UTF8.self)
            XCTAssertTrue(json.contains(#""scenario":"s/v@system""#), json)
            XCTAssertTrue(
                json.contains(#""scenario":"s\/v@system""#) || json.contains(#""scenario":"s/v@system""#), json)
            XCTAssertEqual(try JSONLineCoding.decoder.decode(Judgement.self, from: Data(json.utf8)), judgement)
        }
        judgement.worsening = 0.25
        let finite = String(decoding: try JSONLineCoding.encoder.encode(judgement), as: UTF8.self)
        XCTAssertTrue(finite.contains(#""worsening":0.25"#), finite)
        XCTAssertFalse(finite.contains("baselineRuns"), "absent, as before")
        let corrupt = finite.replacingOccurrences(of: #""worsening":0.25"#, with: #""worsening":"lots""#)
        XCTAssertThrowsError(try JSONLineCoding.decoder.decode(Judgement.self, from: Data(corrupt.utf8)))
        let finding = judgement.finding
        let data = try JSONLineCoding.encoder.encode(finding)
        XCTAssertEqual(try JSONLineCoding.decoder.decode(Finding.self, from: data), finding)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["scenario", "scale", "metric", "baseline", "now", "rule"])
        XCTAssertEqual(object["scenario"] as? String, "s/v@system")
    }

    /// verdict.json's outcome is an enum written with the strings CI steps match on.
    func testVerdictOutcomesKeepTheirSpelling() throws {
        let cases: [(String, Int32, String?, String)] = [
            ("run", 0, nil, "pass"), ("check", 1, nil, "regression"), ("run", 3, nil, "rows-not-ok"),
            ("check", 65, "the run is not comparable: profile", "not-comparable"), ("run", 130, nil, "interrupted"),
            ("check", 65, "corrupt", "error"),
        ]
        for (command, code, line, spelling) in cases {
            let verdict = Verdict(command: command, exitCode: code, findings: nil, errorLine: line, runFolder: nil)
            XCTAssertEqual(verdict.outcome.rawValue, spelling)
            let json = String(decoding: try JSONLineCoding.encoder.encode(verdict), as: UTF8.self)
            XCTAssertTrue(json.contains(#""outcome":"\#(spelling)""#), json)
            XCTAssertEqual(try JSONLineCoding.decoder.decode(Verdict.self, from: Data(json.utf8)), verdict)
        }
    }
}
