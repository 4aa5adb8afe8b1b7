import DequeModule
import Synchronization

/// A first-in, first-out channel holding at most `capacity` elements, for any number of senders
/// and receivers: `send` suspends while the channel is full, `receive` suspends while it is empty,
/// and `receive` returns nil once the channel is finished and drained.
///
/// This is the bounded queue of a worker pool (Python's `asyncio.Queue(maxsize:)`, the buffer
/// behind p-limit or PQueue): the producer feels the workers' pace because `send` does not return
/// until there is room.
///
/// How it avoids the classic bugs of hand-written channels:
/// - Lost wake-ups: one lock guards the buffer and both waiter lists, and a task checks the
///   condition and registers itself as a waiter under the same lock. Whoever changes the
///   condition looks for a waiter under that lock too, so no wake-up can fall between the two.
/// - Resuming under the lock: every operation decides under the lock which continuations to
///   resume, returns them, and resumes them after unlocking. Resuming while locked would run
///   arbitrary wake-up work (and possibly re-enter the channel) inside the critical section.
/// - Cancellation: a parked sender or receiver whose task is cancelled is taken off its list and
///   resumed with `CancellationError` (its element is not sent). A cancellation that lands
///   before the task has parked is remembered by the waiter's id and honoured when it parks.
///
/// A sender that finds the channel full waits *with its element*: when a receiver frees a slot it
/// moves that element into the buffer and resumes the sender. So a resumed sender never has to
/// retry, the buffer never holds more than `capacity`, and order is preserved. With
/// `capacity == 0` the channel is a rendezvous: every element goes straight from a waiting sender
/// to a receiver.
public final class BoundedChannel<Element: Sendable>: Sendable {
    public let capacity: Int
    private let state = Mutex(State())
    /// Called under the lock with the new buffer depth after every change, so a gauge fed from
    /// it sees exactly the depths the buffer went through (never a transient overshoot).
    private let depthObserver: (@Sendable (Int) -> Void)?

    private struct ParkedSender {
        var id: UInt64
        var element: Element
        var continuation: CheckedContinuation<Void, Error>
    }

    private struct ParkedReceiver {
        var id: UInt64
        var continuation: CheckedContinuation<Element?, Error>
    }

    private struct State {
        var buffer = Deque<Element>()
        var waitingSenders = Deque<ParkedSender>()
        var waitingReceivers = Deque<ParkedReceiver>()
        var finished = false
        /// The deepest the buffer has ever been.
        var highWaterMark = 0
        var nextID: UInt64 = 0
        /// Waiters cancelled before they parked.
        var cancelledEarly: Set<UInt64> = []
    }

    /// - Parameters:
    ///   - capacity: the most elements the buffer holds; 0 hands each element straight over.
    ///   - depthObserver: sees every new buffer depth; it runs under the channel's lock, so it
    ///     must be quick and must not touch the channel.
    public init(capacity: Int, depthObserver: (@Sendable (Int) -> Void)? = nil) {
        precondition(capacity >= 0, "capacity must not be negative")
        self.capacity = capacity
        self.depthObserver = depthObserver
    }

    /// The deepest the buffer has been since the channel was made.
    public var highWaterMark: Int { state.withLock { $0.highWaterMark } }

    /// Elements buffered now (not counting those parked senders still hold).
    public var count: Int { state.withLock { $0.buffer.count } }

