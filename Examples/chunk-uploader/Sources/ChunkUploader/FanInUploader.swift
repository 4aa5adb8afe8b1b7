import Synchronization

/// Producers yield chunks into an `AsyncStream` with the `.unbounded` policy; one task uploads
/// them. `yield` never waits, so when the producer outpaces the remote every chunk not yet
/// uploaded is held: memory grows with the input — the pattern the bounded pipeline replaces.
public struct FanInUploader: Sendable {
    public init() {}

    /// Uploads every chunk `produce` yields to `sink`; `buffered` hears how many chunks are
    /// queued after every change.
    public func upload(
        to sink: some UploadSink, buffered: @escaping @Sendable (Int) -> Void = { _ in },
        produce: @escaping @Sendable (_ send: (_ chunk: [UInt8]) async -> Void) async -> Void
    ) async throws {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .unbounded)
        let queued = Counter()
        let consumer = Task {
            for await chunk in stream {
                buffered(queued.add(-1))
                try await sink.upload(chunk)
            }
        }
        await produce { chunk in
            buffered(queued.add(1))
            continuation.yield(chunk)
        }
        continuation.finish()
        try await consumer.value
    }

    /// The queue's length, counted by the code that queues (the stream does not say).
    final class Counter: Sendable {
        private let value = Mutex(0)
        func add(_ delta: Int) -> Int {
            value.withLock {
                $0 += delta
                return $0
            }
        }
    }
}
