import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore
@testable import BenchGate
@testable import BenchModel
@testable import BenchSession

/// The heap-profiled repeat behind `check`'s what grew, on real children: it runs on the check's
/// CPUs (issue 25: it ran on the default set whatever `--cpus` said), and its profile holds the
/// peak of a scenario that reaches it fast and holds it only briefly (the peak profiler missed a
/// peak reached within 20 ms of its previous dump).
final class ProfiledRepeatTests: ChildProcessTestCase {
    /// A side whose one recorded repeat (ok) is `scenario` ×1 with `overrides`, as a check's
    /// run would hand it to the profiler.
    static func side(_ overrides: [String], scenario: String = "fixture-grow-site") throws -> WhatGrewProfiler.Side {
        let entry = try TestSupport.entry(scenario)
        let plan = try RunPlan(
            entries: [entry], profile: .quick, repeats: 1, warmups: 0, scales: [1], overrides: overrides)
        var document = RunDocument(
            plan: plan, entries: [entry], limits: ChildLimits(), projectRoot: TestSupport.projectRoot)
        var record = RunRecord(
            scenario: RowID(scenario), repeatIndex: 1, scale: 1,
            parameters: Dictionary(plan.steps[0].parameters, uniquingKeysWith: { $1 }), logFile: "")
        record.status = .ok
        document.records = [record]
        return .init(catalog: TestSupport.catalog, document: document)
    }

    func profiler(_ side: WhatGrewProfiler.Side, cpus: ChildCPUs?) -> WhatGrewProfiler {
        let scratch = TestSupport.temporaryDirectory("profiled-repeat")
        var profiler = WhatGrewProfiler(
            head: side, base: nil, directory: scratch, cacheDirectory: scratch + "/cache", interruption: nil)
        profiler.cpus = cpus
        return profiler
    }

    /// The launch gets the profiler's set: a CPU the kernel refuses fails the child's pinning
    /// (`sched_setaffinity` in the launcher), one it has runs — so the set is what the launch got.
    func testTheProfiledRepeatIsPinnedToTheChecksCPUs() throws {
        let side = try Self.side(["items=50"])
        let refused = profiler(side, cpus: ChildCPUs([1000])).profiledRepeat(
            of: side, side: "head", row: "fixture-grow-site", scale: 1)
        guard case .failure(let error) = refused else { return XCTFail("a CPU the machine lacks must not run") }
        XCTAssertTrue(error.message.contains("sched_setaffinity"), error.message)
        XCTAssertEqual(profiler(side, cpus: ChildCPUs([1000])).limits(for: side).cpus, ChildCPUs([1000]))

        let pinned = profiler(side, cpus: ChildCPUs([0])).profiledRepeat(
            of: side, side: "head", row: "fixture-grow-site", scale: 1)
        guard case .success(let dumped) = pinned else { return XCTFail("\(pinned)") }
        XCTAssertTrue(FileManager.default.fileExists(atPath: dumped.heap), dumped.heap)
    }

    /// 400 items kept 8 KiB each, the peak held 10 ms (the longest gap between two sampler
    /// readings) and then freed as the scenario returns: the profile is taken at the peak, within
    /// the profiler's 1/16 step, every time. With the fixed 20 ms interval this fails in a
    /// release build, where the items pass in ≈ 9 ms (the profile held 509 KiB of a 5 MiB peak).
    func testAPeakHeldTenMillisecondsIsInTheProfile() throws {
        let side = try Self.side(["items=400", "audit_bytes=8KiB", "hold=10ms"])
        var shares: [Double] = []
        for _ in 1...3 {
            let result = profiler(side, cpus: .standard()).profiledRepeat(
                of: side, side: "head", row: "fixture-grow-site", scale: 1)
            guard case .success(let dumped) = result else { return XCTFail("\(result)") }
            let profiled = try XCTUnwrap(dumped.profiledAllocatedBytes)
            shares.append(Double(profiled) / Double(dumped.peakAllocatedBytes))
        }
        print("peak profile: profiled/peak allocated \(shares.map { String(format: "%.3f", $0) })")
        XCTAssertTrue(shares.allSatisfy { $0 >= 0.9 }, "\(shares)")
    }
}
