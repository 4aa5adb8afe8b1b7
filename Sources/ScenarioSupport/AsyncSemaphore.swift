import DequeModule
import Synchronization

/// A counting semaphore for tasks: `acquire` suspends (instead of blocking a thread) while no
/// permit is free; `release` hands the permit straight to the longest waiter, so waiters are
/// served in order and a newcomer cannot overtake them.
///
/// Like ``BoundedChannel``, it decides under the lock and resumes after unlocking.
public final class AsyncSemaphore: Sendable {
    private struct State {
        var freePermits: Int
        var waiters = Deque<CheckedContinuation<Void, Never>>()
    }

    private let state: Mutex<State>

    public init(permits: Int) {
        precondition(permits > 0, "a semaphore needs at least one permit")
        state = Mutex(State(freePermits: permits))
    }

    public func acquire() async {
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

    public func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiters.popFirst() { return waiter }  // the permit passes to it
            state.freePermits += 1
            return nil
        }
        next?.resume()
    }
}
