import BenchProtocol
import BenchTestSupport
import Foundation
import XCTest

@testable import BenchCore

/// The launcher's control lines (bpbench-launch → parent): every field parsed, a garbled one refused.
final class LauncherMessageTests: ProcessFreeTestCase {
    func testLauncherControlLinesParse() {
        XCTAssertEqual(LauncherMessage(line: "pid 42"), .pid(42))
        XCTAssertEqual(LauncherMessage(line: "spawn-error 2 exec"), .spawnError(errno: 2, stage: "exec"))
        XCTAssertEqual(LauncherMessage(line: "spawn-error 11"), .spawnError(errno: 11, stage: "fork"))
        XCTAssertEqual(
            LauncherMessage(line: "exit 256 1024 0.500000 0.250000"),
            .exit(waitStatus: 256, maxRssKiB: 1024, userS: 0.5, systemS: 0.25, counts: nil))
        XCTAssertEqual(
            LauncherMessage(line: "exit 0 1024 0.5 0.25 120 7 3000 2"),
            .exit(
                waitStatus: 0, maxRssKiB: 1024, userS: 0.5, systemS: 0.25,
                counts: .init(
                    voluntaryContextSwitches: 120, involuntaryContextSwitches: 7, minorFaults: 3000, majorFaults: 2)))
        XCTAssertNil(LauncherMessage(line: "exit 0 1024 0.5 0.25 120 7 lots 2"), "a garbled count is not a zero")
        XCTAssertNil(LauncherMessage(line: "exit 256 lots"))
        XCTAssertNil(LauncherMessage(line: "hello from a future launcher"))
    }
}
