import CJemalloc
import Foundation

/// Peak attribution in the child (`bpbench run --attribute`): with jemalloc's heap profiling on
/// (`prof:true`, set by the harness through `MALLOC_CONF`), dumps a heap profile each time the
/// allocated bytes reach a new maximum, so the last dump is the heap at (or within a step of)
/// the peak — which allocation stacks held the memory when there was most of it.
///
/// A dump is rate-limited: the new maximum must pass the last dumped one by 1/16 (at least
/// 64 KiB), and 20 ms must have passed since the last dump. A dump walks every sampled live
/// allocation (a few ms for a large heap) on the sampler thread, so it never runs on the
/// scenario's own threads. The dump goes to a temporary name and is renamed: the file is always
/// a whole profile. The parent turns it into stacks with `jeprof`.
final class PeakProfiler {
    /// Set by the harness to the file the peak profile goes to.
    static let environmentVariable = ResultProtocol.peakProfileVariable
    static let minimumStepBytes = 64 << 10
    static let minimumIntervalNs: UInt64 = 20_000_000

    let path: String
    private(set) var dumpedAllocated = 0
    private(set) var dumps = 0
    private var lastDumpNs: UInt64 = 0

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

    /// Called on every sampler tick with the allocated bytes just read.
    func observe(allocated: Int, now: UInt64) {
        let step = max(dumpedAllocated / 16, Self.minimumStepBytes)
        guard allocated >= dumpedAllocated + step, now - lastDumpNs >= Self.minimumIntervalNs else { return }
        if dump() {
            dumpedAllocated = allocated
            dumps += 1
        }
        lastDumpNs = MonotonicClock.nanoseconds()
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
