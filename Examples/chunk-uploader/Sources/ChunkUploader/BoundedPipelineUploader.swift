/// Producer → a channel of at most ``capacity`` chunks → ``workers`` upload tasks. The producer
/// suspends while the channel is full, so at most `capacity + workers` chunks are held however
/// much is uploaded: memory is bounded by the code, not by the remote's speed.
public struct BoundedPipelineUploader: Sendable {
    /// Chunks the channel holds before the producer waits. Eight 64 KiB chunks keep two workers
    /// busy through a remote's pauses without holding more than half a MiB.
    public static let defaultCapacity = 8

    public let capacity: Int
    public let workers: Int

    public init(capacity: Int = BoundedPipelineUploader.defaultCapacity, workers: Int = 2) {
        precondition(capacity >= 1 && workers >= 1)
        self.capacity = capacity
        self.workers = workers
    }

    /// Uploads every chunk `produce` yields to `sink`; `depth` hears the channel's depth after
    /// every change (what the benchmark gauges).
    public func upload(
        to sink: some UploadSink, depth: @escaping @Sendable (Int) -> Void = { _ in },
        produce: @escaping @Sendable (_ send: (_ chunk: [UInt8]) async -> Void) async -> Void
    ) async throws {
        let channel = Channel(capacity: capacity, depth: depth)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    while let chunk = await channel.receive() { try await sink.upload(chunk) }
                }
            }
            await produce { chunk in await channel.send(chunk) }
            await channel.finish()
            try await group.waitForAll()
        }
    }

    /// A bounded FIFO: `send` suspends while it is full, `receive` while it is empty.
    actor Channel {
        let capacity: Int
        let depth: @Sendable (Int) -> Void
        var buffer: [[UInt8]] = []
        var head = 0
        var finished = false
        var waitingSenders: [CheckedContinuation<Void, Never>] = []
        var waitingReceivers: [CheckedContinuation<[UInt8]?, Never>] = []

        init(capacity: Int, depth: @escaping @Sendable (Int) -> Void) {
            self.capacity = capacity
            self.depth = depth
        }

        var count: Int { buffer.count - head }

        func send(_ chunk: [UInt8]) async {
            while count >= capacity { await withCheckedContinuation { waitingSenders.append($0) } }
            if !waitingReceivers.isEmpty {
                waitingReceivers.removeFirst().resume(returning: chunk)
                return
            }
            buffer.append(chunk)
            depth(count)
        }

        func receive() async -> [UInt8]? {
            if count > 0 {
                let chunk = buffer[head]
                head += 1
                if head > 64 && head * 2 > buffer.count {
                    buffer.removeFirst(head)
                    head = 0
                }
                depth(count)
                if !waitingSenders.isEmpty { waitingSenders.removeFirst().resume() }
                return chunk
            }
            if finished { return nil }
            return await withCheckedContinuation { waitingReceivers.append($0) }
        }

        func finish() {
            finished = true
            for receiver in waitingReceivers { receiver.resume(returning: nil) }
            waitingReceivers = []
        }
    }
}
