import ScenarioKit
import XCTest

/// When the peak profiler dumps (issue 25's loose end: a peak reached within 20 ms of the last
/// dump, or at the very end of a run, was missed). Times in ns, the schedule driven by hand as
/// the sampler drives it, one reading at a time; the fixed 20 ms interval this replaces fails
/// the first three tests.
final class PeakDumpScheduleTests: XCTestCase {
    let ms: UInt64 = 1_000_000
    let mib = 1 << 20

    /// fixture-grow-site in a release build: a first dump at 128 KiB that cost 5 ms of CPU (a
    /// loaded machine), the heap rising to 5 MiB in 9 ms and held there 10 ms. While it rises the
    /// cost rule holds dumps back; the first flat reading — the plateau — is dumped at once.
    func testThePlateauAfterARiseIsDumpedAtOnce() {
        var schedule = PeakDumpSchedule()
        XCTAssertTrue(schedule.wantsDump(allocated: 128 << 10, now: 0), "the first rise past 64 KiB")
        schedule.recordDump(allocated: 128 << 10, endedNs: 6 * ms, cpuNs: 5 * ms, succeeded: true)
        XCTAssertEqual(schedule.intervalNs, 20 * ms)
        XCTAssertFalse(schedule.wantsDump(allocated: 2 * mib, now: 7 * ms), "rising, within the interval")
        XCTAssertFalse(schedule.wantsDump(allocated: 4 * mib, now: 8 * ms), "still rising")
        XCTAssertFalse(schedule.wantsDump(allocated: 5 * mib, now: 9 * ms), "still rising")
        XCTAssertTrue(
            schedule.wantsDump(allocated: 5 * mib + 4096, now: 10 * ms),
            "flat: the peak, 4 ms after the last dump (the old rule waited until 26 ms, when it was gone)")
        schedule.recordDump(allocated: 5 * mib + 4096, endedNs: 11 * ms, cpuNs: 400_000, succeeded: true)
        XCTAssertEqual(schedule.dumpedAllocated, 5 * mib + 4096)
        XCTAssertEqual(schedule.dumps, 2)
        XCTAssertEqual(schedule.dumpCPUNanoseconds, 5_400_000)
        XCTAssertFalse(
            schedule.wantsDump(allocated: 5 * mib + 300 << 10, now: 30 * ms),
            "a rise under 1/16 of the dumped heap (320 KiB) is not worth a dump, flat or not")
    }

    /// A cheap dump: the next may follow one fast tick later even while the heap rises.
    func testWhileTheHeapRisesTheIntervalIsFourTimesTheDumpsCPU() {
        var schedule = PeakDumpSchedule()
        _ = schedule.wantsDump(allocated: 128 << 10, now: 0)
        schedule.recordDump(allocated: 128 << 10, endedNs: 300_000, cpuNs: 200_000, succeeded: true)
        XCTAssertEqual(schedule.intervalNs, ms, "4 × 0.2 ms is under the floor: one fast sampler tick")
        XCTAssertFalse(schedule.wantsDump(allocated: mib, now: 800_000), "rising, 0.5 ms after the dump")
        XCTAssertTrue(schedule.wantsDump(allocated: 2 * mib, now: 1_400_000), "rising, 1.1 ms after")

        var dear = PeakDumpSchedule()
        _ = dear.wantsDump(allocated: 512 * mib, now: 0)
        dear.recordDump(allocated: 512 * mib, endedNs: 12 * ms, cpuNs: 10 * ms, succeeded: true)
        XCTAssertEqual(dear.intervalNs, 40 * ms, "a large heap's dear dump widens the interval")
        XCTAssertFalse(dear.wantsDump(allocated: 700 * mib, now: 45 * ms), "rising, 33 ms after a 10 ms dump")
        XCTAssertTrue(dear.wantsDump(allocated: 900 * mib, now: 53 * ms), "rising, 41 ms after")
        // A failed dump counts its cost but leaves the dumped figure: the profile on disk is older.
        dear.recordDump(allocated: 900 * mib, endedNs: 54 * ms, cpuNs: ms, succeeded: false)
        XCTAssertEqual(dear.dumpedAllocated, 512 * mib)
        XCTAssertEqual(dear.dumps, 1)
        XCTAssertEqual(dear.intervalNs, 4 * ms)
    }

    /// The run's last reading, taken when the scenario returned, is dumped whatever the interval
    /// — nothing later could catch a peak it still holds — but only past the step.
    func testTheFinalReadingIsDumpedWithinTheIntervalWhenItPassedTheStep() {
        var schedule = PeakDumpSchedule()
        _ = schedule.wantsDump(allocated: mib, now: 0)
        schedule.recordDump(allocated: mib, endedNs: 100_000, cpuNs: 5 * ms, succeeded: true)
        XCTAssertFalse(schedule.wantsDump(allocated: 2 * mib, now: 300_000), "rising, inside the interval")
        XCTAssertTrue(schedule.wantsDump(allocated: 3 * mib, now: 400_000, final: true))
        XCTAssertFalse(
            schedule.wantsDump(allocated: mib + 32 << 10, now: 500_000, final: true),
            "the final reading under the step: the profile on disk is as good")
    }
}
