import ScenarioKit
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

/// A counting semaphore for tasks: `acquire` suspends (instead of blocking a thread) while no
/// permit is free; `release` hands the permit straight to the longest waiter, so waiters are
/// served in order and a newcomer cannot overtake them.
///
/// Like ``BoundedChannel``, it decides under the lock and resumes after unlocking.
final class AsyncSemaphore: Sendable {
    private struct State {
        var freePermits: Int
        var waiters = FIFO<CheckedContinuation<Void, Never>>()
    }

    private let state: Mutex<State>

    init(permits: Int) {
        precondition(permits > 0, "a semaphore needs at least one permit")
        state = Mutex(State(freePermits: permits))
    }

    func acquire() async {
        let acquired = state.withLock { state -> Bool in
            guard state.freePermits > 0 else { return false }
            state.freePermits -= 1
            return true
        }
        if acquired { return }
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            // Look again under the lock: a permit may have come back since the first look.
            let acquiredLate = state.withLock { state -> Bool in
                if state.freePermits > 0 {
                    state.freePermits -= 1
                    return true
                }
                state.waiters.append(waiter)
                return false
            }
            if acquiredLate { waiter.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiters.popFirst() { return waiter }  // the permit passes to it
            state.freePermits += 1
            return nil
        }
        next?.resume()
    }
}
