import BenchProtocol
import BenchTestSupport
import XCTest

@testable import BenchModel

/// `consumer_share` (issue 16, item 6): the reader paced at a share of the producer's rate,
/// calibrated in the child, so the producer/consumer ratio is the same on every machine. Real
/// (small, debug-built) runs: the metrics say what the reader was paced to, and the measured
/// throughput obeys it — which it would not if the share were ignored.
final class ConsumerShareTests: ChildProcessTestCase {
    static let calibrated = "producer_calibrated_bytes_per_s"
    static let effective = "consumer_effective_bytes_per_s"

    /// A run paced at `share` of the calibrated producer: both metrics reported, effective =
    /// share × calibrated as the child computes it, and the throughput no faster than that (with
    /// room for one read ahead of schedule) nor far below it. `consumer_rate=0` makes an ignored
    /// share read as unthrottled: with the share ignored by hand (the reader paced to
    /// `consumer_rate`) the debug builds here moved 7.2× (Swift) and 3.3× (Node) the effective rate.
    func assertPacedAtShare(
        _ scenario: String, share: Double, items: Int, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let record = try TestSupport.runChild(
            scenario, ["items=\(items)", "consumer_rate=0", "consumer_share=\(share)"])
        XCTAssertEqual(record.status, .ok, record.statusDetail ?? "", file: file, line: line)
        let calibrated = try XCTUnwrap(
            record.metrics[Self.calibrated], "\(scenario) reports no calibrated producer rate", file: file, line: line)
        let effective = try XCTUnwrap(
            record.metrics[Self.effective], "\(scenario) reports no effective reader rate", file: file, line: line)
        XCTAssertGreaterThan(calibrated, 0, file: file, line: line)
        XCTAssertEqual(
            effective, max(1, (share * calibrated).rounded()), "effective = share × calibrated", file: file, line: line)
        let throughput = record.throughputBytesPerS
        XCTAssertLessThanOrEqual(
            throughput, effective * 1.5, "paced at \(effective) B/s, moved \(throughput) B/s", file: file, line: line)
        XCTAssertLessThan(
            throughput, calibrated * 0.25, "the share set the pace, not the producer", file: file, line: line)
        XCTAssertGreaterThan(
            throughput, effective * 0.3, "a reader at 5 % of the producer keeps its pace", file: file, line: line)
    }

    /// With no share the reader runs at `consumer_rate`, nothing is calibrated, and the metric says so.
    func assertAbsoluteRate(_ scenario: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let rate = 32 << 20
        let record = try TestSupport.runChild(scenario, ["items=64", "consumer_rate=32MiB/s", "consumer_share=0"])
        XCTAssertEqual(record.status, .ok, record.statusDetail ?? "", file: file, line: line)
        XCTAssertEqual(record.metrics[Self.effective], Double(rate), file: file, line: line)
        XCTAssertNil(record.metrics[Self.calibrated], "no calibration without a share", file: file, line: line)
        XCTAssertLessThanOrEqual(record.throughputBytesPerS, Double(rate) * 1.5, file: file, line: line)
        let unthrottled = try TestSupport.runChild(scenario, ["items=64", "consumer_rate=0"])
        XCTAssertEqual(unthrottled.status, .ok, unthrottled.statusDetail ?? "", file: file, line: line)
        XCTAssertEqual(unthrottled.metrics[Self.effective], 0, "0 = unthrottled", file: file, line: line)
    }

    func testASwiftStreamPacedAtAShareOfTheCalibratedProducer() throws {
        try assertPacedAtShare("manual-drain", share: 0.05, items: Self.swiftItems)
    }

    func testASwiftStreamWithoutAShareRunsAtConsumerRate() throws {
        try assertAbsoluteRate("pipeline-copy")
    }

    func testANodeStreamPacedAtAShareOfTheCalibratedProducer() throws {
        try requireNode()
        try assertPacedAtShare("node-manual-drain", share: 0.05, items: Self.nodeItems)
    }

    func testANodeStreamWithoutAShareRunsAtConsumerRate() throws {
        try requireNode()
        try assertAbsoluteRate("node-pipeline")
    }

    /// Only stress sets a share (quick, the gate's baseline profile, and standard keep the
    /// absolute reader); the unthrottled variants stay unthrottled in stress; Swift and Node
    /// declare the same parameter; out-of-range shares are refused before a child starts.
    func testOnlyStressSetsAShareAndUnthrottledVariantsStayUnthrottled() throws {
        let names = [
            "pipeline-copy", "manual-drain", "ignored-drain", "node-pipeline", "node-manual-drain",
            "node-ignored-drain",
        ]
        let entries = try names.map { try TestSupport.entry($0) }
        let specs = try entries.map { try XCTUnwrap($0.description.parameter(named: "consumer_share"), $0.name) }
        for spec in specs { XCTAssertEqual(spec, specs[0], "Swift and Node declare consumer_share alike") }
        for profile in [Profile.quick, .standard] {
            let plan = try RunPlan(
                entries: entries, profile: profile, repeats: 1, warmups: 0, scales: [1], overrides: [])
            for step in plan.steps {
                XCTAssertEqual(value(step, "consumer_share"), "0", "\(profile) \(step.row)")
            }
        }
        let stress = try RunPlan(entries: entries, profile: .stress, repeats: 1, warmups: 0, scales: [1], overrides: [])
        let unthrottled = stress.steps.filter { $0.variant == "unthrottled" }
        XCTAssertEqual(unthrottled.count, 4, "pipeline-copy, manual-drain and their Node twins")
        for step in stress.steps {
            let expected = step.variant == "unthrottled" ? "0" : "0.125"
            XCTAssertEqual(value(step, "consumer_share"), expected, step.row.description)
        }
        for bad in ["1.5", "-0.1", "half"] {
            XCTAssertThrowsError(
                try RunPlan(
                    entries: entries, profile: .quick, repeats: 1, warmups: 0, scales: [1],
                    overrides: ["consumer_share=\(bad)"]), bad)
        }
    }

    // Sized so a debug-built child moves its input in about a second at 5 % of its producer.
    static let swiftItems = 200
    static let nodeItems = 200

    private func value(_ step: RunPlan.Step, _ name: String) -> String? {
        step.parameters.first { $0.0 == name }?.1
    }

    private func requireNode() throws {
        guard ExternalCommand.resolve("node", in: "/") != nil else {
            throw XCTSkip("node is not installed (make deps installs it)")
        }
    }
}
