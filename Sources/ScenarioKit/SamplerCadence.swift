/// When the in-child sampler reads next: at its fastest interval while the heap rises, twice as
/// long after each reading that did not rise materially, never slower than ``slowest``.
///
/// "Materially" is more than ``risingFraction`` of the peak so far (at least ``risingFloor``):
/// a heap that hovers at its peak — every bounded strategy — is flat, and jemalloc's own
/// churn of a few KiB must not keep the sampler at full speed.
///
/// `package`, not internal: ScenarioKitTests test it without `@testable`, so the tests can run
/// against the release build without compiling ScenarioKit — every scenario's code — with
/// `-enable-testing` (the CI runs tests and the gate from one release build).
package struct Cadence {
    /// The longest gap between readings: shorter than the 10 ms a short peak must be held to be
    /// caught for certain.
    static let slowest: UInt64 = 8_000_000
    static let risingFraction = 1.0 / 64
    static let risingFloor = 256 << 10

    let fastestNs: UInt64
    private(set) var currentNs: UInt64
    private var lastAllocated: Int?

    package init(fastestNs: UInt64) {
        self.fastestNs = fastestNs
        currentNs = fastestNs
    }

    /// The wait before the next reading, given this one.
    package mutating func next(allocated: Int, peak: Int) -> UInt64 {
        defer { lastAllocated = allocated }
        let material = max(Self.risingFloor, Int(Double(peak) * Self.risingFraction))
        if let last = lastAllocated, allocated <= last + material {
            // A user who asked for ticks slower than `slowest` keeps them.
            currentNs = min(max(fastestNs, Self.slowest), currentNs * 2)
        } else {
            currentNs = fastestNs
        }
        return currentNs
    }
}
