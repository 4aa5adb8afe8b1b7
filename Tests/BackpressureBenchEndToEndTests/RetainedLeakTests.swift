import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore
@testable import BenchModel
@testable import BenchReport

/// The verdict on real child processes: a consumer that keeps 1/32 of every item grows; the same
/// consumer keeping nothing is bounded (three scales, five repeats each, as the standard profile).
final class RetainedLeakTests: ChildProcessTestCase {
    func testOneThirtySecondRetainedGrowsAndNothingRetainedIsBounded() throws {
        let entry = try TestSupport.entry("fixture-retain")
        func verdict(retain: String) throws -> GrowthVerdict {
            let plan = try RunPlan(
                entries: [entry], profile: .standard, repeats: 5, warmups: 0, scales: [1, 2, 4],
                overrides: ["items=1000", "retain_bytes=\(retain)"])
            let directory = TestSupport.temporaryDirectory("retain")
            var document = RunDocument(
                startedAt: "t", profile: "standard", repeats: 5, warmups: 0, scales: [1, 2, 4], limits: ChildLimits(),
                environment: Synthetic.environment)
            BenchRunner(
                catalog: TestSupport.catalog, limits: ChildLimits(), cacheDirectory: directory, interruption: nil
            )
            .execute(plan, logDirectory: directory, into: &document) { _ in }
            XCTAssertTrue(document.records.allSatisfy { $0.status == .ok }, "\(document.records.map(\.statusDetail))")
            return try XCTUnwrap(RunAnalysis(document).verdicts["fixture-retain"])
        }
        let leak = try verdict(retain: "512")
        XCTAssertEqual(leak.kind, .grows, leak.explanation)
        XCTAssertGreaterThan(leak.peakBytesPerItem ?? 0, 400, leak.explanation)
        let clean = try verdict(retain: "0")
        XCTAssertEqual(clean.kind, .bounded, clean.explanation)
    }
}