    /// Puts `element` into the channel, suspending while the channel is full.
    ///
    /// - Returns: whether the caller had to suspend (the producer adds up that time).
    /// - Throws: `CancellationError` when the task is cancelled while it waits; the element was
    ///   then not sent.
    @discardableResult
    public func send(_ element: Element) async throws -> Bool {
        let first = state.withLock { state -> (Delivery?, UInt64) in
            if let delivery = offer(element, to: &state) { return (delivery, 0) }
            state.nextID += 1
            return (nil, state.nextID)
        }
        if let delivery = first.0 {
            delivery.complete(with: element)
            return false
        }
        let id = first.1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (sender: CheckedContinuation<Void, Error>) in
                // The state may have changed since the first look, so look again before parking.
                let late = state.withLock { state -> Result<Delivery?, CancellationError> in
                    if state.cancelledEarly.remove(id) != nil { return .failure(CancellationError()) }
                    if let delivery = offer(element, to: &state) { return .success(delivery) }
                    state.waitingSenders.append(ParkedSender(id: id, element: element, continuation: sender))
                    return .success(nil)
                }
                switch late {
                case .failure(let error):
                    sender.resume(throwing: error)
                case .success(let delivery?):
                    delivery.complete(with: element)
                    sender.resume()
                case .success(nil):
                    break
                }
            }
        } onCancel: {
            let parked = state.withLock { state -> CheckedContinuation<Void, Error>? in
                if let index = state.waitingSenders.firstIndex(where: { $0.id == id }) {
                    return state.waitingSenders.remove(at: index).continuation
                }
                state.cancelledEarly.insert(id)
                return nil
            }
            parked?.resume(throwing: CancellationError())
        }
        return true
    }

    /// Takes the oldest element, suspending while the channel is empty; nil once the channel is
    /// finished and everything sent has been received.
    ///
    /// - Throws: `CancellationError` when the task is cancelled while it waits.
    public func receive() async throws -> Element? {
        let first = state.withLock { state -> (Taken?, UInt64) in
            if let taken = take(from: &state) { return (taken, 0) }
            state.nextID += 1
            return (nil, state.nextID)
        }
        if let taken = first.0 { return taken.complete() }
        let id = first.1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (receiver: CheckedContinuation<Element?, Error>) in
                let late = state.withLock { state -> Result<Taken?, CancellationError> in
                    if state.cancelledEarly.remove(id) != nil { return .failure(CancellationError()) }
                    if let taken = take(from: &state) { return .success(taken) }
                    state.waitingReceivers.append(ParkedReceiver(id: id, continuation: receiver))
                    return .success(nil)
                }
                switch late {
                case .failure(let error):
                    receiver.resume(throwing: error)
                case .success(let taken?):
                    receiver.resume(returning: taken.complete())
                case .success(nil):
                    break
                }
            }
        } onCancel: {
            let parked = state.withLock { state -> CheckedContinuation<Element?, Error>? in
                if let index = state.waitingReceivers.firstIndex(where: { $0.id == id }) {
                    return state.waitingReceivers.remove(at: index).continuation
                }
                state.cancelledEarly.insert(id)
                return nil
            }
            parked?.resume(throwing: CancellationError())
        }
    }

    /// Declares that nothing more will be sent. Receivers drain what is buffered (and what
    /// parked senders still hold), then get nil.
    public func finish() {
        let idleReceivers = state.withLock { state -> Deque<ParkedReceiver> in
            state.finished = true
            // A receiver only parks when nothing is buffered and no sender waits, so every parked
            // receiver can be told "finished" right away.
            defer { state.waitingReceivers.removeAll() }
            return state.waitingReceivers
        }
        for receiver in idleReceivers { receiver.continuation.resume(returning: nil) }
    }

    // MARK: - Decisions taken under the lock, completed after it

    /// Where a sent element went without its sender having to wait.
    private enum Delivery {
        case buffered
        case handedTo(CheckedContinuation<Element?, Error>)

        func complete(with element: Element) {
            if case .handedTo(let receiver) = self { receiver.resume(returning: element) }
        }
    }

    /// What a receiver got without waiting: an element (and maybe a parked sender to release
    /// because its element just moved into the freed slot), or the end of the channel.
    private enum Taken {
        case element(Element, releasing: CheckedContinuation<Void, Error>?)
        case finished

        func complete() -> Element? {
            switch self {
            case .element(let element, let sender):
                sender?.resume()
                return element
            case .finished:
                return nil
            }
        }
    }

    private func offer(_ element: Element, to state: inout State) -> Delivery? {
        precondition(!state.finished, "send after finish()")
        if let receiver = state.waitingReceivers.popFirst() { return .handedTo(receiver.continuation) }
        guard state.buffer.count < capacity else { return nil }
        state.buffer.append(element)
        noteDepth(&state)
        return .buffered
    }

    private func take(from state: inout State) -> Taken? {
        if let element = state.buffer.popFirst() {
            var released: CheckedContinuation<Void, Error>?
            if let parked = state.waitingSenders.popFirst() {
                state.buffer.append(parked.element)
                released = parked.continuation
            }
            noteDepth(&state)
            return .element(element, releasing: released)
        }
        // Only with capacity 0 (or a sender that parked just before a slot freed) does an
        // element skip the buffer.
        if let parked = state.waitingSenders.popFirst() {
            return .element(parked.element, releasing: parked.continuation)
        }
        return state.finished ? .finished : nil
    }

    private func noteDepth(_ state: inout State) {
        let depth = state.buffer.count
        state.highWaterMark = max(state.highWaterMark, depth)
        depthObserver?(depth)
    }
}
