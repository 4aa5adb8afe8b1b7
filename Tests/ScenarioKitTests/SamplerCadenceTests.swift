import ScenarioKit
import XCTest

/// The in-child sampler's back-off: slower while the heap is flat, at full speed again the
/// reading after it rose, never slower than 8 ms (the bound a short peak's test rests on).
final class SamplerCadenceTests: XCTestCase {
    func testBacksOffWhileFlatAndTightensOnARise() {
        var cadence = Cadence(fastestNs: 1_000_000)
        let mib = 1 << 20
        XCTAssertEqual(
            cadence.next(allocated: 3 * mib, peak: 3 * mib), 1_000_000, "the first reading has nothing to compare with")
        XCTAssertEqual(
            cadence.next(allocated: 3 * mib + 4096, peak: 3 * mib + 4096), 2_000_000, "a few KiB of churn is flat")
        XCTAssertEqual(cadence.next(allocated: 3 * mib, peak: 3 * mib + 4096), 4_000_000)
        XCTAssertEqual(cadence.next(allocated: 3 * mib, peak: 3 * mib + 4096), 8_000_000)
        XCTAssertEqual(cadence.next(allocated: 3 * mib, peak: 3 * mib + 4096), 8_000_000, "capped at Cadence.slowest")
        XCTAssertEqual(
            cadence.next(allocated: 40 * mib, peak: 40 * mib), 1_000_000, "a rise brings full speed back at once")
        XCTAssertEqual(
            cadence.next(allocated: 80 * mib, peak: 80 * mib), 1_000_000, "and keeps it while the heap rises")
        XCTAssertEqual(
            cadence.next(allocated: 80 * mib + mib, peak: 81 * mib), 2_000_000,
            "1 MiB on an 80 MiB peak is under 1/64: flat")
    }

    func testASlowerRequestedIntervalIsKept() {
        var cadence = Cadence(fastestNs: 20_000_000)
        _ = cadence.next(allocated: 0, peak: 0)
        XCTAssertEqual(cadence.next(allocated: 0, peak: 0), 20_000_000)
    }
}
