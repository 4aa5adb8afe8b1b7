import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore
@testable import BenchModel

/// The plan's shape: `--allocator both` runs a Swift scenario's every repeat on each allocator,
/// interleaved, under its own row (another program runs once); `--scale` stretches a duration;
/// warm-ups and repeats per scale. The allocators on real children: SystemAllocatorTests.
final class AllocatorTests: ProcessFreeTestCase {
    func testBothAllocatorsInterleaveSwiftRowsOnly() throws {
        let swift = ScenarioCatalog.Entry(
            folder: "/x", executable: "/x/s", description: ScenarioDescription(name: "s", summary: "", parameters: []))
        let node = ScenarioCatalog.Entry(
            folder: "/y",
            launch: .external(
                ExternalCommand(
                    argv: ["node", "x.mjs"], program: "/usr/bin/node", workingDirectory: "/y", unavailable: nil)),
            description: ScenarioDescription(name: "n", summary: "", parameters: []))
        let plan = try RunPlan(
            entries: [swift, node], profile: .quick, repeats: 2, warmups: 0, scales: [1], overrides: [],
            allocators: [.jemalloc, .system])
        XCTAssertEqual(plan.steps.map(\.row), ["s", "s@system", "s", "s@system", "n", "n"])
        XCTAssertEqual(RowID("s/v@system").onJemalloc, RowID(scenario: "s", variant: "v"))
        XCTAssertEqual(Allocator.parse("both"), [.jemalloc, .system])
        XCTAssertNil(Allocator.parse("tcmalloc"))
    }

    /// `--scale` stretches a duration scale parameter too (it scaled only whole numbers, so a
    /// time-scaled scenario ran ×1 at every scale and its growth-with-time verdict saw nothing).
    func testScaleStretchesADurationParameter() throws {
        let duration = ParameterSpec("duration", .duration, default: "10s", help: "seed seconds")
        var description = ScenarioDescription(name: "timed", summary: "", parameters: [])
        description.parameters = [duration]
        description.scaleParameter = "duration"
        let entry = ScenarioCatalog.Entry(folder: "/x", executable: "/x/timed", description: description)
        let plan = try RunPlan(
            entries: [entry], profile: .standard, repeats: 1, warmups: 0, scales: [1, 4], overrides: [])
        XCTAssertEqual(plan.steps.map { $0.parameters.first { $0.0 == "duration" }?.1 }, ["10s", "40.0s"])
    }

    /// The plan's shape: one warm-up per row (before its first scale), every repeat at the
    /// smallest and largest scale (the growth test compares those two), two between.
    func testWarmUpOncePerRowAndTwoRepeatsBetweenTheEndScales() throws {
        var description = ScenarioDescription(
            name: "s", summary: "", parameters: [ParameterSpec("items", .count, default: "10", help: "n")])
        description.scaleParameter = "items"
        let entry = ScenarioCatalog.Entry(folder: "/x", executable: "/x/s", description: description)
        let plan = try RunPlan(
            entries: [entry], profile: .standard, repeats: 5, warmups: 1, scales: [1, 2, 4], overrides: [])
        XCTAssertEqual(
            plan.steps.map { "\($0.scale)#\($0.repeatIndex)" },
            [
                "1.0#0", "1.0#1", "1.0#2", "1.0#3", "1.0#4", "1.0#5", "2.0#1", "2.0#2", "4.0#1", "4.0#2", "4.0#3",
                "4.0#4", "4.0#5",
            ])
        let two = try RunPlan(
            entries: [entry], profile: .standard, repeats: 5, warmups: 0, scales: [1, 4], overrides: [])
        XCTAssertEqual(two.steps.count, 10, "no interior scale: every repeat at both")
    }
}
