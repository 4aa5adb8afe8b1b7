import CJemalloc
import JemallocDefaults

/// Reads jemalloc's statistics through `mallctl`, with the names resolved to MIBs once so a
/// sampler tick is a handful of cheap calls. Internal: the sampler reads it for the scenario (a
/// scenario that read it too would measure its own measuring); its figures reach the harness in
/// the result.
struct JemallocStats: Sendable {
    private static let counterNames = [
        "stats.allocated", "stats.active", "stats.resident", "stats.mapped", "stats.retained",
    ]
    private let mibs: [[Int]]
    private let epochMib: [Int]

    init() {
        epochMib = Self.mib(for: "epoch")
        mibs = Self.counterNames.map(Self.mib(for:))
    }

    private static func mib(for name: String) -> [Int] {
        var mib = [Int](repeating: 0, count: 8)
        var length = mib.count
        let status = mib.withUnsafeMutableBufferPointer { mallctlnametomib(name, $0.baseAddress, &length) }
        precondition(
            status == 0,
            "jemalloc does not know '\(name)' (mallctlnametomib returned \(status)); is the binary linked with jemalloc?"
        )
        return Array(mib.prefix(length))
    }

    /// Refreshes jemalloc's cached statistics (they only change when `epoch` is written) and
    /// reads all five counters.
    func read() -> AllocatorCounters {
        refreshEpoch()
        // No allocation here: the sampler must not perturb the heap it measures.
        return AllocatorCounters(
            allocated: counter(0), active: counter(1), resident: counter(2), mapped: counter(3), retained: counter(4))
    }

    /// jemalloc's statistics only change when `epoch` is written.
    private func refreshEpoch() {
        // The new epoch goes in `newp`; reading and writing one Swift variable in the same call
        // would be an exclusivity violation.
        var epoch: UInt64 = 1
        _ = epochMib.withUnsafeBufferPointer { mib in
            mallctlbymib(mib.baseAddress, mib.count, nil, nil, &epoch, MemoryLayout<UInt64>.size)
        }
    }

    private func counter(_ index: Int) -> Int {
        var value = 0
        var length = MemoryLayout<Int>.size
        _ = mibs[index].withUnsafeBufferPointer { mib in
            mallctlbymib(mib.baseAddress, mib.count, &value, &length, nil, 0)
        }
        return value
    }

    /// Allocation and deallocation requests so far, over all arenas (small + large). Refreshes
    /// the epoch first; reads by name (called twice per run, not on the sampler's path).
    func operationCounts() -> (allocations: Int, frees: Int) {
        refreshEpoch()
        func read(_ name: String) -> Int {
            var value: UInt64 = 0
            var length = MemoryLayout<UInt64>.size
            return mallctl(name, &value, &length, nil, 0) == 0 ? Int(value) : 0
        }
        let all = "stats.arenas.\(MALLCTL_ARENAS_ALL)"
        return (
            read(all + ".small.nrequests") + read(all + ".large.nrequests"),
            read(all + ".small.ndalloc") + read(all + ".large.ndalloc")
        )
    }

    /// jemalloc's version string, e.g. `5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c`.
    static var version: String {
        var pointer: UnsafePointer<CChar>? = nil
        var length = MemoryLayout<UnsafePointer<CChar>?>.size
        guard mallctl("version", &pointer, &length, nil, 0) == 0, let pointer else { return "unknown" }
        return String(cString: pointer)
    }

    /// The options actually in force (compiled-in defaults, then MALLOC_CONF), read back.
    static var optionsInForce: String {
        func signed(_ name: String) -> String {
            var value = 0
            var length = MemoryLayout<Int>.size
            return mallctl(name, &value, &length, nil, 0) == 0 ? String(value) : "?"
        }
        func unsigned32(_ name: String) -> String {
            var value: UInt32 = 0
            var length = MemoryLayout<UInt32>.size
            return mallctl(name, &value, &length, nil, 0) == 0 ? String(value) : "?"
        }
        func boolean(_ name: String) -> String {
            var value = false
            var length = MemoryLayout<Bool>.size
            return mallctl(name, &value, &length, nil, 0) == 0 ? String(value) : "?"
        }
        return [
            "dirty_decay_ms:" + signed("opt.dirty_decay_ms"),
            "muzzy_decay_ms:" + signed("opt.muzzy_decay_ms"),
            "narenas:" + unsigned32("opt.narenas"),
            "background_thread:" + boolean("opt.background_thread"),
            "tcache:" + boolean("opt.tcache"),
            "prof:" + boolean("opt.prof"),
        ].joined(separator: ",")
    }

    /// The compiled-in defaults (see `jemalloc_defaults.c`).
    static var compiledDefaults: String { String(cString: bpbench_compiled_malloc_conf()) }
}
