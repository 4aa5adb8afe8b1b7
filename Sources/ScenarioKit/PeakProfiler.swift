import CJemalloc
import Foundation

/// Peak attribution in the child (`bpbench run --attribute`, `check`'s what-grew repeats): with
/// jemalloc's heap profiling on (`prof:true`, set by the harness through `MALLOC_CONF`), dumps a
/// heap profile each time the allocated bytes reach a new maximum, so the last dump is the heap
/// at (or within a step of) the peak — which allocation stacks held the memory when there was
/// most of it.
///
/// When to dump is ``PeakDumpSchedule``'s: a rise of 1/16 (at least 64 KiB) past the last dumped
/// figure, dumped at once when the heap stops rising (its plateau), else after an interval of
/// four times the last dump's CPU time (at least 1 ms), and on the run's final reading whatever
/// the interval. A dump walks every sampled live allocation on the sampler thread, so it never
/// runs on the scenario's own threads. The dump goes to a temporary name and is renamed: the file
/// is always a whole profile. The parent turns it into stacks with `jeprof`.
///
/// What no sampler can do is dump a heap that is already gone: a peak freed within about one
/// sampler tick (1 ms while the heap rises) of being reached is dumped short, and the child's
/// `profile_allocated_bytes` against its peak says by how much.
final class PeakProfiler {
    /// Set by the harness to the file the peak profile goes to.
    static let environmentVariable = ResultProtocol.peakProfileVariable

    let path: String
    private(set) var schedule = PeakDumpSchedule()

    /// A profiler when the harness asked for one and jemalloc's profiling is on; else nil.
    static func fromEnvironment(_ environment: [String: String]) -> PeakProfiler? {
        guard let path = environment[environmentVariable], !path.isEmpty, profilingActive else { return nil }
        return PeakProfiler(path: path)
    }

    init(path: String) { self.path = path }

    static var profilingActive: Bool {
        var value = false
        var length = MemoryLayout<Bool>.size
        return mallctl("opt.prof", &value, &length, nil, 0) == 0 && value
    }

    /// Called on every sampler tick with the allocated bytes just read; `final` on the reading
    /// taken when the scenario returned.
    func observe(allocated: Int, now: UInt64, final: Bool = false) {
        guard schedule.wantsDump(allocated: allocated, now: now, final: final) else { return }
        let cpuBefore = Self.threadCPUNanoseconds()
        let succeeded = dump()
        schedule.recordDump(
            allocated: allocated, endedNs: MonotonicClock.nanoseconds(),
            cpuNs: Self.threadCPUNanoseconds() &- cpuBefore, succeeded: succeeded)
    }

    /// The calling thread's CPU time: what a dump costs the sampler, without the time the
    /// scheduler gave others while it ran.
    static func threadCPUNanoseconds() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }

    /// What the child's result reports about the profile: how close it is to the peak (its
    /// allocated bytes against the peak's), how many dumps it took and the CPU they cost.
    var metrics: [String: Double] {
        [
            "profile_allocated_bytes": Double(schedule.dumpedAllocated), "profile_dumps": Double(schedule.dumps),
            "profile_dump_cpu_ms": Double(schedule.dumpCPUNanoseconds) / 1e6,
        ]
    }

    /// `prof.dump` to a temporary file, renamed over the profile.
    private func dump() -> Bool {
        let temporary = path + ".tmp"
        let status = temporary.withCString { name -> Int32 in
            var pointer: UnsafePointer<CChar>? = name
            return mallctl("prof.dump", nil, nil, &pointer, MemoryLayout<UnsafePointer<CChar>?>.size)
        }
        return status == 0 && rename(temporary, path) == 0
    }
}
