/// When the peak profiler (``PeakProfiler``) takes its next heap-profile dump: when the allocated
/// bytes have passed the last dumped figure by a step, and either the heap has stopped rising
/// (a plateau, most likely the peak: dumped at once), or the last dump's cost allows another
/// while it still rises, or it is the run's final reading.
///
/// Why not a fixed 20 ms between dumps, as before: a peak reached within 20 ms of the previous
/// dump and released before the next was missed — in a release build fixture-grow-site keeps its
/// 5 MiB in ≈ 9 ms, and its profile held 509 KiB of the peak. A plateau is the moment a dump
/// pays: the heap is not changing, so the sampler loses nothing by being busy, and a rise can
/// only be dumped before it is freed. While the heap keeps rising, the interval after a dump is
/// four times that dump's CPU time (at least one fast sampler tick, 1 ms): the sampler spends at
/// most a fifth of its time dumping, whatever the heap's size. CPU time, not wall time: measured
/// here under a load of 12 on 2 cores, a 2 ms dump took up to 20 ms of wall time.
///
/// The step bounds the number of dumps, plateaus or not: each must pass the last dumped figure
/// by 1/16 (at least 64 KiB), so a heap rising from 64 KiB to 5 MiB is dumped at most ≈ 70
/// times, to 1 GiB ≈ 160.
///
/// `package`, not internal, so ScenarioKitTests test it without `@testable` (see ``Cadence``).
package struct PeakDumpSchedule {
    /// The smallest rise that earns a dump (with 1/16 of the dumped figure, whichever is larger).
    package static let minimumStepBytes = 64 << 10
    /// The shortest interval between the end of one dump and the next while the heap rises.
    package static let minimumIntervalNs: UInt64 = 1_000_000
    /// While the heap rises, the interval is at least this many times the last dump's CPU time.
    package static let costFactor: UInt64 = 4

    /// The allocated bytes when the last successful dump was taken, and how many there were.
    package private(set) var dumpedAllocated = 0
    package private(set) var dumps = 0
    /// CPU time spent dumping, successful or not.
    package private(set) var dumpCPUNanoseconds: UInt64 = 0
    private var lastDumpEndNs: UInt64?
    private var lastDumpCPUNs: UInt64 = 0
    private var lastReading: Int?

    package init() {}

    /// How far the heap must rise past the dumped figure to be dumped again.
    package var stepBytes: Int { max(dumpedAllocated / 16, Self.minimumStepBytes) }

    /// The wait after a dump before the next, while the heap rises.
    package var intervalNs: UInt64 { max(Self.minimumIntervalNs, Self.costFactor * lastDumpCPUNs) }

    /// Whether the reading of `allocated` at `now` (monotonic ns) should be dumped; every sampler
    /// reading passes here, in order. `final` is the run's last reading, taken when the scenario
    /// returned: nothing later could catch a peak it still holds.
    package mutating func wantsDump(allocated: Int, now: UInt64, final: Bool = false) -> Bool {
        let previous = lastReading
        lastReading = allocated
        guard allocated >= dumpedAllocated + stepBytes else { return false }
        guard !final, let lastDumpEndNs else { return true }
        if now >= lastDumpEndNs && now - lastDumpEndNs >= intervalNs { return true }
        // Flat as the sampler's cadence counts it: a rise of at most 1/64 of the heap (256 KiB).
        let flat = max(Cadence.risingFloor, Int(Double(allocated) * Cadence.risingFraction))
        return previous.map { allocated <= $0 + flat } ?? false
    }

    /// A dump that ended at `endedNs` (monotonic) and took `cpuNs` of the sampler thread's CPU,
    /// for a reading of `allocated`; `succeeded` false leaves the dumped figure as it was (the
    /// profile on disk is the older one).
    package mutating func recordDump(allocated: Int, endedNs: UInt64, cpuNs: UInt64, succeeded: Bool) {
        dumpCPUNanoseconds += cpuNs
        lastDumpCPUNs = cpuNs
        lastDumpEndNs = endedNs
        if succeeded {
            dumpedAllocated = allocated
            dumps += 1
        }
    }
}
