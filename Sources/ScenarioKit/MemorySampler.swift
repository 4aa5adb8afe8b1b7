import Foundation
import Synchronization

/// The in-child sampler thread: every tick it refreshes jemalloc's `epoch`, reads the five
/// counters and the scenario's gauges, and keeps their peaks. Every `timelineInterval` it sends
/// the window's maxima to the parent, so down-sampling never hides a peak.
///
/// The tick backs off while the heap is flat: it starts at `interval` (1 ms by default), doubles
/// after every reading that did not rise materially (``Cadence``), up to ``Cadence/slowest``
/// (8 ms), and drops back to `interval` the moment a reading has risen. Why: a tick wakes a
/// thread and merges every arena's statistics under their locks; at 1 ms on a machine whose cores
/// a fast row saturates, that cost 3.9 % of pipeline-copy/unthrottled's throughput. A flat heap
/// needs no such resolution, and a rising one gets it back at the next tick. A short peak is
/// still seen: no gap between ticks exceeds 8 ms, so a block held 10 ms meets at least one.
final class MemorySampler: @unchecked Sendable {
    struct Summary {
        var peaks = AllocatorCounters()
        var ticks = 0
        var meanTickMicroseconds = 0.0
    }

    private let stats: JemallocStats
    private let interval: Double
    private let timelineInterval: Double
    private let channel: ResultChannel?
    private let context: ScenarioContext
    /// Dumps a heap profile at each new peak, when the harness asked for attribution.
    let profiler: PeakProfiler?
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let startNanoseconds: UInt64
    // Touched only by the sampler thread until `stop()` has joined it.
    private var summary = Summary()
    private var window = AllocatorCounters()
    private var windowGauges: [String: Int] = [:]
    private var tickNanoseconds: UInt64 = 0

    /// - Parameters:
    ///   - intervalMs: tick period; 0 turns the thread off (peaks then come from one final read).
    ///   - channel: where to stream the timeline; nil to keep it to the summary.
    init(
        stats: JemallocStats, intervalMs: Double, timelineIntervalMs: Double, channel: ResultChannel?,
        context: ScenarioContext,
        profiler: PeakProfiler? = nil
    ) {
        self.profiler = profiler
        self.stats = stats
        interval = intervalMs / 1000
        timelineInterval = max(timelineIntervalMs, intervalMs) / 1000
        self.channel = channel
        self.context = context
        startNanoseconds = MonotonicClock.nanoseconds()
    }

    func start() {
        guard interval > 0 else { return }
        let thread = Thread { [self] in loop() }
        thread.name = "bpbench-sampler"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops the thread, takes one last reading and returns the peaks over the whole run.
    func stop() -> Summary {
        if interval > 0 {
            stopRequested.store(true, ordering: .releasing)
            finished.wait()
        }
        tick(now: MonotonicClock.nanoseconds(), final: true)
        emit(now: MonotonicClock.nanoseconds())
        var result = summary
        result.meanTickMicroseconds = summary.ticks > 0 ? Double(tickNanoseconds) / Double(summary.ticks) / 1000 : 0
        return result
    }

    private func loop() {
        var cadence = Cadence(fastestNs: UInt64(interval * 1e9))
        let timelineNs = UInt64(timelineInterval * 1e9)
        var nextTick = MonotonicClock.nanoseconds()
        var nextEmit = nextTick + timelineNs
        while !stopRequested.load(ordering: .acquiring) {
            let now = MonotonicClock.nanoseconds()
            let allocated = tick(now: now)
            if now >= nextEmit {
                emit(now: now)
                nextEmit = now + timelineNs
            }
            nextTick += cadence.next(allocated: allocated, peak: summary.peaks.allocated)
            let after = MonotonicClock.nanoseconds()
            if nextTick > after {
                var pause = timespec(
                    tv_sec: Int(((nextTick - after) / 1_000_000_000)), tv_nsec: Int((nextTick - after) % 1_000_000_000))
                nanosleep(&pause, nil)
            } else {
                nextTick = after  // fell behind (overloaded machine): do not try to catch up in a burst
            }
        }
        finished.signal()
    }

    /// One reading; returns the allocated bytes it saw. `final`: the reading after the scenario
    /// returned, which the peak profiler dumps whatever its interval.
    @discardableResult
    private func tick(now: UInt64, final: Bool = false) -> Int {
        let reading = stats.read()
        profiler?.observe(allocated: reading.allocated, now: now, final: final)
        window.formMaximum(reading)
        summary.peaks.formMaximum(reading)
        context.gauges.visitEach { gauge in
            windowGauges[gauge.name] = max(windowGauges[gauge.name] ?? 0, gauge.current)
        }
        summary.ticks += 1
        tickNanoseconds += MonotonicClock.nanoseconds() - now
        return reading.allocated
    }

    private func emit(now: UInt64) {
        guard let channel, channel.toHarness else { return }
        let progress = context.progressSnapshot()
        let sample = SampleMessage(
            tMs: Double(now - startNanoseconds) / 1e6, counters: window, items: progress.items, bytes: progress.bytes,
            gauges: windowGauges)
        if let line = try? JSONLineCoding.line(sample) { channel.send(line: line) }
        window = AllocatorCounters()
        for key in windowGauges.keys { windowGauges[key] = 0 }
    }
}
