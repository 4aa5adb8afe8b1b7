import Histogram
import Synchronization

/// Per-item latencies in an HDR histogram (3 significant digits, 1 ns to 1 hour).
///
/// Safe to call from any thread; one lock per record keeps it simple and costs tens of
/// nanoseconds, far below the item latencies it measures.
public final class LatencyRecorder: Sendable {
    private let histogram = Mutex(
        Histogram<UInt64>(highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: .three))

    public init() {}

    public func record(nanoseconds: UInt64) {
        histogram.withLock { _ = $0.record(nanoseconds) }
    }

    /// Records the time since `startNanoseconds` (a ``MonotonicClock`` reading); an unstamped
    /// item (0) is skipped rather than recorded as a latency of the machine's uptime.
    public func recordSince(_ startNanoseconds: UInt64) {
        guard startNanoseconds != 0 else { return }
        let now = MonotonicClock.nanoseconds()
        record(nanoseconds: now >= startNanoseconds ? now - startNanoseconds : 0)
    }

    /// Percentiles in microseconds, or nil when nothing was recorded.
    public func summary() -> LatencySummary? {
        histogram.withLock { histogram in
            guard histogram.totalCount > 0 else { return nil }
            func microseconds(_ percentile: Double) -> Double { Double(histogram.valueAtPercentile(percentile)) / 1000 }
            return LatencySummary(
                count: Int(histogram.totalCount), p50Us: microseconds(50), p90Us: microseconds(90),
                p99Us: microseconds(99), maxUs: Double(histogram.max) / 1000)
        }
    }
}
