import Synchronization

/// A first-in, first-out channel holding at most `capacity` elements, for any number of senders
/// and receivers: `send` suspends while the channel is full, `receive` suspends while it is empty,
/// and `receive` returns nil once the channel is finished and drained.
///
/// This is the bounded queue of a worker pool (Python's `asyncio.Queue(maxsize:)`, the buffer
/// behind p-limit or PQueue): the producer feels the workers' pace because `send` does not return
/// until there is room.
///
/// How it avoids the two classic bugs of hand-written channels:
/// - Lost wake-ups: one lock guards the buffer and both waiter lists, and a task checks the
///   condition and registers itself as a waiter under the same lock. Whoever changes the
///   condition looks for a waiter under that lock too, so no wake-up can fall between the two.
/// - Resuming under the lock: every operation decides under the lock which continuations to
///   resume, returns them, and resumes them after unlocking. Resuming while locked would run
///   arbitrary wake-up work (and possibly re-enter the channel) inside the critical section.
///
/// A sender that finds the channel full waits *with its element*: when a receiver frees a slot it
/// moves that element into the buffer and resumes the sender. So a resumed sender never has to
/// retry, the buffer never holds more than `capacity`, and order is preserved. With
/// `capacity == 0` the channel is a rendezvous: every element goes straight from a waiting sender
/// to a receiver.
///
/// Not cancellation-aware: a cancelled task stays parked until the channel lets it through (the
/// scenario never cancels; handling it would need `withTaskCancellationHandler` and waiter ids).
final class BoundedChannel<Element: Sendable>: Sendable {
    let capacity: Int
    private let state = Mutex(State())
    /// Called under the lock with the new buffer depth after every change, so a gauge fed from
    /// it sees exactly the depths the buffer went through (never a transient overshoot).
    private let depthObserver: (@Sendable (Int) -> Void)?

    private struct State {
        var buffer = FIFO<Element>()
        var waitingSenders = FIFO<(element: Element, sender: CheckedContinuation<Void, Never>)>()
        var waitingReceivers = FIFO<CheckedContinuation<Element?, Never>>()
        var finished = false
        /// The deepest the buffer has ever been, checked against `capacity` by the caller.
        var highWaterMark = 0
    }

    /// - Parameters:
    ///   - capacity: the most elements the buffer holds; 0 hands each element straight over.
    ///   - depthObserver: sees every new buffer depth; it runs under the channel's lock, so it
    ///     must be quick and must not touch the channel.
    init(capacity: Int, depthObserver: (@Sendable (Int) -> Void)? = nil) {
        precondition(capacity >= 0, "capacity must not be negative")
        self.capacity = capacity
        self.depthObserver = depthObserver
    }

    /// The deepest the buffer has been since the channel was made.
    var highWaterMark: Int { state.withLock { $0.highWaterMark } }

    /// Puts `element` into the channel, suspending while the channel is full.
    ///
    /// - Returns: whether the caller had to suspend (the producer adds up that time).
    @discardableResult
    func send(_ element: Element) async -> Bool {
        let immediate = state.withLock { state in offer(element, to: &state) }
        if let immediate {
            immediate.complete(with: element)
            return false
        }
        await withCheckedContinuation { (sender: CheckedContinuation<Void, Never>) in
            // The state may have changed since the first look, so look again before parking.
            let late = state.withLock { state -> Delivery? in
                if let delivery = offer(element, to: &state) { return delivery }
                state.waitingSenders.append((element, sender))
                return nil
            }
            if let late {
                late.complete(with: element)
                sender.resume()
            }
        }
        return true
    }

    /// Takes the oldest element, suspending while the channel is empty; nil once the channel is
    /// finished and everything sent has been received.
    func receive() async -> Element? {
        let immediate = state.withLock { state in take(from: &state) }
        if let immediate { return immediate.complete() }
        return await withCheckedContinuation { (receiver: CheckedContinuation<Element?, Never>) in
            let late = state.withLock { state -> Taken? in
                if let taken = take(from: &state) { return taken }
                state.waitingReceivers.append(receiver)
                return nil
            }
            if let late { receiver.resume(returning: late.complete()) }
        }
    }

    /// Declares that nothing more will be sent. Receivers drain what is buffered (and what
    /// parked senders still hold), then get nil.
    func finish() {
        let idleReceivers = state.withLock { state -> [CheckedContinuation<Element?, Never>] in
            state.finished = true
            // A receiver only parks when nothing is buffered and no sender waits, so every parked
            // receiver can be told "finished" right away.
            return state.waitingReceivers.removeAll()
        }
        for receiver in idleReceivers { receiver.resume(returning: nil) }
    }

    // MARK: - Decisions taken under the lock, completed after it

    /// Where a sent element went without its sender having to wait.
    private enum Delivery {
        case buffered
        case handedTo(CheckedContinuation<Element?, Never>)

        func complete(with element: Element) {
            if case .handedTo(let receiver) = self { receiver.resume(returning: element) }
        }
    }

    /// What a receiver got without waiting: an element (and maybe a parked sender to release
    /// because its element just moved into the freed slot), or the end of the channel.
    private enum Taken {
        case element(Element, releasing: CheckedContinuation<Void, Never>?)
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
        if let receiver = state.waitingReceivers.popFirst() { return .handedTo(receiver) }
        guard state.buffer.count < capacity else { return nil }
        state.buffer.append(element)
        noteDepth(&state)
        return .buffered
    }

    private func take(from state: inout State) -> Taken? {
        if let element = state.buffer.popFirst() {
            var released: CheckedContinuation<Void, Never>?
            if let parked = state.waitingSenders.popFirst() {
                state.buffer.append(parked.element)
                released = parked.sender
            }
            noteDepth(&state)
            return .element(element, releasing: released)
        }
        // Only with capacity 0 (or a sender that parked just before a slot freed) does an
        // element skip the buffer.
        if let parked = state.waitingSenders.popFirst() { return .element(parked.element, releasing: parked.sender) }
        return state.finished ? .finished : nil
    }

    private func noteDepth(_ state: inout State) {
        let depth = state.buffer.count
        state.highWaterMark = max(state.highWaterMark, depth)
        depthObserver?(depth)
    }
}

/// A first-in, first-out list with amortised O(1) removal at the front (an array and a head
/// index, compacted once the consumed prefix is at least half the storage). Used for the
/// channel's buffer and for lists of parked tasks, which can be as long as the number of workers.
struct FIFO<Element> {
    private var storage: [Element?] = []
    private var head = 0

    var count: Int { storage.count - head }

    mutating func append(_ element: Element) { storage.append(element) }

    mutating func popFirst() -> Element? {
        guard head < storage.count else { return nil }
        let element = storage[head]
        storage[head] = nil  // drop the reference now, not at the next compaction
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 32, head * 2 >= storage.count {
            storage.removeFirst(head)
            head = 0
        }
        return element
    }

    /// Empties the list, returning what it held in order.
    mutating func removeAll() -> [Element] {
        let remaining = storage[head...].map { $0! }
        storage.removeAll()
        head = 0
        return remaining
    }
}
