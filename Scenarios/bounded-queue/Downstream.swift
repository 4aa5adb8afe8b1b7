import ScenarioKit
import ScenarioSupport
import Synchronization

/// The service every job calls: it answers after `latency` and admits at most `limit` calls at
/// once (a connection pool, an API's concurrency cap); calls beyond the limit wait their turn.
///
/// The limit is what makes unbounded fan-out pointless: throughput stops at `limit / latency`,
/// and every extra caller only waits, holding its payload.
final class Downstream: Sendable {
    private let latency: Duration
    /// nil when the service admits any number of concurrent calls.
    private let admission: AsyncSemaphore?
    /// Calls parked at the admission limit.
    private let waiting: Gauge

    /// - Parameter limit: the most concurrent calls the service admits; 0 = no limit.
    init(latencySeconds: Double, limit: Int, waiting: Gauge) {
        latency = .nanoseconds(Int64((latencySeconds * 1e9).rounded()))
        admission = limit > 0 ? AsyncSemaphore(permits: limit) : nil
        self.waiting = waiting
    }

    /// One call: wait for admission, then for the answer.
    func call() async {
        if let admission {
            waiting.add(1)
            await admission.acquire()
            waiting.add(-1)
        }
        // Only cancellation makes the sleep throw, and nothing cancels this scenario's tasks.
        if latency > .zero { try? await Task.sleep(for: latency) }
        admission?.release()
    }
}
